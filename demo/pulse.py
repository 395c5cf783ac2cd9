"""One beat of the demo's live Schedulers: what they would write to the database while `make run`
serves the demo (`manage.py demo_pulse` beats every 30 s).

Each live Scheduler (builder.LIVE_SCHEDULERS) does what one loop of OpenOrchestrator's Scheduler
does (docs/openorchestrator.md#the-scheduler-loop), with pretend robots instead of processes:

* it pings: `Schedulers.last_update = now`, the row created on its first ping;
* it supervises its RUNNING jobs: a trigger set to KILLING is killed (trigger and job KILLED); a
  job that has run its planned few minutes, or a queue job whose queue is empty, ends (job DONE;
  the trigger DONE when single, else IDLE, or PAUSED when pausing); a job still running writes a
  step log, and a queue job takes the oldest NEW element of its queue and finishes it;
* when it has no job left, it starts the first due trigger by OpenOrchestrator's rule (IDLE;
  single and scheduled: next_run has come; queue: enough NEW elements; higher priority first,
  then single, scheduled, queue; a whitelist that names others excludes it), as `begin_*_trigger`,
  `start_job` and `start_trigger_from_machine` write it.

And as robots and people elsewhere would, every other beat or so adds a NEW element to a queue
that a working queue trigger watches, so queue triggers keep firing; about one in ten then fails.
The other Schedulers stay silent, so the demo keeps a stopped Scheduler and the stale job it left.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from cronsim import CronSimError
from django.db import transaction
from django.db.models import Count

from demo.builder import ERRORS, LIVE_SCHEDULERS, QUEUES
from logs.models import Log, LogLevel
from queues.models import QueueElement, QueueStatus
from triggers.cron import next_run
from triggers.models import (
    ACTIVE_STATUSES,
    Job,
    JobStatus,
    QueueTrigger,
    ScheduledTrigger,
    Scheduler,
    Trigger,
    TriggerStatus,
    TriggerType,
)

PRODUCERS = {queue_name: process for process, queue_name in QUEUES}
_TYPE_ORDER = {TriggerType.SINGLE: 0, TriggerType.SCHEDULED: 1, TriggerType.QUEUE: 2}


@dataclass
class Beat:
    """What one beat did: names of the Schedulers that pinged, of the triggers started, of the
    processes whose jobs ended or were killed, and of the queues that got an element."""

    pinged: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    killed: list[str] = field(default_factory=list)
    arrived: list[str] = field(default_factory=list)  # queues that got a new element


def planned_length(job: Job) -> dt.timedelta:
    """How long a pretend robot runs: 3 to 12 minutes, fixed per job by its process and start, so
    that beats with a seeded `rnd` run the same way every time (its id is a random uuid4: a length
    drawn from it made one test run in twenty end every job before the last beat)."""
    key = f"{job.process_name}|{job.start_time.isoformat()}".encode()
    return dt.timedelta(minutes=3 + zlib.crc32(key) % 10)


def beat(
    alias: str,
    now: dt.datetime,
    machines: Sequence[str] = LIVE_SCHEDULERS,
    rnd: random.Random | None = None,
) -> Beat:
    """One loop of each live Scheduler at `now`, in one transaction on `alias`."""
    rnd = rnd or random.Random()  # noqa: S311 - demo data, not secrets
    done = Beat()
    with transaction.atomic(using=alias):
        for machine in machines:
            ping(alias, machine, now)
            done.pinged.append(machine)
        _arrive(alias, now, rnd, done)
        ended = _supervise(alias, machines, now, rnd, done)
        busy = set(
            Job.objects.using(alias)
            .filter(status=JobStatus.RUNNING, scheduler_name__in=machines)
            .values_list("scheduler_name", flat=True)
        )
        for machine in machines:
            # Like a real loop, a Scheduler whose job just ended starts the next one a loop later.
            if machine not in busy and machine not in ended:
                started = _start_next(alias, machine, now)
                if started is not None:
                    done.started.append(started.trigger_name)
    return done


def ping(alias: str, machine: str, now: dt.datetime) -> None:
    """`send_ping_from_scheduler`: last_update = now, inserting the row on the first ping."""
    if not Scheduler.objects.using(alias).filter(pk=machine).update(last_update=now):
        Scheduler.objects.using(alias).create(machine_name=machine, last_update=now)


def _arrive(alias: str, now: dt.datetime, rnd: random.Random, done: Beat) -> None:
    """Every other beat or so, a new element in a queue that a working queue trigger watches, as
    its producer would add it. (Queues whose trigger is paused or failed would only pile up.)"""
    working = QueueTrigger.objects.using(alias).filter(
        trigger__process_status__in=(TriggerStatus.IDLE, TriggerStatus.RUNNING)
    )
    watched = sorted(set(working.values_list("queue_name", flat=True).order_by()))
    if not watched or rnd.random() < 0.5:
        return
    queue_name = rnd.choice(watched)
    case = rnd.randint(100000, 999999)
    QueueElement.objects.using(alias).create(
        id=uuid.uuid4(),
        queue_name=queue_name,
        status=QueueStatus.NEW,
        data=json.dumps({"sag": case, "note": "æøå"}, ensure_ascii=False),
        reference=f"{queue_name[:3].upper()}-{case}",
        created_date=now,
        created_by=PRODUCERS.get(queue_name, "Orchestrator UI"),
    )
    done.arrived.append(queue_name)


def _supervise(
    alias: str, machines: Sequence[str], now: dt.datetime, rnd: random.Random, done: Beat
) -> set[str]:
    """check_heartbeats for the live Schedulers' jobs; returns the machines whose job ended."""
    ended = set()
    jobs = Job.objects.using(alias).filter(status=JobStatus.RUNNING, scheduler_name__in=machines)
    for job in jobs.order_by("start_time"):
        trigger = (
            Trigger.objects.using(alias)
            .with_children()  # the child row in the same query, on `alias`
            .filter(process_name=job.process_name, process_status__in=ACTIVE_STATUSES)
            .order_by("-last_run")
            .first()
        )
        if trigger is not None and trigger.process_status == TriggerStatus.KILLING:
            _kill(alias, job, trigger, now)
            done.killed.append(job.process_name)
            ended.add(job.scheduler_name)
        elif not _work(alias, job, trigger, now, rnd):
            _end(alias, job, trigger, now)
            done.finished.append(job.process_name)
            ended.add(job.scheduler_name)
    return ended


