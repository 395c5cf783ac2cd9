"""Read-side queries of the logs pages, each written with its query plan in mind.

Indexes these queries expect on OpenOrchestrator's tables (OpenOrchestrator itself creates none on
Logs besides the primary key; orchestrator_site/indexes.py has the DDL per backend):
  Logs (process_name, log_time)            process pages, around, export, delete by filter
  Logs (process_name, log_level, log_time) the overview (covering: no table rows read)
  Logs (job_id)                            a job's logs (here and on the job page, triggers.job_views)
  Logs (log_time)                          purge_logs without --process, the Log admin unfiltered
The jobs pages' queries are in triggers.queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q

from logs.models import Log, LogLevel
from orchestrator_site import clock, snapshots

OVERVIEW_CACHE_KEY = "logs:overview"
RECENT_ERROR_HOURS = 48
AROUND_MAX_ROWS = 500
JOB_LOGS_SHOWN = 200


@dataclass(frozen=True)
class ProcessSummary:
    process_name: str
    trace: int
    info: int
    error: int
    recent_errors: int
    last_log: dt.datetime | None

    @property
    def total(self) -> int:
        return self.trace + self.info + self.error


def process_overview() -> snapshots.Snapshot:
    """One row per process (ProcessSummary), newest activity first, and when it was counted.

    count_processes() scans the whole table (an index-only scan with the covering index, still
    ~100 ms at a million rows), so a busy page is served from a snapshot shared by every process
    (orchestrator_site.snapshots) instead of rescanning per view.
    """
    return snapshots.get(OVERVIEW_CACHE_KEY, count_processes)


def mark_overview_changed() -> None:
    """After the console deleted logs: every process recounts once, in the background."""
    snapshots.mark_changed(OVERVIEW_CACHE_KEY)


def count_processes() -> list[ProcessSummary]:
    """One GROUP BY over Logs; errors of the last RECENT_ERROR_HOURS counted apart."""
    now = clock.now()
    since = now - dt.timedelta(hours=RECENT_ERROR_HOURS)
    # Counting log_level (not id) keeps every referenced column inside the covering index.
    rows = (
        Log.objects.order_by()
        .values("process_name")
        .annotate(
            trace=Count("log_level", filter=Q(log_level=LogLevel.TRACE)),
            info=Count("log_level", filter=Q(log_level=LogLevel.INFO)),
            error=Count("log_level", filter=Q(log_level=LogLevel.ERROR)),
            recent_errors=Count(
                "log_level", filter=Q(log_level=LogLevel.ERROR, log_time__gte=since)
            ),
            last_log=Max("log_time"),
        )
    )
    return sorted(
        (ProcessSummary(**row) for row in rows),
        key=lambda s: (s.last_log or dt.datetime.min, s.process_name),
        reverse=True,
    )


def around(log: Log, minutes: int):
    """The process's logs within +/- `minutes` of `log`, oldest first, at most AROUND_MAX_ROWS.

    Centred on the line: up to half the rows before it and the rest after it (two index range scans).
    """
    delta = dt.timedelta(minutes=minutes)
    same = Log.objects.filter(process_name=log.process_name)
    half = AROUND_MAX_ROWS // 2
    before = list(
        same.filter(log_time__gte=log.log_time - delta, log_time__lt=log.log_time).order_by(
            "-log_time"
        )[: half + 1]
    )
    after = list(
        same.filter(log_time__gte=log.log_time, log_time__lte=log.log_time + delta).order_by(
            "log_time"
        )[: AROUND_MAX_ROWS - half + 1]
    )
    truncated = len(before) > half or len(after) > AROUND_MAX_ROWS - half
    rows = before[:half][::-1] + after[: AROUND_MAX_ROWS - half]
    return rows, truncated
