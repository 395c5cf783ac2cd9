"""Realistic demo data for OpenOrchestrator 3.0, written through the console's models.

Deterministic for a seed and a "now": ~20 processes with 30 days of jobs and logs, ~10 queues with
elements in every status, triggers of every type and status, schedulers online, stale and offline,
credentials encrypted with the configured key, constants, and fresh failures for the dashboard.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import connections, transaction

from logs.models import Log, LogLevel
from orchestrator_site import crypto
from queues.models import QueueElement, QueueStatus
from triggers.models import (
    Job,
    JobStatus,
    QueueTrigger,
    ScheduledTrigger,
    Scheduler,
    SingleTrigger,
    Trigger,
    TriggerStatus,
    TriggerType,
)
from vault.models import Constant, Credential

PROCESSES = [
    "Faktura Afstemning",
    "Borgerservice Post",
    "Ejendomsskat Udsendelse",
    "Sygedagpenge Opfølgning",
    "Byggesag Journalisering",
    "Løn Refusion",
    "Kontanthjælp Kontrol",
    "Pladsanvisning Dagtilbud",
    "Affaldsgebyr Opkrævning",
    "Boligstøtte Sagsbehandling",
    "Skolebus Planlægning",
    "Tandpleje Indkaldelse",
    "Vejskilte Registrering",
    "Parkering Klager",
    "Hjemmehjælp Visitation",
    "Folkeregister Sync",
    "Aktindsigt Udtræk",
    "Kreditor Oprettelse",
    "eBoks Kvittering",
    "Budget Rapport",
]
QUEUES = [
    ("Faktura Afstemning", "Fakturaer"),
    ("Borgerservice Post", "Digital Post"),
    ("Ejendomsskat Udsendelse", "Ejendomsskat"),
    ("Sygedagpenge Opfølgning", "Sygedagpenge Sager"),
    ("Byggesag Journalisering", "Byggesager"),
    ("Løn Refusion", "Refusioner"),
    ("Kontanthjælp Kontrol", "Kontanthjælp"),
    ("Boligstøtte Sagsbehandling", "Boligstøtte"),
    ("Kreditor Oprettelse", "Kreditorer"),
    ("eBoks Kvittering", "Kvitteringer"),
]
# (machine name, seconds since its last ping): two online, one stale, one long gone.
SCHEDULERS = [
    ("RPA-SCHED-01", 4),
    ("RPA-SCHED-02", 25),
    ("RPA-SCHED-03", 190),
    ("RPA-SCHED-OLD", 9 * 86400),
]
# The Schedulers that `manage.py demo_pulse` keeps pinging while the demo runs; the others stay
# silent, so the demo keeps showing what a stopped Scheduler looks like.
LIVE_SCHEDULERS = ("RPA-SCHED-01", "RPA-SCHED-02")
ERRORS = [
    "TimeoutError: The page did not load within 30 seconds.",
    "ValueError: CPR-nummer mangler i sagen.",
    'Element not found: <button id="submit">Godkend</button>',
    "KeyError: 'beløb'\nTraceback (most recent call last):\n  File \"main.py\", line 88, in process\n    amount = row['beløb']\nKeyError: 'beløb'",
    "<script>alert('hostile text from a scraped page')</script> was in the reply.",
    "Login failed for service account: account locked.",
]


def _cron(i: int) -> str:
    return ["*/15 7-16 * * MON-FRI", "0 6 * * *", "30 22 * * *", "0 */2 * * *", "0 8 1 * *"][i % 5]


Ids = Callable[[], uuid.UUID]


def build(alias: str, *, now: dt.datetime, seed: int = 7) -> dict[str, int]:
    """Fill an empty OpenOrchestrator database on connection `alias`. Returns rows per table.

    The steps draw from one seeded random generator in a fixed order: the same seed and `now`
    give the same database.
    """
    rnd = random.Random(seed)
    ids = lambda: uuid.UUID(int=rnd.getrandbits(128), version=4)  # noqa: E731 - deterministic uuid4

    schedulers = _schedulers(now)
    triggers, children = _triggers(now, rnd, ids)
    running = _tie_running(triggers, schedulers, now)
    jobs, logs = _history(now, rnd, ids)
    _running_jobs(running, schedulers, ids, jobs=jobs, logs=logs)
    logs.extend(_logs_without_job(now, ids))
    elements = _elements(now, rnd, ids)
    credentials = _credentials(now, rnd)
    constants = _constants(now, rnd)

    with transaction.atomic(using=alias):
        Scheduler.objects.using(alias).bulk_create(schedulers)
        Trigger.objects.using(alias).bulk_create(triggers)
        SingleTrigger.objects.using(alias).bulk_create(
            [c for c in children if isinstance(c, SingleTrigger)]
        )
        ScheduledTrigger.objects.using(alias).bulk_create(
            [c for c in children if isinstance(c, ScheduledTrigger)]
        )
        QueueTrigger.objects.using(alias).bulk_create(
            [c for c in children if isinstance(c, QueueTrigger)]
        )
        Job.objects.using(alias).bulk_create(jobs, batch_size=500)
        Log.objects.using(alias).bulk_create(logs, batch_size=500)
        QueueElement.objects.using(alias).bulk_create(elements, batch_size=500)
        Credential.objects.using(alias).bulk_create(credentials)
        Constant.objects.using(alias).bulk_create(constants)
    return {
        "Schedulers": len(schedulers),
        "Triggers": len(triggers),
        "Jobs": len(jobs),
        "Logs": len(logs),
        "Queues": len(elements),
        "Credentials": len(credentials),
        "Constants": len(constants),
    }


def _schedulers(now: dt.datetime) -> list[Scheduler]:
    return [
        Scheduler(
            machine_name=name,
            last_update=now - dt.timedelta(seconds=age),
            latest_trigger=None,
            latest_trigger_time=None,
        )
        for name, age in SCHEDULERS
    ]


def _triggers(
    now: dt.datetime, rnd: random.Random, ids: Ids
) -> tuple[list[Trigger], list[SingleTrigger | ScheduledTrigger | QueueTrigger]]:
    """A trigger of each kind per process (queue triggers for processes with a queue)."""
    triggers: list[Trigger] = []
    children: list[SingleTrigger | ScheduledTrigger | QueueTrigger] = []
    statuses = list(TriggerStatus)
    for i, process in enumerate(PROCESSES):
        kind = [TriggerType.SCHEDULED, TriggerType.QUEUE, TriggerType.SINGLE][i % 3]
        queue_name = dict(QUEUES).get(process)
        if queue_name:
            kind = TriggerType.QUEUE if i % 2 else TriggerType.SCHEDULED
        status = TriggerStatus.IDLE if i % 3 else statuses[(i // 3) % len(statuses)]
        trigger = Trigger(
            id=ids(),
            trigger_name=f"{process} ({kind.label.lower()})",
            process_name=process,
            last_run=now - dt.timedelta(hours=rnd.randint(1, 60)),
            process_path=f"https://git.kommune.example/rpa/{process.lower().replace(' ', '-')}.git"
            if i % 4 == 0
            else f"C:\\Robots\\{process.replace(' ', '')}\\main.py",
            process_args="" if i % 5 else json.dumps({"miljø": "prod"}),
            process_status=status,
            is_git_repo=i % 4 == 0,
            git_branch="main" if i % 4 == 0 else "",
            is_blocking=i % 6 != 0,
            scheduler_whitelist=[] if i % 4 else ["RPA-SCHED-01", "RPA-SCHED-02"],
            priority=[0, 0, 5, -1, 10][i % 5],
            type=kind,
        )
        triggers.append(trigger)
        children.append(_child(trigger, i, now=now, queue_name=queue_name))
    return triggers, children


def _child(
    trigger: Trigger, i: int, *, now: dt.datetime, queue_name: str | None
) -> SingleTrigger | ScheduledTrigger | QueueTrigger:
    if trigger.type == TriggerType.SINGLE:
        return SingleTrigger(trigger=trigger, next_run=now + dt.timedelta(hours=i - 5))
    if trigger.type == TriggerType.SCHEDULED:
        return ScheduledTrigger(
            trigger=trigger,
            cron_expr=_cron(i),
            next_run=now + dt.timedelta(minutes=10 * i - 30),
        )
    return QueueTrigger(
        trigger=trigger, queue_name=queue_name or "Diverse", min_batch_size=1 + i % 10
    )


def _tie_running(
    triggers: list[Trigger], schedulers: list[Scheduler], now: dt.datetime
) -> list[Trigger]:
    """Every status appears at least once, running ones tied to a scheduler. Returns those."""
    for trigger, status in zip(triggers[:8], list(TriggerStatus), strict=False):
        trigger.process_status = status
    running = [
        t
        for t in triggers
        if t.process_status in (TriggerStatus.RUNNING, TriggerStatus.PAUSING, TriggerStatus.KILLING)
    ]
    for trigger, scheduler in zip(
        running, [schedulers[0], schedulers[2], schedulers[1]], strict=False
    ):
        scheduler.latest_trigger = trigger.trigger_name
        scheduler.latest_trigger_time = now - dt.timedelta(minutes=12)
        trigger.last_run = scheduler.latest_trigger_time
    return running


def _history(now: dt.datetime, rnd: random.Random, ids: Ids) -> tuple[list[Job], list[Log]]:
    """30 days of finished jobs with their logs, more failures in the last two days."""
    jobs: list[Job] = []
    logs: list[Log] = []
    for day in range(30, -1, -1):
        for i, process in enumerate(PROCESSES):
            if rnd.random() < 0.35:
                continue
            start = now - dt.timedelta(
                days=day, hours=rnd.randint(0, 10), minutes=rnd.randint(0, 59)
            )
            failed = rnd.random() < (0.25 if day <= 2 else 0.08)
            duration = dt.timedelta(minutes=rnd.randint(1, 40), seconds=rnd.randint(0, 59))
            # A finished job ended before "now", and so did its last log (its error, when failed).
            latest_start = now - duration - dt.timedelta(minutes=5)
            if start > latest_start:
                start = latest_start - dt.timedelta(minutes=rnd.randint(0, 120))
            job = Job(
                id=ids(),
                process_name=process,
                scheduler_name=SCHEDULERS[i % 3][0],
                status=JobStatus.FAILED if failed else JobStatus.DONE,
                start_time=start,
                end_time=start + duration,
            )
            jobs.append(job)
            logs.extend(_job_logs(job, duration, failed=failed, rnd=rnd, ids=ids))
    return jobs, logs


def _job_logs(
    job: Job, duration: dt.timedelta, *, failed: bool, rnd: random.Random, ids: Ids
) -> list[Log]:
    """A finished job's step logs, and the error OpenOrchestrator logs when it failed."""
    logs = []
    start, process = job.start_time, job.process_name
    steps = rnd.randint(4, 14)
    for step in range(steps):
        at = start + duration * step / steps + dt.timedelta(microseconds=rnd.randint(0, 999999))
        level = LogLevel.TRACE if step % 3 else LogLevel.INFO
        message = f"Trin {step + 1}/{steps}: behandler sag {rnd.randint(10000, 99999)}"
        logs.append(
            Log(
                id=ids(),
                log_time=at,
                log_level=level,
                process_name=process,
                job_id=job.id,
                log_message=message,
            )
        )
    if failed:
        logs.append(
            Log(
                id=ids(),
                log_time=job.end_time,
                log_level=LogLevel.ERROR,
                process_name=process,
                job_id=job.id,
                log_message="An uncaught error ocurred during the process:\n" + rnd.choice(ERRORS),
            )
        )
    return logs