def _kill(alias: str, job: Job, trigger: Trigger, now: dt.datetime) -> None:
    Trigger.objects.using(alias).filter(pk=trigger.pk, process_status=TriggerStatus.KILLING).update(
        process_status=TriggerStatus.KILLED
    )
    _close_job(alias, job, JobStatus.KILLED, now)


def _end(alias: str, job: Job, trigger: Trigger | None, now: dt.datetime) -> None:
    """end_job: single -> DONE; scheduled and queue: PAUSING -> PAUSED, RUNNING -> IDLE."""
    if trigger is not None:
        triggers = Trigger.objects.using(alias).filter(pk=trigger.pk)
        if trigger.type == TriggerType.SINGLE:
            triggers.update(process_status=TriggerStatus.DONE)
        else:
            triggers.filter(process_status=TriggerStatus.PAUSING).update(
                process_status=TriggerStatus.PAUSED
            )
            triggers.filter(process_status=TriggerStatus.RUNNING).update(
                process_status=TriggerStatus.IDLE
            )
    _log(alias, job, now, LogLevel.INFO, "Robot finished.")
    _close_job(alias, job, JobStatus.DONE, now)


def _close_job(alias: str, job: Job, status: str, now: dt.datetime) -> None:
    Job.objects.using(alias).filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=status, end_time=now
    )


def _work(
    alias: str, job: Job, trigger: Trigger | None, now: dt.datetime, rnd: random.Random
) -> bool:
    """One step of the pretend robot; False when it has nothing left to do."""
    if now - job.start_time >= planned_length(job):
        return False
    if trigger is not None and trigger.type == TriggerType.QUEUE:
        return _take_element(alias, job, trigger, now, rnd)
    _log(alias, job, now, LogLevel.TRACE, f"Behandler sag {rnd.randint(10000, 99999)}")
    return True


