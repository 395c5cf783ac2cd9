"""Deleting logs: the only writes the console makes to OpenOrchestrator's Logs table.

Every function is keyword-only, takes the acting user (None for the system), deletes in batches
(each batch one statement in its own short transaction, so a robot writing a log line waits for one
batch, never for the whole deletion: OpenOrchestrator's robots give up after 5 s on SQLite), runs
in `orchestrator_site.writes.write` (one audit row, also when it fails half-way) and returns its
`WriteResult`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext, ngettext

from logs.models import Log
from logs.queries import mark_overview_changed
from orchestrator_site.audit import AuditOutcome
from orchestrator_site.display import datetime_text
from orchestrator_site.writes import ORCHESTRATOR, WriteResult, write

Progress = Callable[[int], None]

# Rows per batch: about 0.1 s of deleting on SQLite with 1M logs, far below a robot's 5 s wait.
DELETE_BATCH_ROWS = 5_000
# Explicit ids go into the statement as parameters; SQL Server takes at most 2,100.
IDS_PER_STATEMENT = 2_000


# The retention choices offered on a process's delete page (`purge_logs` takes any number of days).
RETENTION_DAYS = (7, 30, 90)


def retention_cutoff(
    *, now: dt.datetime, days: int | None = None, before: dt.date | None = None
) -> dt.datetime:
    """The exclusive upper bound of log_time that keeps the last `days` days before `now`, or
    everything from the start (00:00) of the date `before` on."""
    if before is not None:
        return dt.datetime.combine(before, dt.time())
    if days is None:
        raise ValueError("retention_cutoff needs days or before")
    return now - dt.timedelta(days=days)


def retention_text(cutoff: dt.datetime, *, days: int | None = None) -> str:
    """The choice in words: "older than 30 days (written before 29-10-2026 10:30:15)" or
    "written before 01-10-2026 00:00:00"."""
    moment = datetime_text(cutoff)
    if days is None:
        return gettext("written before %(moment)s") % {"moment": moment}
    return ngettext(
        "older than %(days)d day (written before %(moment)s)",
        "older than %(days)d days (written before %(moment)s)",
        days,
    ) % {"days": days, "moment": moment}


def _deleted_message(asked: int, deleted: int) -> str:
    if deleted == asked:
        return ngettext("Deleted %(count)s log.", "Deleted %(count)s logs.", deleted) % {
            "count": f"{deleted:,}"
        }
    gone = asked - deleted
    return ngettext(
        "Deleted %(count)s of %(asked)s logs; %(gone)s was already gone.",
        "Deleted %(count)s of %(asked)s logs; %(gone)s were already gone.",
        gone,
    ) % {"count": f"{deleted:,}", "asked": f"{asked:,}", "gone": f"{gone:,}"}


def _delete_in_batches(
    queryset: QuerySet,
    *,
    limit: int | None = None,
    batch_size: int = DELETE_BATCH_ROWS,
    progress: Progress | None = None,
) -> int:
    """Delete the rows of `queryset` (at most `limit`), `batch_size` at a time, each batch in its own
    transaction (on SQLite BEGIN IMMEDIATE: the write lock is taken before anything is read).

    Each batch reads its keys first and deletes by primary key. A single `DELETE ... WHERE id IN
    (SELECT ... LIMIT n)` lets a planner with stale statistics (a Logs table it believes empty) pick a
    nested loop that compares every row with every key: seconds per batch on PostgreSQL.
    """
    keys = queryset.order_by().values_list("pk", flat=True)
    deleted = 0
    while limit is None or deleted < limit:
        take = batch_size if limit is None else min(batch_size, limit - deleted)
        with transaction.atomic(using=ORCHESTRATOR):
            batch = list(keys[:take])
            for start in range(0, len(batch), IDS_PER_STATEMENT):
                chunk = batch[start : start + IDS_PER_STATEMENT]
                deleted += Log.objects.filter(pk__in=chunk).delete()[0]
        if progress:
            progress(deleted)
        if len(batch) < take:
            break
    return deleted


def _delete_ids(ids: list, *, progress: Progress) -> int:
    deleted = 0
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        chunk = ids[start : start + IDS_PER_STATEMENT]
        with transaction.atomic(using=ORCHESTRATOR):
            deleted += Log.objects.filter(pk__in=chunk).delete()[0]
        progress(deleted)
    return deleted


def _audited(
    user, action: str, *, asked: int, run: Callable[[Progress], int], **fields
) -> WriteResult:
    """Run the batches (each its own transaction) in one audited write, counting as they go."""
    with write(action, user=user, target_type="log", using=(), **fields) as w:
        w.result.asked = asked

        def track(n: int) -> None:
            w.result.changed = n

        try:
            w.result.changed = run(track)
        finally:
            if w.result.changed:
                mark_overview_changed()
        done = w.result.changed
        w.result.message = _deleted_message(asked, done)
        w.result.outcome = AuditOutcome.OK if done == asked else AuditOutcome.PARTIAL
        w.detail = f"asked {asked}, deleted {done}"
    return w.result


def delete_logs(*, user, ids: Iterable, reason: str = "") -> WriteResult:
    """Delete the log lines with these ids. Ids that no longer exist are counted as already gone."""
    ids = list(dict.fromkeys(ids))
    return _audited(
        user,
        "logs.delete_selected",
        asked=len(ids),
        run=lambda track: _delete_ids(ids, progress=track),
        targets=ids,
        reason=reason,
    )


def delete_matching_logs(
    *, user, queryset: QuerySet, filter_used: str, expected: int, limit: int
) -> WriteResult:
    """Delete the logs a filter matches, at most `limit` (the rest stays for another round).

    `queryset` must already carry the upper time bound shown in the preview, so that lines written
    after the preview are not deleted unseen. `expected` is what the preview showed (capped).
    """
    return _audited(
        user,
        "logs.delete_matching",
        asked=expected,
        run=lambda track: _delete_in_batches(queryset, limit=limit, progress=track),
        filter_used=filter_used,
    )


def purge_logs(
    *,
    user,
    older_than: dt.datetime,
    process_name: str | None = None,
    commit: bool = False,
    batch_size: int = DELETE_BATCH_ROWS,
    progress: Progress | None = None,
) -> WriteResult:
    """Retention: logs with log_time before `older_than` (of one process, or all). Without `commit`
    only counts them into `asked` (dry run, not audited: nothing changes)."""
    queryset = Log.objects.filter(log_time__lt=older_than)
    if process_name is not None:
        queryset = queryset.filter(process_name=process_name)
    if not commit:
        return WriteResult(asked=queryset.count())
    asked = queryset.count()

    def run(track: Progress) -> int:
        def both(n: int) -> None:
            track(n)
            if progress:
                progress(n)

        return _delete_in_batches(queryset, batch_size=batch_size, progress=both)

    return _audited(
        user,
        "logs.purge",
        asked=asked,
        run=run,
        filter_used=f"log_time < {older_than:%Y-%m-%d %H:%M:%S}"
        + (f", process_name = {process_name}" if process_name is not None else ""),
    )
