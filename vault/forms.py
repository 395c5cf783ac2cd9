"""Forms of the vault. Passwords and values are never trimmed; passwords are never rendered back."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from orchestrator_site.crypto import MAX_PASSWORD_BYTES
from vault.models import Constant, Credential

NAME_HELP = "Robots look it up by this exact name; it cannot be changed later."


def _password_field(label: str, *, required: bool) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        strip=False,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "new-password", "spellcheck": "false"}
        ),
    )


class CredentialForm(forms.Form):
    """Create (with a name) or edit (name fixed). On edit, empty passwords keep the stored token."""

    name = forms.CharField(label="Name", max_length=100, help_text=NAME_HELP)
    username = forms.CharField(label="Username", max_length=250, strip=False)
    password = _password_field("Password", required=True)
    password_again = _password_field("Password again", required=True)

    def __init__(self, *args, editing: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing is not None:
            del self.fields["name"]
            for name in ("password", "password_again"):
                self.fields[name].required = False
            self.fields["password"].label = "New password"
            self.fields["password"].help_text = "Leave both empty to keep the current password."
            self.fields["password_again"].label = "New password again"
        self.fields["password"].help_text = (
            self.fields["password"].help_text + f" At most {MAX_PASSWORD_BYTES} bytes (UTF-8); "
            "spaces are kept."
        ).strip()

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if Credential.objects.filter(pk=name).exists():
            raise forms.ValidationError("A credential with that name already exists.")
        return name

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if not username.strip():
            raise forms.ValidationError("Enter a username.")
        return username

    @sensitive_variables("password", "again")
    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        size = len(password.encode())
        if size > MAX_PASSWORD_BYTES:
            raise forms.ValidationError(
                f"At most {MAX_PASSWORD_BYTES} bytes (UTF-8) fit the 1000-character column once "
                f"encrypted; this password is {size} bytes."
            )
        return password

    @sensitive_variables("password", "again", "cleaned")
    def clean(self):
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password_again")
        if password is not None and again is not None and password != again:
            self.add_error("password_again", "The two passwords differ.")
        return cleaned

    @property
    def new_password(self) -> str | None:
        """The password to store, or None to keep the current one (editing with empty fields)."""
        password = self.cleaned_data.get("password")
        return password or None


class RevealForm(forms.Form):
    key = forms.CharField(
        label="Encryption key",
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}
        ),
        help_text="The installation's OpenOrchestratorKey. It is checked, never stored.",
    )
    reason = forms.CharField(
        label="Reason",
        max_length=200,
        min_length=3,
        help_text="Why you need this password (recorded in the audit trail).",
    )

    def __init__(self, *args, key_remembered: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if key_remembered:
            del self.fields["key"]

    @sensitive_variables("key", "reason")
    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"]
        key = settings.OPENORCHESTRATOR_KEY
        if key and key in reason:
            # The reason goes into the audit trail and is shown again with the errors: the key
            # must be in neither.
            self.data = self.data.copy()
            self.data["reason"] = ""
            raise forms.ValidationError("The reason must not contain the key.")
        return reason


class ConstantForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text=NAME_HELP)
    value = forms.CharField(
        label="Value",
        max_length=1000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="At most 1000 characters, kept exactly as typed (spaces included).",
    )

    def __init__(self, *args, editing: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing is not None:
            del self.fields["name"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if Constant.objects.filter(pk=name).exists():
            raise forms.ValidationError("A constant with that name already exists.")
        return name


class ConfirmForm(forms.Form):
    """A POST with nothing but the CSRF token: the confirmation of a delete."""