def _running_jobs(
    running: list[Trigger],
    schedulers: list[Scheduler],
    ids: Ids,
    *,
    jobs: list[Job],
    logs: list[Log],
) -> None:
    """Running jobs for running triggers; one of them on the stale scheduler."""
    for trigger, scheduler in zip(
        running, [schedulers[0], schedulers[2], schedulers[1]], strict=False
    ):
        job = Job(
            id=ids(),
            process_name=trigger.process_name,
            scheduler_name=scheduler.machine_name,
            status=JobStatus.RUNNING,
            start_time=trigger.last_run,
            end_time=None,
        )
        jobs.append(job)
        logs.append(
            Log(
                id=ids(),
                log_time=trigger.last_run + dt.timedelta(seconds=2),
                log_level=LogLevel.INFO,
                process_name=trigger.process_name,
                job_id=job.id,
                log_message="Robot started.",
            )
        )


def _logs_without_job(now: dt.datetime, ids: Ids) -> list[Log]:
    """A launch failure (OpenOrchestrator logs it without a job id) and a long message."""
    return [
        Log(
            id=ids(),
            log_time=now - dt.timedelta(hours=3),
            log_level=LogLevel.ERROR,
            process_name="Budget Rapport",
            job_id=None,
            log_message="Scheduler couldn't launch the process:\nFileNotFoundError:\nC:\\Robots\\BudgetRapport\\main.py",
        ),
        Log(
            id=ids(),
            log_time=now - dt.timedelta(hours=5),
            log_level=LogLevel.INFO,
            process_name="Aktindsigt Udtræk",
            job_id=None,
            log_message="Udtræk: " + "æøå " * 1500,
        ),
    ]


