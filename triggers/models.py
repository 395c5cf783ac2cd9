"""OpenOrchestrator's Triggers (with their three child tables), Jobs and Schedulers."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from orchestrator_site.display import datetime_text
from orchestrator_site.fields import OODateTimeField, OOUUIDField, WhitelistField
from orchestrator_site.models import OrchestratorModel
from orchestrator_site.reversing import id_url

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class TriggerStatus(models.TextChoices):
    IDLE = "IDLE", _("Idle")
    RUNNING = "RUNNING", _("Running")
    FAILED = "FAILED", _("Failed")
    DONE = "DONE", _("Done")
    PAUSED = "PAUSED", _("Paused")
    PAUSING = "PAUSING", _("Pausing")
    KILLING = "KILLING", _("Killing")
    KILLED = "KILLED", _("Killed")


class TriggerType(models.TextChoices):
    SINGLE = "SINGLE", _("Single")
    SCHEDULED = "SCHEDULED", _("Scheduled")
    QUEUE = "QUEUE", _("Queue")


class JobStatus(models.TextChoices):
    RUNNING = "RUNNING", _("Running")
    DONE = "DONE", _("Done")
    FAILED = "FAILED", _("Failed")
    KILLED = "KILLED", _("Killed")


# Statuses in which a process is (or may still be) running: never delete, resume or run now.
ACTIVE_STATUSES = (TriggerStatus.RUNNING, TriggerStatus.PAUSING, TriggerStatus.KILLING)
# Statuses a user may turn back into IDLE (Resume / Enable).
RESUMABLE_STATUSES = (
    TriggerStatus.PAUSED,
    TriggerStatus.FAILED,
    TriggerStatus.DONE,
    TriggerStatus.KILLED,
)


class TriggerQuerySet(models.QuerySet):
    def with_children(self) -> TriggerQuerySet:
        """Parent and child in one query (three LEFT JOINs), plus `next_run_at` for sorting."""
        return self.select_related("single", "scheduled", "queue").annotate(
            next_run_at=Coalesce("single__next_run", "scheduled__next_run")
        )


_TRIGGER_STATUS_LABELS: dict[str, StrOrPromise] = dict(TriggerStatus.choices)
_TRIGGER_TYPE_LABELS: dict[str, StrOrPromise] = dict(TriggerType.choices)


class Trigger(OrchestratorModel):
    """The parent row of every trigger; exactly one child row exists, in the table `type` names."""

    id = OOUUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trigger_name = models.CharField(_("trigger name"), max_length=100)
    process_name = models.CharField(_("process name"), max_length=100)
    last_run = OODateTimeField(_("last run"), null=True, blank=True)
    process_path = models.CharField(_("process path"), max_length=250)
    process_args = models.CharField(
        _("arguments"), max_length=1000, null=True, blank=True, default=""
    )
    process_status = models.CharField(
        _("status"), max_length=7, choices=TriggerStatus.choices, default=TriggerStatus.IDLE
    )
    is_git_repo = models.BooleanField(_("git repository"), default=False)
    git_branch = models.CharField(
        _("git branch"), max_length=100, null=True, blank=True, default=""
    )
    is_blocking = models.BooleanField(_("blocking"), default=True)
    scheduler_whitelist = WhitelistField(_("Scheduler whitelist"))
    priority = models.IntegerField(_("priority"), default=0)
    type = models.CharField(
        pgettext_lazy("trigger", "type"), max_length=9, choices=TriggerType.choices, editable=False
    )

    objects = TriggerQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = "Triggers"
        ordering = ["trigger_name"]
        verbose_name = _("trigger")
        verbose_name_plural = _("triggers")
        permissions = [("operate_trigger", "Can pause, resume, run now, kill and reset triggers")]

    def __str__(self) -> str:
        return self.trigger_name

    def get_process_status_display(self) -> str:  # type: ignore[no-redef]  # Django-stubs declares it
        """The status's label, as Django's would give it; Django's rebuilds a dictionary of the
        choices, translating every label, on each call (the dashboard's trigger panel: a tenth of
        its server CPU)."""
        return str(_TRIGGER_STATUS_LABELS.get(self.process_status, self.process_status))

    def get_type_display(self) -> str:  # type: ignore[no-redef]
        return str(_TRIGGER_TYPE_LABELS.get(self.type, self.type))

    def get_absolute_url(self) -> str:
        return id_url("triggers:detail", self.pk)

    @property
    def child(self):
        """The child row for this trigger's type (one query unless select_related)."""
        related: dict[str, str] = {
            TriggerType.SINGLE: "single",
            TriggerType.SCHEDULED: "scheduled",
            TriggerType.QUEUE: "queue",
        }
        return getattr(self, related[self.type])

    @property
    def next_run(self) -> datetime.datetime | None:
        """The child's next_run (single and scheduled); None for queue triggers."""
        if self.type == TriggerType.QUEUE:
            return None
        return self.child.next_run

    def is_overdue(self, now: datetime.datetime) -> bool:
        """Due now: an IDLE trigger in this state runs at the next Scheduler loop."""
        next_run = self.next_run
        return next_run is not None and next_run <= now

    @property
    def is_active(self) -> bool:
        return self.process_status in ACTIVE_STATUSES

    @property
    def can_resume(self) -> bool:
        return self.process_status in RESUMABLE_STATUSES

    @property
    def can_run_now(self) -> bool:
        return self.type != TriggerType.QUEUE and not self.is_active

    @property
    def can_kill(self) -> bool:
        return self.process_status in (TriggerStatus.RUNNING, TriggerStatus.PAUSING)

    @property
    def can_pause(self) -> bool:
        return self.process_status not in (
            TriggerStatus.PAUSED,
            TriggerStatus.PAUSING,
            TriggerStatus.KILLING,
        )


