"""Read-side queries of the jobs pages (triggers.job_views).

Indexes they expect on OpenOrchestrator's Jobs table (OpenOrchestrator itself creates none besides
the primary key; orchestrator_site/indexes.py has the DDL per backend): Jobs (start_time) for the
list, Jobs (process_name, start_time) for one process's jobs and triggers.matching.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import connections, router

from logs.models import Log
from logs.queries import newest_errors_sql
from orchestrator_site import clock, indexes
from triggers import matching
from triggers.models import Job, JobStatus, Scheduler, SchedulerState, Trigger


def scheduler_states(names) -> dict[str, str]:
    """State of each named Scheduler; a name without a row (never pinged) is offline."""
    now = clock.now()
    found = {
        s.machine_name: s.state(now) for s in Scheduler.objects.filter(machine_name__in=set(names))
    }
    return {name: found.get(name, SchedulerState.OFFLINE) for name in names}


def is_stale(job: Job, states: dict[str, str]) -> bool:
    """A RUNNING job whose Scheduler is no longer online: nobody supervises it any more."""
    return (
        job.status == JobStatus.RUNNING and states.get(job.scheduler_name) != SchedulerState.ONLINE
    )


LOGS_JOB_INDEX = f"{indexes.PREFIX}logs_job"


def failure_logs(job_ids, *, without_index: bool = False) -> dict[uuid.UUID, Log]:
    """The newest ERROR log of each of these jobs, by job id: why it failed (OpenOrchestrator logs
    the robot's stderr as the failed job's last error). One query for a whole page of jobs, read
    through the index on Logs (job_id); a job without an error log is absent. Without that
    index (orchestrator_indexes) every job is absent, unless `without_index` (the job's own page,
    which reads its logs anyway): for a list, that would be a scan of all of Logs per page.

    The SQL is written here, as triggers.matching writes its job windows: the ORM took 0.9 ms of
    CPU to build and compile the window function it needs (a tenth of the jobs page), the
    database less than half of that to answer it. ROW_NUMBER() OVER and a derived table are
    standard SQL (SQLite 3.25, PostgreSQL, SQL Server); every value is a parameter, prepared by
    the model's own fields; the rows are Log instances with only these four fields read.
    """
    ids = list(set(job_ids))
    if not ids or not (without_index or indexes.present(LOGS_JOB_INDEX)):
        return {}
    db = router.db_for_read(Log)
    found: dict[uuid.UUID, Log] = {}
    for first in range(0, len(ids), JOBS_PER_STATEMENT):
        sql, params = newest_errors_sql(connections[db], ids[first : first + JOBS_PER_STATEMENT])
        found.update((log.job_id, log) for log in Log.objects.db_manager(db).raw(sql, params))
    return found


# Job ids per statement: far below SQL Server's 2,100 parameters (a page shows at most 200 jobs).
JOBS_PER_STATEMENT = 1000


@dataclass(frozen=True)
class TriggerCandidate:
    trigger: Trigger
    seconds_apart: float | None
    probable: bool


def trigger_candidates(job: Job) -> list[TriggerCandidate]:
    """Triggers that may have started `job`: Jobs has no trigger id (OpenOrchestrator 3.0).

    The triggers of its process; the one triggers.matching ties to this job without doubt is
    marked probable. last_run only remembers the latest start, so old jobs have only candidates.
    """
    triggers = list(Trigger.objects.filter(process_name=job.process_name).order_by("trigger_name"))
    started = matching.trigger_of(job, triggers)
    result = [
        TriggerCandidate(
            trigger,
            abs((trigger.last_run - job.start_time).total_seconds()) if trigger.last_run else None,
            started is not None and trigger.pk == started.pk,
        )
        for trigger in triggers
    ]
    return sorted(result, key=lambda c: (not c.probable, c.trigger.trigger_name))
