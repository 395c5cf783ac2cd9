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


# Bounds of the batch look-up: RUNNING jobs are few unless Schedulers died mid-run for years.
_MAX_RUNNING_JOBS = 2000
_MAX_SCHEDULERS = 1000


def _probable_job(trigger: Trigger, running: list[Job]) -> Job | None:
    """Of its process's RUNNING jobs (newest first): the first started at/after last_run, else the newest."""
    if trigger.last_run is not None:
        since = trigger.last_run - _JOB_START_SLACK
        near = [job for job in running if job.start_time >= since]
        if near:
            return near[-1]
    return running[0] if running else None


def owners(triggers: list[Trigger], now: datetime.datetime) -> dict:
    """owner() of many triggers, in two queries whatever their number (the dashboard, lists)."""
    names = {trigger.process_name for trigger in triggers}
    running: dict[str, list[Job]] = {}
    if names:
        jobs = Job.objects.filter(status=JobStatus.RUNNING, process_name__in=names).order_by(
            "-start_time"
        )[:_MAX_RUNNING_JOBS]
        for job in jobs:
            running.setdefault(job.process_name, []).append(job)
    schedulers = list(Scheduler.objects.order_by("-latest_trigger_time")[:_MAX_SCHEDULERS])
    by_machine = {scheduler.machine_name: scheduler for scheduler in schedulers}
    result = {}
    for trigger in triggers:
        job = _probable_job(trigger, running.get(trigger.process_name, []))
        if job is not None:
            machine = job.scheduler_name
            scheduler = by_machine.get(machine)
        else:
            scheduler = next(
                (s for s in schedulers if s.latest_trigger == trigger.trigger_name), None
            )
            machine = scheduler.machine_name if scheduler else None
        if scheduler is None:
            result[trigger.pk] = Owner(job, machine, None, SchedulerState.OFFLINE, None)
        else:
            result[trigger.pk] = Owner(
                job, machine, scheduler, scheduler.state(now), scheduler.age_seconds(now)
            )
    return result


def owner(trigger: Trigger, now: datetime.datetime) -> Owner:
    """The Scheduler that probably runs `trigger` and how alive it looks."""
    return owners([trigger], now)[trigger.pk]


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