class SingleTrigger(OrchestratorModel):
    trigger = models.OneToOneField(
        Trigger,
        primary_key=True,
        db_column="id",
        on_delete=models.DO_NOTHING,
        related_name="single",
    )
    next_run = OODateTimeField()

    class Meta:
        managed = False
        db_table = "Single_Triggers"


class ScheduledTrigger(OrchestratorModel):
    trigger = models.OneToOneField(
        Trigger,
        primary_key=True,
        db_column="id",
        on_delete=models.DO_NOTHING,
        related_name="scheduled",
    )
    cron_expr = models.CharField(max_length=200)
    next_run = OODateTimeField()

    class Meta:
        managed = False
        db_table = "Scheduled_Triggers"


class QueueTrigger(OrchestratorModel):
    trigger = models.OneToOneField(
        Trigger,
        primary_key=True,
        db_column="id",
        on_delete=models.DO_NOTHING,
        related_name="queue",
    )
    queue_name = models.CharField(max_length=200)
    min_batch_size = models.IntegerField()

    class Meta:
        managed = False
        db_table = "Queue_Triggers"


_JOB_STATUS_LABELS: dict[str, StrOrPromise] = dict(JobStatus.choices)


class Job(OrchestratorModel):
    """One run of a process, written by the Scheduler. There is no trigger id (see triggers.matching)."""

    id = OOUUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    process_name = models.CharField(_("process name"), max_length=100)
    scheduler_name = models.CharField(_("Scheduler"), max_length=100)
    status = models.CharField(
        _("status"), max_length=7, choices=JobStatus.choices, default=JobStatus.RUNNING
    )
    start_time = OODateTimeField(_("started"))
    end_time = OODateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        managed = False
        db_table = "Jobs"
        ordering = ["-start_time"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def get_status_display(self) -> str:  # type: ignore[no-redef]  # Django-stubs declares it
        """The status's label, as Django's would give it (see Trigger.get_process_status_display)."""
        return str(_JOB_STATUS_LABELS.get(self.status, self.status))

    def __str__(self) -> str:
        return gettext("%(process)s on %(scheduler)s at %(time)s") % {
            "process": self.process_name,
            "scheduler": self.scheduler_name,
            "time": datetime_text(self.start_time),
        }


class SchedulerState(models.TextChoices):
    ONLINE = "online", _("Online")
    STALE = "stale", _("Stale")
    OFFLINE = "offline", _("Offline")


def scheduler_state(last_update: datetime.datetime | None, now: datetime.datetime) -> str:
    """Online if it pinged within CONSOLE_SCHEDULER_ONLINE_SECONDS, stale up to ..._STALE_SECONDS."""
    if last_update is None:
        return SchedulerState.OFFLINE
    age = (now - last_update).total_seconds()
    if age <= settings.CONSOLE_SCHEDULER_ONLINE_SECONDS:
        return SchedulerState.ONLINE
    if age <= settings.CONSOLE_SCHEDULER_STALE_SECONDS:
        return SchedulerState.STALE
    return SchedulerState.OFFLINE


class Scheduler(OrchestratorModel):
    """A Scheduler PC; `last_update` is its last ping, in that PC's local clock."""

    machine_name = models.CharField(_("machine"), max_length=100, primary_key=True)
    last_update = OODateTimeField(_("last ping"))
    latest_trigger = models.CharField(_("latest trigger"), max_length=100, null=True, blank=True)
    latest_trigger_time = OODateTimeField(_("latest trigger started"), null=True, blank=True)

    class Meta:
        managed = False
        db_table = "Schedulers"
        ordering = ["machine_name"]
        verbose_name = _("Scheduler")
        verbose_name_plural = _("Schedulers")

    def __str__(self) -> str:
        return self.machine_name

    def state(self, now: datetime.datetime) -> str:
        return scheduler_state(self.last_update, now)

    def age_seconds(self, now: datetime.datetime) -> int:
        return max(0, int((now - self.last_update).total_seconds()))
