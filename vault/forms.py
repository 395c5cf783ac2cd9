"""Forms of the vault. Names, usernames, passwords and values are kept exactly as typed (never
trimmed); passwords are never rendered back.

OpenOrchestrator's own app accepts any non-empty text, a value of only spaces included. Here a
name or a username of only spaces is refused when typed: robots look credentials and constants up by
name and log in with the username, so an invisible one is a slip. A stored username of only spaces
is kept while it is left unchanged. Passwords and constant values are data: only spaces is a value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.debug import sensitive_variables

from orchestrator_site.crypto import MAX_PASSWORD_BYTES
from orchestrator_site.textfields import ColumnTextField, EditsColumns, LoadedField, typed_text
from vault.models import Constant, Credential

if TYPE_CHECKING:
    from django.http import QueryDict
    from django_stubs_ext import StrOrPromise

NAME_HELP = gettext_lazy("Robots look it up by this exact name; it cannot be changed later.")


def _password_field(label: StrOrPromise, *, required: bool) -> forms.CharField:
    return ColumnTextField(
        label=label,
        required=required,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "new-password", "spellcheck": "false"}
        ),
    )


def _name_only_spaces(name: str) -> str:
    if not name.strip():
        raise forms.ValidationError(
            gettext("A name of only spaces cannot be seen or looked up; type one.")
        )
    return name


class CredentialForm(EditsColumns, forms.Form):
    """Create (with a name) or edit (name fixed). On edit, empty passwords keep the stored token."""

    name = ColumnTextField(label=gettext_lazy("Name"), max_length=100, help_text=NAME_HELP)
    username = ColumnTextField(label=gettext_lazy("Username"), max_length=250)
    password = _password_field(gettext_lazy("Password"), required=True)
    password_again = _password_field(gettext_lazy("Password again"), required=True)
    loaded = LoadedField(salt="vault.credential.loaded")
    edited = ("username",)

    def __init__(self, *args, editing: Credential | None = None, **kwargs):
        if editing is not None:
            kwargs["initial"] = self.loaded_initial(editing)
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing is not None:
            del self.fields["name"]
            for name in ("password", "password_again"):
                self.fields[name].required = False
            self.fields["password"].label = gettext("New password")
            self.fields["password_again"].label = gettext("New password again")
            help_text = gettext(
                "Leave both empty to keep the current password. At most %(bytes)d bytes "
                "(UTF-8); spaces are kept."
            )
        else:
            del self.fields["loaded"]
            help_text = gettext("At most %(bytes)d bytes (UTF-8); spaces are kept.")
        self.fields["password"].help_text = help_text % {"bytes": MAX_PASSWORD_BYTES}

    def clean_name(self) -> str:
        name = _name_only_spaces(self.cleaned_data["name"])
        if Credential.objects.filter(pk=name).exists():
            raise forms.ValidationError(gettext("A credential with that name already exists."))
        return name

    @sensitive_variables("password", "again")
    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        size = len(password.encode())
        if size > MAX_PASSWORD_BYTES:
            raise forms.ValidationError(
                gettext(
                    "At most %(max)d bytes (UTF-8) fit the 1000-character column once encrypted; "
                    "this password is %(size)d bytes."
                )
                % {"max": MAX_PASSWORD_BYTES, "size": size}
            )
        return password

    @sensitive_variables("password", "again", "cleaned")
    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean() returns (typed as optional)
        password, again = cleaned.get("password"), cleaned.get("password_again")
        if password is not None and again is not None and password != again:
            self.add_error("password_again", gettext("The two passwords differ."))
        username = self.changed("username")
        if username is not None and not username.strip():
            self.add_error(
                "username", gettext("A username of only spaces is surely a slip; type one.")
            )
        return cleaned

    @property
    def new_password(self) -> str | None:
        """The password to store, or None to keep the current one (editing with empty fields)."""
        password = self.cleaned_data.get("password")
        return password or None


class RevealForm(forms.Form):
    key = forms.CharField(
        label=gettext_lazy("Encryption key"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=gettext_lazy(
            "The installation's OpenOrchestratorKey. It is checked, never stored."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        min_length=3,
        help_text=gettext_lazy("Why you need this password (recorded in the audit trail)."),
    )

    def __init__(
        self, *args, key_remembered: bool = False, prefill_key: str | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if key_remembered:
            del self.fields["key"]
        elif prefill_key:
            # Only the public demo key (demo.key.key_to_show) is ever written into the page.
            self.fields["key"].initial = prefill_key
            self.fields["key"].widget.render_value = True

    @sensitive_variables("key", "reason")
    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"]
        key = settings.OPENORCHESTRATOR_KEY
        if key and key in reason:
            # The reason goes into the audit trail and is shown again with the errors: the key
            # must be in neither.
            data = cast("QueryDict", self.data).copy()  # request.POST, typed as a Mapping
            data["reason"] = ""
            self.data = data
            raise forms.ValidationError(gettext("The reason must not contain the key."))
        return reason


class ConstantForm(EditsColumns, forms.Form):
    name = ColumnTextField(label=gettext_lazy("Name"), max_length=100, help_text=NAME_HELP)
    value = ColumnTextField(
        label=gettext_lazy("Value"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=gettext_lazy("At most 1000 characters, kept exactly as typed (spaces included)."),
    )
    loaded = LoadedField(salt="vault.constant.loaded")
    edited = ("value",)

    def __init__(self, *args, editing: Constant | None = None, **kwargs):
        if editing is not None:
            kwargs["initial"] = self.loaded_initial(editing)
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing is not None:
            del self.fields["name"]
        else:
            del self.fields["loaded"]

    def clean_name(self) -> str:
        name = _name_only_spaces(self.cleaned_data["name"])
        if Constant.objects.filter(pk=name).exists():
            raise forms.ValidationError(gettext("A constant with that name already exists."))
        return name

    def clean_value(self) -> str:
        return typed_text(self.cleaned_data["value"], self.initial.get("value"))


class ConfirmForm(forms.Form):
    """A POST with nothing but the CSRF token: the confirmation of a delete."""
