"""The console's own records (audit trail, dismissed notices) and the base for OpenOrchestrator's
unmanaged tables."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orchestrator_site.display import datetime_text


class OrchestratorModel(models.Model):
    """Base of every model mapped onto an OpenOrchestrator table (routed to `orchestrator`)."""

    orchestrator_table = True

    class Meta:
        abstract = True
        managed = False


class AlembicVersion(OrchestratorModel):
    version_num = models.CharField(max_length=32, primary_key=True)

    class Meta:
        managed = False
        db_table = "alembic_version"

    def __str__(self) -> str:
        return self.version_num


class AuditEntry(models.Model):
    """One change or privileged read, written by the service that did it, in the same request."""

    class Outcome(models.TextChoices):
        OK = "ok", _("Succeeded")
        PARTIAL = "partial", _("Partly applied")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", pgettext_lazy("outcome", "Failed")

    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(max_length=150, db_index=True)
    action = models.CharField(max_length=60, db_index=True)
    target_type = models.CharField(max_length=40, blank=True)
    target_ids = models.TextField(blank=True, help_text="Ids or names, one per line")
    # A target's id or name may hold a line break (OpenOrchestrator stores any text): rows written
    # since this field came write line breaks and "%" inside one as %0A and %25, so that it stays
    # one target (orchestrator_site.audit.join_ids); older rows hold their ids as they were.
    ids_escaped = models.BooleanField(default=True)
    # JSON text, not a JSONField: the trail's filter searches it with LIKE on every backend, and
    # Django's JSONField on SQLite stores "ø" as an ASCII escape, which no search for "ø" finds.
    target_names = models.TextField(
        blank=True,
        help_text="What the targets were called when written (orchestrator_site.audit.names_json)",
    )
    filter_used = models.TextField(blank=True, help_text="The filter a bulk action applied to")
    count = models.IntegerField(default=0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OK)
    reason = models.CharField(max_length=500, blank=True)
    detail = models.TextField(blank=True)
    changes = models.JSONField(
        default=list, blank=True, help_text="The fields an edit changed, old and new"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{datetime_text(self.at)} {self.username} {self.action}"


class IndexNoticeDismissal(models.Model):
    """Someone dismissed the missing-index notice: kept per person, in every browser and session
    (orchestrator_site.index_notice says when it comes back)."""

    username = models.CharField(max_length=150, primary_key=True)
    missing = models.TextField(help_text="The missing indexes it named, one per line")
    dismissed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("dismissed index notice")

    def __str__(self) -> str:
        return f"{self.username} at {datetime_text(self.dismissed_at)}"
