"""OpenOrchestrator's Credentials and Constants tables, and the console's count of key checks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from orchestrator_site.crypto import token_length
from orchestrator_site.display import datetime_text
from orchestrator_site.fields import OODateTimeField
from orchestrator_site.models import OrchestratorModel

# Fernet pads to 16-byte blocks: token length -> number of whole blocks in the plaintext.
_BLOCKS_BY_TOKEN_LENGTH = {token_length(16 * k): k for k in range(64)}


def token_size_label(length: int | None) -> str:
    """What the stored token's length says about the password, without decrypting it."""
    if not length:
        return gettext("empty")
    blocks = _BLOCKS_BY_TOKEN_LENGTH.get(length)
    if blocks is None:
        return ngettext(
            "%(length)d character (not a Fernet token)",
            "%(length)d characters (not a Fernet token)",
            length,
        ) % {"length": length}
    return gettext("%(length)d characters (%(low)d-%(high)d bytes)") % {
        "length": length,
        "low": 16 * blocks,
        "high": 16 * blocks + 15,
    }


class CredentialQuerySet(models.QuerySet):
    def without_tokens(self):
        """Name, username, changed_at and the token's length: the token itself stays in the DB."""
        return self.only("name", "username", "changed_at").annotate(token_length=Length("password"))


class Credential(OrchestratorModel):
    """`password` is a Fernet token made with OpenOrchestratorKey; never shown, never logged."""

    name = models.CharField(_("name"), max_length=100, primary_key=True)
    username = models.CharField(_("username"), max_length=250)
    password = models.CharField(_("password"), max_length=1000)
    changed_at = OODateTimeField(_("changed at"))

    objects = CredentialQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = "Credentials"
        ordering = ["name"]
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        permissions = [("reveal_credential", "Can reveal credential passwords")]

    def __str__(self) -> str:
        return self.name

    @property
    def token_size(self) -> str:
        """Needs the `token_length` annotation (see `without_tokens`); never loads the token."""
        return token_size_label(getattr(self, "token_length", None))


class Constant(OrchestratorModel):
    name = models.CharField(_("name"), max_length=100, primary_key=True)
    value = models.CharField(_("value"), max_length=1000)
    changed_at = OODateTimeField(_("changed at"))

    class Meta:
        managed = False
        db_table = "Constants"
        ordering = ["name"]
        verbose_name = _("constant")
        verbose_name_plural = _("constants")

    def __str__(self) -> str:
        return self.name


class RevealAttempts(models.Model):
    """Key checks a keeper made in the current lockout window (the console's own database).

    One row per user, changed only by conditional UPDATEs in `vault.guard`, so that counting an
    attempt and checking the limit are one step whatever the number of parallel requests.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    window_start = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "reveal attempts"
        verbose_name_plural = "reveal attempts"

    def __str__(self) -> str:
        return f"{self.attempts} since {datetime_text(self.window_start)}"
