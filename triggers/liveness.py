"""Who runs a trigger, and whether that Scheduler still looks alive (reference §5.2, §5.6, §5.13).

Jobs carry no trigger id, so the link is a heuristic: the RUNNING job of the trigger's process that
started at (or just after) the trigger's last_run, else the Scheduler whose latest_trigger names it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings

from orchestrator_site.models import AuditEntry
from triggers.models import (
    ACTIVE_STATUSES,
    Job,
    JobStatus,
    Scheduler,
    SchedulerState,
    Trigger,
    TriggerStatus,
)

# Jobs are inserted by the Scheduler right after begin_*_trigger sets last_run.
_JOB_START_SLACK = datetime.timedelta(seconds=5)


@dataclass(frozen=True)
class Owner:
    job: Job | None
    machine_name: str | None
    scheduler: Scheduler | None
    state: str  # SchedulerState value, "offline" when unknown
    age_seconds: int | None


@dataclass(frozen=True)
class Staleness:
    stale: bool
    reason: str


def running_job(trigger: Trigger) -> Job | None:
    """The probable RUNNING job of this trigger (two-column filter on Jobs, newest first)."""
    jobs = Job.objects.filter(process_name=trigger.process_name, status=JobStatus.RUNNING)
    if trigger.last_run is not None:
        near = jobs.filter(start_time__gte=trigger.last_run - _JOB_START_SLACK).order_by(
            "start_time"
        )
        job = near.first()
        if job is not None:
            return job
    return jobs.order_by("-start_time").first()


def owner(trigger: Trigger, now: datetime.datetime) -> Owner:
    """The Scheduler that probably runs `trigger` and how alive it looks."""
    job = running_job(trigger)
    scheduler = None
    if job is not None:
        scheduler = Scheduler.objects.filter(pk=job.scheduler_name).first()
        machine = job.scheduler_name
    else:
        scheduler = (
            Scheduler.objects.filter(latest_trigger=trigger.trigger_name)
            .order_by("-latest_trigger_time")
            .first()
        )
        machine = scheduler.machine_name if scheduler else None
    if scheduler is None:
        return Owner(job, machine, None, SchedulerState.OFFLINE, None)
    return Owner(job, machine, scheduler, scheduler.state(now), scheduler.age_seconds(now))


def last_kill_request(trigger: Trigger) -> datetime.datetime | None:
    """When the console last asked to kill this trigger (NiceGUI's kills leave no trace)."""
    entry = (
        AuditEntry.objects.filter(
            action="trigger.kill", target_ids=str(trigger.pk), outcome=AuditEntry.Outcome.OK
        )
        .order_by("-at")
        .first()
    )
    return entry.at if entry else None


def staleness(trigger: Trigger, now: datetime.datetime, who: Owner | None = None) -> Staleness:
    """May this RUNNING/PAUSING/KILLING trigger be reset? Only when nothing will ever move it."""
    if trigger.process_status not in ACTIVE_STATUSES:
        return Staleness(False, "It is not running, pausing or being killed.")
    who = who or owner(trigger, now)
    online = settings.CONSOLE_SCHEDULER_ONLINE_SECONDS
    if who.machine_name is None:
        return Staleness(True, "No Scheduler is known to run it and no job of its process runs.")
    if who.scheduler is None:
        return Staleness(True, f"Its Scheduler {who.machine_name} no longer pings at all.")
    if who.state != SchedulerState.ONLINE:
        return Staleness(
            True, f"Its Scheduler {who.machine_name} last pinged {who.age_seconds} s ago."
        )
    if trigger.process_status == TriggerStatus.KILLING:
        asked = last_kill_request(trigger)
        since = asked or trigger.last_run
        if since is None or (now - since).total_seconds() > online:
            return Staleness(
                True,
                f"It has been KILLING for more than {online} s while {who.machine_name} is "
                "online: the process probably ended before the kill reached it.",
            )
    return Staleness(
        False, f"Its Scheduler {who.machine_name} is online and will move it at its next loop."
    )
