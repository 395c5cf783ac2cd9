"""OpenOrchestrator's Logs table."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from orchestrator_site.display import datetime_text, status_label
from orchestrator_site.fields import OODateTimeField, OOUUIDField
from orchestrator_site.models import OrchestratorModel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class LogLevel(models.TextChoices):
    TRACE = "TRACE", _("Trace")
    INFO = "INFO", _("Info")
    ERROR = "ERROR", _("Error")


_LEVEL_LABELS: dict[str, StrOrPromise] = dict(LogLevel.choices)


class Log(OrchestratorModel):
    """One log line. `job_id` has no foreign key in OpenOrchestrator: orphans are possible."""

    id = OOUUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    log_time = OODateTimeField(_("log time"))
    log_level = models.CharField(_("log level"), max_length=5, choices=LogLevel.choices)
    process_name = models.CharField(_("process name"), max_length=100)
    job_id = OOUUIDField(_("job id"), null=True, blank=True)
    log_message = models.CharField(_("log message"), max_length=8000)

    class Meta:
        managed = False
        db_table = "Logs"
        ordering = ["-log_time"]

    def __str__(self) -> str:
        return f"{datetime_text(self.log_time)} {status_label(self.log_level)} {self.process_name}"

    def get_log_level_display(self) -> StrOrPromise:
        """The level's label, as Django's would give it; Django's rebuilds a dictionary of the
        choices on every call, and a log page asks twice per row."""
        return _LEVEL_LABELS.get(self.log_level, self.log_level)

    @property
    def first_line(self) -> str:
        return self.log_message.split("\n", 1)[0]


class LogSignature(models.Model):
    """The signature (orchestrator_site.signatures) of an ERROR line, kept by the console
    (logs.groups), never in OpenOrchestrator's table. Log lines do not change; a deleted one
    leaves its signature behind, which the groups ignore (they count the lines that exist)."""

    log_id = models.UUIDField(primary_key=True)
    process_name = models.CharField(max_length=100)
    log_time = models.DateTimeField()
    key = models.CharField(max_length=16)
    signature = models.CharField(max_length=300)
    rules_version = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["log_time"], name="logs_sig_log_time"),
            models.Index(fields=["key", "log_time"], name="logs_sig_key_log_time"),
        ]

    def __str__(self) -> str:
        return f"{self.log_id}: {self.key}"
