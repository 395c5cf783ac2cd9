"""Failed elements grouped by the signature of their message (orchestrator_site.signatures).

The groups are those of the elements FAILED now and not acknowledged, as in the failed inbox; the
signatures are kept in ElementSignature (orchestrator_site.groupstore) and the groups pages read a
snapshot (orchestrator_site.snapshots) recounted at most every CONSOLE_OVERVIEW_CACHE_SECONDS and
after every write through the console.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from orchestrator_site import clock, groupstore, snapshots
from orchestrator_site.grouping import HORIZON_DAYS, Occurrences
from queues.models import (
    GROUPS_CACHE_KEY,
    RECENT_GROUPS_CACHE_KEY,
    Acknowledgement,
    ElementSignature,
    QueueElement,
    QueueElementQuerySet,
    QueueStatus,
)


def _failed() -> QueueElementQuerySet:
    return QueueElement.objects.filter(status=QueueStatus.FAILED)


def _newer(start: dt.datetime, limit: int) -> list[groupstore.Row]:
    rows = (
        _failed()
        .filter(end_date__gte=start)
        .order_by("end_date", "id")
        .values_list("id", "queue_name", "end_date")[:limit]
    )
    return list(rows)


def _current(horizon: dt.datetime) -> list[groupstore.Row]:
    """Every FAILED element that failed since `horizon`: by end date, or by created date for the
    few without one (two index ranges, as the dashboard reads them)."""
    dated = _failed().filter(end_date__gte=horizon).values_list("id", "queue_name", "end_date")
    undated = (
        _failed()
        .filter(end_date__isnull=True, created_date__gte=horizon)
        .values_list("id", "queue_name", "created_date")
    )
    return [*dated.order_by(), *undated.order_by()]


def _messages(ids: Sequence[Any]) -> dict[Any, str | None]:
    return dict(QueueElement.objects.filter(id__in=list(ids)).values_list("id", "message"))


SOURCE = groupstore.Source(
    model=ElementSignature,
    id_field="element_id",
    scope_field="queue_name",
    time_field="failed_at",
    newer=_newer,
    current=_current,
    messages=_messages,
)


def count_groups() -> Occurrences:
    """The groups pages' snapshot: the unacknowledged FAILED elements of the last HORIZON_DAYS."""
    now = clock.now()
    return _count(now, now - dt.timedelta(days=HORIZON_DAYS))


def count_recent_groups() -> Occurrences:
    """The dashboard's snapshot: the same, over recent_hours() only. A fraction of the rows of
    count_groups, so the dashboard reads (and recounts) a fraction of the bytes."""
    now = clock.now()
    return _count(now, now - dt.timedelta(hours=recent_hours()))


def recent_hours() -> int:
    """How far back the dashboard's snapshot reaches: its longest window (weekends), one hour on."""
    return max(settings.CONSOLE_DASHBOARD_HOURS, settings.CONSOLE_DASHBOARD_WEEKEND_HOURS) + 1


def _count(now: dt.datetime, horizon: dt.datetime) -> Occurrences:
    """The unacknowledged FAILED elements since `horizon` with their keys."""
    acknowledged = dict(
        Acknowledgement.objects.filter(acknowledged_at__gte=horizon).values_list(
            "element_id", "acknowledged_at"
        )
    )

    # Undated failures carry their created date, and no acknowledgement covers them.
    undated = set(
        _failed()
        .filter(end_date__isnull=True, created_date__gte=horizon)
        .values_list("id", flat=True)
    )

    def is_acknowledged(row: groupstore.Row) -> bool:
        # Acknowledgement.covers: a dated failure no later than the acknowledgement.
        at = acknowledged.get(row[0])
        return at is not None and row[2] <= at and row[0] not in undated

    return groupstore.collect(SOURCE, now, skip=is_acknowledged, horizon=horizon)


def groups_snapshot() -> snapshots.Snapshot:
    return snapshots.get(
        GROUPS_CACHE_KEY, count_groups, max_age=settings.CONSOLE_GROUPS_CACHE_SECONDS
    )


def recent_groups_snapshot() -> snapshots.Snapshot:
    """For windows that start no earlier than recent_hours() ago (its value's `horizon`)."""
    return snapshots.get(RECENT_GROUPS_CACHE_KEY, count_recent_groups)


def group_members(
    key: str, since: dt.datetime | None, until: dt.datetime | None
) -> list[uuid.UUID]:
    """Every element (newest failure first) whose failure in [since, until] (open ends when
    None; signatures reach back HORIZON_DAYS) has the signature `key`: what the failed inbox's
    `group` parameter narrows to, as the groups page counts it."""
    return groupstore.group_ids(SOURCE, key, since, until, limit=None)


def group_text(key: str) -> str | None:
    """The readable signature of group `key`, None for a key no failure has."""
    return groupstore.signature_text(SOURCE, key)


def narrow_to_group(
    queryset: QueueElementQuerySet, key: str, since: dt.datetime, until: dt.datetime
) -> QueueElementQuerySet:
    """`queryset` narrowed to the elements whose failure in [since, until] has the signature
    `key` (at most groupstore.GROUP_IDS_MAX, the newest: one statement's parameters). The failed
    inbox narrows by group_members instead, in batches."""
    ids = groupstore.group_ids(SOURCE, key, since, until)
    return queryset.filter(id__in=ids)
