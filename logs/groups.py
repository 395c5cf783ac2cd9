"""ERROR log lines grouped by the signature of their message (orchestrator_site.signatures).

The signatures are kept in LogSignature (orchestrator_site.groupstore); the groups count the ERROR
lines that exist now (a deleted line drops out) and are served from a snapshot
(orchestrator_site.snapshots) recounted at most every CONSOLE_OVERVIEW_CACHE_SECONDS and after the
console deletes logs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from logs.models import Log, LogLevel, LogSignature
from logs.queries import GROUPS_CACHE_KEY
from orchestrator_site import clock, groupstore, snapshots
from orchestrator_site.grouping import Occurrences


def _errors() -> QuerySet[Log]:
    return Log.objects.filter(log_level=LogLevel.ERROR)


def _newer(start: dt.datetime, limit: int) -> list[groupstore.Row]:
    rows = (
        _errors()
        .filter(log_time__gte=start)
        .order_by("log_time", "id")
        .values_list("id", "process_name", "log_time")[:limit]
    )
    return list(rows)


def _current(horizon: dt.datetime) -> list[groupstore.Row]:
    return list(
        _errors()
        .filter(log_time__gte=horizon)
        .order_by()
        .values_list("id", "process_name", "log_time")
    )


def _messages(ids: Sequence[Any]) -> dict[Any, str | None]:
    return dict(Log.objects.filter(id__in=list(ids)).values_list("id", "log_message"))


SOURCE = groupstore.Source(
    model=LogSignature,
    id_field="log_id",
    scope_field="process_name",
    time_field="log_time",
    newer=_newer,
    current=_current,
    messages=_messages,
)


def count_groups() -> Occurrences:
    """The snapshot's value: the ERROR lines of the horizon with their keys."""
    return groupstore.collect(SOURCE, clock.now())


def groups_snapshot() -> snapshots.Snapshot:
    return snapshots.get(
        GROUPS_CACHE_KEY, count_groups, max_age=settings.CONSOLE_GROUPS_CACHE_SECONDS
    )


def narrow_to_group(
    queryset: QuerySet[Log], key: str, since: dt.datetime, until: dt.datetime
) -> QuerySet[Log]:
    """`queryset` narrowed to the lines logged in [since, until] whose signature is `key` (at most
    groupstore.GROUP_IDS_MAX, the newest). For the cross-process search's `group` parameter."""
    ids = groupstore.group_ids(SOURCE, key, since, until)
    return queryset.filter(id__in=ids)
