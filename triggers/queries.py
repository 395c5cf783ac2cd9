"""Read-side queries of the jobs pages (triggers.job_views).

Indexes they expect on OpenOrchestrator's Jobs table (OpenOrchestrator itself creates none besides
the primary key; orchestrator_site/indexes.py has the DDL per backend): Jobs (start_time) for the
list, Jobs (process_name, start_time) for one process's jobs and triggers.matching.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from logs.models import Log, LogLevel
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
    which reads its logs anyway): for a list, that would be a scan of all of Logs per page."""
    ids = list(set(job_ids))
    if not ids or not (without_index or indexes.present(LOGS_JOB_INDEX)):
        return {}
    newest_first = Window(RowNumber(), partition_by=[F("job_id")], order_by=F("log_time").desc())
    logs = (
        Log.objects.filter(job_id__in=ids, log_level=LogLevel.ERROR)
        .annotate(newest=newest_first)
        .filter(newest=1)
        .only("id", "job_id", "log_time", "log_message")
    )
    return {log.job_id: log for log in logs}


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
