"""OpenOrchestrator's Queues table (one row per element) and the console's acknowledgements."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from orchestrator_site import indexes, snapshots
from orchestrator_site.fields import OODateTimeField, OOUUIDField
from orchestrator_site.models import OrchestratorModel


class QueueStatus(models.TextChoices):
    NEW = "NEW", _("New")
    IN_PROGRESS = "IN_PROGRESS", _("In progress")
    DONE = "DONE", _("Done")
    FAILED = "FAILED", _("Failed")
    ABANDONED = "ABANDONED", _("Abandoned")


# Statuses a retry starts from without an extra question; DONE and (stale) IN_PROGRESS need one.
RETRYABLE = (QueueStatus.FAILED, QueueStatus.ABANDONED)
# Statuses a delete may remove; IN_PROGRESS only when stale and confirmed.
DELETABLE = (QueueStatus.NEW, QueueStatus.DONE, QueueStatus.FAILED, QueueStatus.ABANDONED)


def stale_after() -> dt.timedelta:
    """How long an element may be IN_PROGRESS before it counts as stale (CONSOLE_STALE_ELEMENT_MINUTES)."""
    return dt.timedelta(minutes=settings.CONSOLE_STALE_ELEMENT_MINUTES)


def stale_cutoff(now: dt.datetime) -> dt.datetime:
    """An IN_PROGRESS element that started before this moment counts as stale (abandoned by its robot)."""
    return now - stale_after()


_STATUS_LABELS: dict[str, str | Promise] = dict(QueueStatus.choices)


class QueueElementQuerySet(models.QuerySet):
    def in_queue(self, queue_name: str) -> QueueElementQuerySet:
        return self.filter(queue_name=queue_name)

    def stale_in_progress(self, now: dt.datetime) -> QueueElementQuerySet:
        return self.filter(status=QueueStatus.IN_PROGRESS, start_date__lt=stale_cutoff(now))

    def qualifying(
        self, statuses: tuple[str, ...], *, include_stale: bool, now: dt.datetime
    ) -> QueueElementQuerySet:
        """The rows a conditional write may touch: `statuses`, plus stale IN_PROGRESS when asked."""
        condition = models.Q(status__in=statuses)
        if include_stale:
            condition |= models.Q(status=QueueStatus.IN_PROGRESS, start_date__lt=stale_cutoff(now))
        return self.filter(condition)


class QueueElement(OrchestratorModel):
    id = OOUUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    queue_name = models.CharField(_("queue"), max_length=100)
    status = models.CharField(
        _("status"), max_length=11, choices=QueueStatus.choices, default=QueueStatus.NEW
    )
    data = models.CharField(_("data"), max_length=2000, null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=100, null=True, blank=True)
    created_date = OODateTimeField(_("created"))
    start_date = OODateTimeField(_("started"), null=True, blank=True)
    end_date = OODateTimeField(_("ended"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=1000, null=True, blank=True)
    created_by = models.CharField(_("created by"), max_length=100, null=True, blank=True)

    objects = QueueElementQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = "Queues"
        ordering = ["-created_date"]
        verbose_name = _("queue element")
        verbose_name_plural = _("queue elements")
        permissions = [
            ("retry_queueelement", "Can retry queue elements"),
            ("acknowledge_queueelement", "Can acknowledge failed queue elements"),
        ]

    def __str__(self) -> str:
        return f"{self.queue_name}: {self.reference or self.id}"

    def get_status_display(self) -> str:  # type: ignore[no-redef]  # Django-stubs declares it
        """The status's label, as Django's would give it (without rebuilding a dictionary of the
        choices per call, once per row of a list), in the language of the request."""
        return str(_STATUS_LABELS.get(self.status, self.status))

    @property
    def waiting_time(self) -> dt.timedelta | None:
        """Created until taken by a robot."""
        if self.start_date is None:
            return None
        return self.start_date - self.created_date

    @property
    def duration(self) -> dt.timedelta | None:
        """Taken until finished (DONE/FAILED/ABANDONED)."""
        if self.start_date is None or self.end_date is None:
            return None
        return self.end_date - self.start_date

    def is_stale(self, now: dt.datetime) -> bool:
        return (
            self.status == QueueStatus.IN_PROGRESS
            and self.start_date is not None
            and self.start_date < stale_cutoff(now)
        )

    def pretty_data(self) -> str | None:
        """`data` indented when it is JSON (for display only; never written back)."""
        if self.data is None:
            return None
        try:
            parsed = json.loads(self.data)
        except ValueError:
            return None
        if not isinstance(parsed, dict | list):
            return None
        return json.dumps(parsed, indent=2, ensure_ascii=False)

    def processing_window(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
        """When a robot worked on this element, widened to catch its logs: start-1 min .. end+2 min."""
        if self.start_date is None:
            return None
        end = self.end_date or now
        return self.start_date - dt.timedelta(minutes=1), end + dt.timedelta(minutes=2)


class Acknowledgement(models.Model):
    """A person marked a failed element as handled (OpenOrchestrator has no column for it)."""

    element_id = models.UUIDField(_("element id"), unique=True)
    queue_name = models.CharField(_("queue"), max_length=100, db_index=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        verbose_name=_("acknowledged by (user)"),
    )
    acknowledged_by_name = models.CharField(_("acknowledged by"), max_length=150)
    acknowledged_at = models.DateTimeField(_("acknowledged at"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        ordering = ["-acknowledged_at"]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")

    def __str__(self) -> str:
        return f"{self.element_id} by {self.acknowledged_by_name}"

    def covers(self, element: QueueElement) -> bool:
        """True while the failure it acknowledged is still the element's latest one.

        A retried element that fails again gets a later end_date and shows up in the inbox again.
        The two clocks differ (robot PC vs. console server), so this is only as exact as they agree.
        """
        return element.end_date is not None and element.end_date <= self.acknowledged_at


def acknowledgements_for(elements) -> dict[uuid.UUID, Acknowledgement]:
    """The acknowledgements (one query, default DB) that still cover these elements, by element id."""
    # Only an ended element can be covered (Acknowledgement.covers): a page of new and running
    # elements asks nothing.
    elements = [e for e in elements if e.end_date is not None]
    if not elements:
        return {}
    found = {
        ack.element_id: ack
        for ack in Acknowledgement.objects.filter(
            element_id__in=[e.pk for e in elements]
        ).order_by()
    }
    return {e.pk: found[e.pk] for e in elements if e.pk in found and found[e.pk].covers(e)}


OVERVIEW_CACHE_KEY = "queues:overview"
# The version follows the shape of grouping.Occurrences: a snapshot of an older shape is not read.
GROUPS_CACHE_KEY = "queues:failed-groups:2"  # queues.groups
RECENT_GROUPS_CACHE_KEY = "queues:recent-failed-groups:2"  # queues.groups, for the dashboard
_OVERVIEW_COLUMNS = {
    QueueStatus.NEW: "new",
    QueueStatus.IN_PROGRESS: "in_progress",
    QueueStatus.DONE: "done",
    QueueStatus.FAILED: "failed",
    QueueStatus.ABANDONED: "abandoned",
}


def queue_overview() -> list[dict]:
    """The rows of queue_overview_snapshot()."""
    return queue_overview_snapshot().value


def queue_overview_snapshot() -> snapshots.Snapshot:
    """One row per queue_name with counts per status, total and last activity, and when counted.

    count_queues() reads every row (an index-only scan with the recommended covering index, still
    ~200 ms at 300k elements on SQLite), hence the snapshot shared by every process
    (orchestrator_site.snapshots); writes through queues.services mark it changed.
    """
    return snapshots.get(OVERVIEW_CACHE_KEY, count_queues)


def count_queues() -> list[dict]:
    """One grouped query over the whole table. It reads only columns of the index on (queue_name,
    status, created_date, start_date, end_date), so that index serves it without table rows."""
    grouped = (
        QueueElement.objects.order_by()
        .values("queue_name", "status")
        .annotate(
            n=models.Count("*"),
            created=models.Max("created_date"),
            started=models.Max("start_date"),
            ended=models.Max("end_date"),
        )
    )
    queues: dict[str, dict] = {}
    for group in grouped:
        row = queues.setdefault(
            group["queue_name"],
            {"queue_name": group["queue_name"], **dict.fromkeys(_OVERVIEW_COLUMNS.values(), 0)},
        )
        column = _OVERVIEW_COLUMNS.get(group["status"])
        if column:
            row[column] += group["n"]
        row["total"] = row.get("total", 0) + group["n"]
        moments = [row.get("last_activity")] + [group[k] for k in ("created", "started", "ended")]
        row["last_activity"] = max(m for m in moments if m is not None)
    return sorted(queues.values(), key=lambda r: r["queue_name"])


def mark_overview_changed() -> None:
    """After the console changed elements: every process recounts once, in the background."""
    snapshots.mark_changed(OVERVIEW_CACHE_KEY, GROUPS_CACHE_KEY, RECENT_GROUPS_CACHE_KEY)


# The recommended index on (status, end_date, queue_name) (orchestrator_site/indexes.py): the
# failed inbox and the dashboard's failed panel read FAILED elements by end date through it.
STATUS_END_INDEX = f"{indexes.PREFIX}queues_status_end"


class ElementSignature(models.Model):
    """The signature (orchestrator_site.signatures) of a failed element's message, kept by the
    console (queues.groups), never in OpenOrchestrator's table.

    `failed_at` is the element's end_date (its created_date without one) when it was signed: an
    element retried and failed again has a later one, so a signature whose `failed_at` differs
    from the element's is stale and is computed again.
    """

    element_id = models.UUIDField(primary_key=True)
    queue_name = models.CharField(max_length=100)
    failed_at = models.DateTimeField()
    key = models.CharField(max_length=16)
    signature = models.CharField(max_length=300)
    rules_version = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["failed_at"], name="queues_sig_failed_at"),
            models.Index(fields=["key", "failed_at"], name="queues_sig_key_failed_at"),
        ]

    def __str__(self) -> str:
        return f"{self.element_id}: {self.key}"