def _take_element(
    alias: str, job: Job, trigger: Trigger, now: dt.datetime, rnd: random.Random
) -> bool:
    """get_next_queue_element (the oldest NEW one), then set_queue_element_status DONE, or now
    and then FAILED with the robot's error logged."""
    elements = QueueElement.objects.using(alias).filter(
        queue_name=trigger.queue.queue_name, status=QueueStatus.NEW
    )
    element = elements.order_by("created_date").first()
    if element is None:
        return False
    taken = now - dt.timedelta(seconds=rnd.randint(5, 25))
    failure = rnd.choice(ERRORS) if rnd.random() < 0.1 else None
    QueueElement.objects.using(alias).filter(pk=element.pk, status=QueueStatus.NEW).update(
        status=QueueStatus.FAILED if failure else QueueStatus.DONE,
        start_date=max(taken, element.created_date),
        end_date=now,
        message=failure[:1000] if failure else "Behandlet",
    )
    reference = element.reference or element.pk.hex
    if failure:
        _log(alias, job, now, LogLevel.ERROR, f"{reference}: {failure}")
    else:
        _log(alias, job, now, LogLevel.INFO, f"Behandlet {reference}")
    return True


def _start_next(alias: str, machine: str, now: dt.datetime) -> Trigger | None:
    """poll_triggers and run_trigger for one Scheduler; the trigger started, if any."""
    for trigger in _due(alias, machine, now):
        if _begin(alias, trigger, now):
            job = Job.objects.using(alias).create(
                id=uuid.uuid4(),
                process_name=trigger.process_name,
                scheduler_name=machine,
                status=JobStatus.RUNNING,
                start_time=now,
            )
            Scheduler.objects.using(alias).filter(pk=machine).update(
                last_update=now, latest_trigger=trigger.trigger_name, latest_trigger_time=now
            )
            _log(alias, job, now, LogLevel.INFO, "Robot started.")
            return trigger
    return None


def _due(alias: str, machine: str, now: dt.datetime) -> list[Trigger]:
    """The pending triggers this Scheduler may run, in the order OpenOrchestrator tries them."""
    idle = Trigger.objects.using(alias).with_children().filter(process_status=TriggerStatus.IDLE)
    timed = list(idle.filter(next_run_at__lte=now).order_by("next_run_at"))
    new_counts = dict(
        QueueElement.objects.using(alias)
        .filter(status=QueueStatus.NEW)
        .values_list("queue_name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    queued = [
        t
        for t in idle.filter(type=TriggerType.QUEUE).order_by("trigger_name")
        if new_counts.get(t.queue.queue_name, 0) >= t.queue.min_batch_size
    ]
    pending = sorted(timed + queued, key=lambda t: (-t.priority, _TYPE_ORDER[t.type]))
    return [t for t in pending if not t.scheduler_whitelist or machine in t.scheduler_whitelist]


def _begin(alias: str, trigger: Trigger, now: dt.datetime) -> bool:
    """begin_*_trigger: IDLE -> RUNNING, last_run = now; a scheduled one's next_run moves on."""
    following = None
    if trigger.type == TriggerType.SCHEDULED:
        try:
            following = next_run(trigger.scheduled.cron_expr, now)
        except (CronSimError, StopIteration):
            return False  # the console refuses such expressions; a Scheduler would stop here
    begun = (
        Trigger.objects.using(alias)
        .filter(pk=trigger.pk, process_status=TriggerStatus.IDLE)
        .update(process_status=TriggerStatus.RUNNING, last_run=now)
    )
    if begun and following is not None:
        ScheduledTrigger.objects.using(alias).filter(pk=trigger.pk).update(next_run=following)
    return bool(begun)


def _log(alias: str, job: Job, now: dt.datetime, level: str, message: str) -> None:
    Log.objects.using(alias).create(
        id=uuid.uuid4(),
        log_time=now,
        log_level=level,
        process_name=job.process_name,
        job_id=job.id,
        log_message=message,
    )
