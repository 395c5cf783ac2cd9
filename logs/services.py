"""Deleting logs: the only writes the console makes to OpenOrchestrator's Logs table.

Every function is keyword-only, takes the acting user (None for the system), deletes in batches
(each batch one statement in its own short transaction, so a robot writing a log line waits for one
batch, never for the whole deletion: OpenOrchestrator's robots give up after 5 s on SQLite) and
writes one audit row, also when it fails half-way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from logs.models import Log
from logs.queries import mark_overview_changed
from orchestrator_site import audit
from orchestrator_site.audit import AuditOutcome as Outcome

Progress = Callable[[int], None]

# Rows per batch: about 0.1 s of deleting on SQLite with 1M logs, far below a robot's 5 s wait.
DELETE_BATCH_ROWS = 5_000
# Explicit ids go into the statement as parameters; SQL Server takes at most 2,100.
IDS_PER_STATEMENT = 2_000


@dataclass(frozen=True)
class DeleteResult:
    asked: int
    deleted: int

    @property
    def message(self) -> str:
        if self.deleted == self.asked:
            return f"Deleted {self.deleted:,} log{'s' if self.deleted != 1 else ''}."
        gone = self.asked - self.deleted
        return (
            f"Deleted {self.deleted:,} of {self.asked:,} logs; "
            f"{gone:,} {'was' if gone == 1 else 'were'} already gone."
        )


def _delete_in_batches(
    queryset: QuerySet,
    *,
    limit: int | None = None,
    batch_size: int = DELETE_BATCH_ROWS,
    progress: Progress | None = None,
) -> int:
    """Delete the rows of `queryset` (at most `limit`), `batch_size` at a time, each batch one
    `DELETE ... WHERE id IN (SELECT id ... LIMIT n)` in its own transaction (on SQLite BEGIN
    IMMEDIATE: the write lock is taken before anything is read)."""
    alias = queryset.db
    keys = queryset.order_by().values("pk")
    deleted = 0
    while limit is None or deleted < limit:
        take = batch_size if limit is None else min(batch_size, limit - deleted)
        with transaction.atomic(using=alias):
            done = Log.objects.using(alias).filter(pk__in=keys[:take]).delete()[0]
        deleted += done
        if progress:
            progress(deleted)
        if done < take:
            break
    return deleted


def _delete_ids(ids: list, *, progress: Progress) -> int:
    deleted = 0
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        chunk = ids[start : start + IDS_PER_STATEMENT]
        with transaction.atomic(using=Log.objects.db):
            deleted += Log.objects.filter(pk__in=chunk).delete()[0]
        progress(deleted)
    return deleted


def _audited(user, action: str, *, asked: int, run: Callable[[Progress], int], **fields) -> int:
    done = 0

    def track(n: int) -> None:
        nonlocal done
        done = n

    try:
        done = run(track)
    except Exception as exc:
        audit.record(
            user=user,
            action=action,
            target_type="log",
            count=done,
            outcome=Outcome.PARTIAL if done else Outcome.FAILED,
            detail=f"Stopped after {done} of {asked}: {type(exc).__name__}",
            **fields,
        )
        raise
    finally:
        if done:
            mark_overview_changed()
    audit.record(
        user=user,
        action=action,
        target_type="log",
        count=done,
        outcome=Outcome.OK if done == asked else Outcome.PARTIAL,
        detail=f"asked {asked}, deleted {done}",
        **fields,
    )
    return done


def delete_logs(*, user, ids: Iterable, reason: str = "") -> DeleteResult:
    """Delete the log lines with these ids. Ids that no longer exist are counted as already gone."""
    ids = list(dict.fromkeys(ids))
    deleted = _audited(
        user,
        "logs.delete_selected",
        asked=len(ids),
        run=lambda track: _delete_ids(ids, progress=track),
        targets=ids,
        reason=reason,
    )
    return DeleteResult(asked=len(ids), deleted=deleted)


def delete_matching_logs(
    *, user, queryset: QuerySet, filter_used: str, expected: int, limit: int
) -> DeleteResult:
    """Delete the logs a filter matches, at most `limit` (the rest stays for another round).

    `queryset` must already carry the upper time bound shown in the preview, so that lines written
    after the preview are not deleted unseen. `expected` is what the preview showed (capped).
    """
    deleted = _audited(
        user,
        "logs.delete_matching",
        asked=expected,
        run=lambda track: _delete_in_batches(queryset, limit=limit, progress=track),
        filter_used=filter_used,
    )
    return DeleteResult(asked=expected, deleted=deleted)


def purge_logs(
    *,
    user,
    older_than: dt.datetime,
    process_name: str | None = None,
    commit: bool = False,
    batch_size: int = DELETE_BATCH_ROWS,
    progress: Progress | None = None,
) -> int:
    """Retention: logs with log_time before `older_than` (of one process, or all). Without `commit`
    only counts them (dry run, not audited: nothing changes)."""
    queryset = Log.objects.filter(log_time__lt=older_than)
    if process_name is not None:
        queryset = queryset.filter(process_name=process_name)
    if not commit:
        return queryset.count()
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