def _elements(now: dt.datetime, rnd: random.Random, ids: Ids) -> list[QueueElement]:
    """A month of elements per queue in every status, and one failed element without dates."""
    elements: list[QueueElement] = []
    for q, (process, queue_name) in enumerate(QUEUES):
        for n in range(120 + 40 * q):
            created = now - dt.timedelta(days=rnd.random() * 30)
            status = _element_status(rnd.random(), recent=created > now - dt.timedelta(days=2))
            start, end = _element_window(status, created, now=now, rnd=rnd)
            message = None
            if status == QueueStatus.FAILED:
                message = rnd.choice(ERRORS)[:1000]
            elif status == QueueStatus.DONE:
                message = "Behandlet"
            elements.append(
                QueueElement(
                    id=ids(),
                    queue_name=queue_name,
                    status=status,
                    data=json.dumps(
                        {
                            "sag": 100000 + n,
                            "borger": f"Borger {n}",
                            "beløb": round(rnd.random() * 5000, 2),
                            "note": "æøå",
                        },
                        ensure_ascii=False,
                    ),
                    reference=f"{queue_name[:3].upper()}-{n:05d}",
                    created_date=created,
                    start_date=start,
                    end_date=end,
                    message=message,
                    created_by=process if n % 7 else "Orchestrator UI",
                )
            )
    # A failed element with no dates at all (robots can produce these through set_queue_element_status).
    elements.append(
        QueueElement(
            id=ids(),
            queue_name="Fakturaer",
            status=QueueStatus.FAILED,
            data="not json <b>bold?</b>",
            reference="FAK-NODATES",
            created_date=now - dt.timedelta(hours=2),
            message="Failed before it started",
        )
    )
    return elements


