"""Admin for credentials and constants. No password or token is ever shown here, in a form or a list;
every change goes through vault.services (encryption, changed_at, audit)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.views.decorators.debug import sensitive_variables

from orchestrator_site.admin_base import ConsoleModelAdmin
from orchestrator_site.crypto import MAX_PASSWORD_BYTES
from vault import guard, services
from vault.forms import NAME_HELP
from vault.models import Constant, Credential


def _password_input() -> forms.PasswordInput:
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})


def _name_field() -> forms.CharField:
    return forms.CharField(max_length=100, strip=False, help_text=NAME_HELP)


class VaultAdmin(ConsoleModelAdmin):
    """Add, change and delete through vault.services; a refusal there (a name taken or deleted a
    moment ago, a missing key) is a message on the page, not a 500."""

    writes = frozenset({"add", "change", "delete"})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.VaultError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class CredentialAdminForm(forms.ModelForm):
    name = _name_field()
    username = forms.CharField(max_length=250, strip=False)
    new_password = forms.CharField(
        label="Password",
        required=False,
        strip=False,
        widget=_password_input(),
        help_text=f"At most {MAX_PASSWORD_BYTES} bytes (UTF-8). When editing, leave both empty to "
        "keep the current password.",
    )
    new_password_again = forms.CharField(
        label="Password again", required=False, strip=False, widget=_password_input()
    )

    class Meta:
        model = Credential
        fields = ["name", "username"]

    @sensitive_variables("password", "again", "cleaned")
    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("new_password") or ""
        again = cleaned.get("new_password_again") or ""
        adding = self.instance._state.adding
        if adding and not password:
            self.add_error("new_password", "Enter a password.")
        if password != again:
            self.add_error("new_password_again", "The two passwords differ.")
        size = len(password.encode())
        if size > MAX_PASSWORD_BYTES:
            self.add_error(
                "new_password",
                f"At most {MAX_PASSWORD_BYTES} bytes (UTF-8); this password is {size} bytes.",
            )
        problem = guard.encryption_problem()
        if password and problem:
            self.add_error(None, problem)
        return cleaned


@admin.register(Credential)
class CredentialAdmin(VaultAdmin):
    form = CredentialAdminForm
    secret_fields = ("password",)  # the token: no list filters, searches or sorts by it
    list_display = ("name", "username", "changed_at", "stored_token")
    search_fields = ("name", "username")
    ordering = ("name",)

    def get_queryset(self, request):
        return Credential.objects.without_tokens()

    @admin.display(description="Stored token")  # not sortable: its length is the token's
    def stored_token(self, obj: Credential) -> str:
        return obj.token_size

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            fields = ["name", "username", "new_password", "new_password_again"]
        elif self.has_change_permission(request, obj):
            fields = ["name", "username", "new_password", "new_password_again", "changed_at"]
        else:
            fields = ["name", "username", "changed_at", "stored_token"]
        return [(None, {"fields": fields})]

    def get_readonly_fields(self, request, obj=None):
        return ("name", "changed_at", "stored_token") if obj is not None else ()

    @sensitive_variables("form")
    def save_model(self, request, obj, form, change):
        password = form.cleaned_data.get("new_password") or None
        if change:
            services.update_credential(
                user=request.user,
                name=obj.pk,
                username=form.cleaned_data["username"],
                password=password,
            )
        else:
            services.create_credential(
                user=request.user,
                name=form.cleaned_data["name"],
                username=form.cleaned_data["username"],
                password=password,
            )

    def delete_model(self, request, obj):
        services.delete_credentials(user=request.user, names=[obj.pk])

    def delete_queryset(self, request, queryset):
        services.delete_credentials(
            user=request.user, names=list(queryset.values_list("pk", flat=True))
        )


class ConstantAdminForm(forms.ModelForm):
    name = _name_field()
    value = forms.CharField(
        max_length=1000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="At most 1000 characters, kept exactly as typed.",
    )

    class Meta:
        model = Constant
        fields = ["name", "value"]


@admin.register(Constant)
class ConstantAdmin(VaultAdmin):
    form = ConstantAdminForm
    list_display = ("name", "value", "changed_at")
    search_fields = ("name", "value")
    ordering = ("name",)

    def get_readonly_fields(self, request, obj=None):
        return ("name", "changed_at") if obj is not None else ()

    def get_fields(self, request, obj=None):
        return ["name", "value", "changed_at"] if obj is not None else ["name", "value"]

    def save_model(self, request, obj, form, change):
        if change:
            services.update_constant(
                user=request.user, name=obj.pk, value=form.cleaned_data["value"]
            )
        else:
            services.create_constant(
                user=request.user, name=form.cleaned_data["name"], value=form.cleaned_data["value"]
            )

    def delete_model(self, request, obj):
        services.delete_constants(user=request.user, names=[obj.pk])

    def delete_queryset(self, request, queryset):
        services.delete_constants(
            user=request.user, names=list(queryset.values_list("pk", flat=True))
        )
