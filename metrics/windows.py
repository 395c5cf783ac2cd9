"""What /metrics reports beyond the queues overview: the last 24 hours' failures, errors and job
durations, and the small tables (triggers, Schedulers, running jobs), counted together into one
snapshot (orchestrator_site.snapshots) that every server process shares.

A scrape then reads two cache rows and no OpenOrchestrator table, whatever the number of
scrapers; one process recounts in the background when the snapshot is older than
CONSOLE_OVERVIEW_CACHE_SECONDS. Ages (a Scheduler's last ping, a trigger's lateness) are kept as
moments and turned into seconds at the scrape, so they keep growing between recounts.

Each count is one bounded query: the 24 hours are range scans of the recommended indexes on
Queues (status, end_date), Logs (log_level, log_time) and Jobs (start_time); the rest reads
tables of a few hundred rows at most.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import Coalesce

from logs.models import Log, LogLevel
from orchestrator_site import clock, snapshots
from queues.models import QueueElement, QueueStatus
from triggers.models import Job, JobStatus, Scheduler, Trigger, TriggerStatus, TriggerType

# The version follows the shape of Windows: a snapshot of an older shape is not read.
CACHE_KEY = "metrics:windows:1"
WINDOW = dt.timedelta(hours=24)
# Upper bounds of the job duration histogram, in seconds: robots run from seconds to a night. Few,
# since each is one sample per process in every scrape.
DURATION_BUCKETS = (30, 60, 300, 600, 1800, 3600, 7200, 14400)


@dataclass(frozen=True)
class Durations:
    """One process's finished jobs: how many took at most each DURATION_BUCKETS bound and more
    than the one before (the last: more than all of them), and their total seconds."""

    per_bucket: tuple[int, ...]
    total_seconds: float


@dataclass(frozen=True)
class Windows:
    counted_at: dt.datetime  # clock.now() at the count: the 24 hours end here
    failed: dict[str, int]  # queue -> FAILED elements that failed in the 24 hours
    errors: dict[str, int]  # process -> ERROR log lines in the 24 hours
    triggers: dict[tuple[str, str], int]  # (status, type) -> triggers
    # trigger name -> the earliest next run of its IDLE single and scheduled triggers (None when
    # none is IDLE): a name may be shared, and the most overdue one counts.
    next_runs: dict[str, dt.datetime | None]
    pings: dict[str, dt.datetime]  # Scheduler machine -> its last ping
    running: dict[str, int]  # process -> RUNNING jobs
    durations: dict[str, Durations]  # process -> jobs started in the 24 hours that have ended


def windows_snapshot() -> snapshots.Snapshot:
    return snapshots.get(CACHE_KEY, count_windows)


def count_windows() -> Windows:
    now = clock.now()
    since = now - WINDOW
    return Windows(
        counted_at=now,
        failed=_failed(since),
        errors=_grouped(
            Log.objects.filter(log_level=LogLevel.ERROR, log_time__gte=since), "process_name"
        ),
        triggers=_trigger_counts(),
        next_runs=_next_runs(),
        pings=dict(Scheduler.objects.order_by().values_list("machine_name", "last_update")),
        running=_grouped(Job.objects.filter(status=JobStatus.RUNNING), "process_name"),
        durations=_durations(since),
    )


def _grouped(queryset, column: str) -> dict[str, int]:
    rows = queryset.order_by().values(column).annotate(n=Count("*")).values_list(column, "n")
    return dict(rows)


def _failed(since: dt.datetime) -> dict[str, int]:
    """By end date, or by created date for the few without one, as the dashboard counts them:
    two index ranges, not one OR."""
    failed = QueueElement.objects.filter(status=QueueStatus.FAILED)
    counts = Counter(_grouped(failed.filter(end_date__gte=since), "queue_name"))
    counts.update(
        _grouped(failed.filter(end_date__isnull=True, created_date__gte=since), "queue_name")
    )
    return dict(counts)


def _trigger_counts() -> dict[tuple[str, str], int]:
    rows = (
        Trigger.objects.order_by()
        .values("process_status", "type")
        .annotate(n=Count("*"))
        .values_list("process_status", "type", "n")
    )
    return {(status, kind): n for status, kind, n in rows}


def _next_runs() -> dict[str, dt.datetime | None]:
    rows = (
        Trigger.objects.filter(type__in=(TriggerType.SINGLE, TriggerType.SCHEDULED))
        .annotate(next_run_at=Coalesce("single__next_run", "scheduled__next_run"))
        .order_by()
        .values_list("trigger_name", "process_status", "next_run_at")
    )
    earliest: dict[str, dt.datetime | None] = {}
    for name, status, next_run in rows:
        earliest.setdefault(name, None)
        if status == TriggerStatus.IDLE and next_run is not None:
            current = earliest[name]
            earliest[name] = next_run if current is None else min(current, next_run)
    return earliest


def _durations(since: dt.datetime) -> dict[str, Durations]:
    """Jobs that started in the window (the index on Jobs (start_time)) and have ended."""
    rows = (
        Job.objects.filter(start_time__gte=since, end_time__isnull=False)
        .exclude(status=JobStatus.RUNNING)
        .order_by()
        .values_list("process_name", "start_time", "end_time")
    )
    buckets: dict[str, list[int]] = {}
    totals: dict[str, float] = {}
    for process, start, end in rows:
        if end is None:  # excluded by the query; for the type checker
            continue
        seconds = max(0.0, (end - start).total_seconds())
        counts = buckets.setdefault(process, [0] * (len(DURATION_BUCKETS) + 1))
        counts[bisect_left(DURATION_BUCKETS, seconds)] += 1
        totals[process] = totals.get(process, 0.0) + seconds
    return {
        process: Durations(tuple(counts), totals[process]) for process, counts in buckets.items()
    }