def _element_status(roll: float, *, recent: bool) -> QueueStatus:
    """NEW only among recent elements; more failures among them."""
    if recent and roll < 0.15:
        return QueueStatus.NEW
    if roll < 0.05:
        return QueueStatus.IN_PROGRESS
    if roll < (0.25 if recent else 0.12):
        return QueueStatus.FAILED
    if roll < 0.15:
        return QueueStatus.ABANDONED
    return QueueStatus.DONE


def _element_window(
    status: QueueStatus, created: dt.datetime, *, now: dt.datetime, rnd: random.Random
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Start and end dates that fit the status, never in the future."""
    start = (
        created + dt.timedelta(minutes=rnd.randint(1, 120)) if status != QueueStatus.NEW else None
    )
    if start and start > now:
        start = created + (now - created) * rnd.random()
    end = None
    if status in (QueueStatus.DONE, QueueStatus.FAILED, QueueStatus.ABANDONED) and start:
        end = min(start + dt.timedelta(seconds=rnd.randint(5, 600)), now)
    return start, end


def _credentials(now: dt.datetime, rnd: random.Random) -> list[Credential]:
    """Demo credentials, only when a key can encrypt their passwords."""
    if not crypto.vault_available():
        return []
    return [
        Credential(
            name=name,
            username=user,
            password=crypto.encrypt(f"demo-{user}-pw!"),
            changed_at=now - dt.timedelta(days=rnd.randint(1, 300)),
        )
        for name, user in [
            ("KMD Logon", "svc-kmd"),
            ("SAP Robot", "rpa-sap"),
            ("eBoks API", "kommune-api"),
            ("Outlook Robot", "rpa@kommune.example"),
            ("Digital Post", "dp-robot"),
            ("Opus", "opus-rpa"),
        ]
    ]


def _constants(now: dt.datetime, rnd: random.Random) -> list[Constant]:
    return [
        Constant(name=name, value=value, changed_at=now - dt.timedelta(days=rnd.randint(1, 100)))
        for name, value in [
            ("Mail Afsender", "rpa@kommune.example"),
            ("Batch Størrelse", "50"),
            ("SAP Miljø", "PRD"),
            ("Fejl Modtagere", "rpa-team@kommune.example;drift@kommune.example"),
            ("Timeout Sekunder", "30"),
            ("Feriedage", json.dumps(["2026-12-24", "2026-12-25"])),
            ("Webservice URL", "https://api.kommune.example/v2/"),
            ("Tom Linje", " leading and trailing spaces "),
        ]
    ]


def sqlite_alias(path: str, alias: str = "demo_build") -> str:
    """Register a connection alias for another SQLite file with the orchestrator alias's options.

    A connection this thread already opened under `alias` is closed and forgotten: Django keeps a
    thread's connection object, and with it the file it was made for.
    """
    if alias in connections.settings:
        for existing in connections.all(initialized_only=True):
            if existing.alias == alias:
                existing.close()
                del connections[alias]
    config = dict(connections.settings[settings.ORCHESTRATOR_DB])
    config.update(
        {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": {"timeout": 20}}
    )
    connections.settings[alias] = config
    return alias
