"""Who runs a trigger, and whether anything will still move it.

docs/openorchestrator.md#stale-triggers says when a trigger counts as stale. The job of a
trigger's last start comes from triggers.matching, the one rule. When that job cannot be identified
without doubt, every online Scheduler that might be running the trigger counts: one with a RUNNING
job of its process, or one whose latest_trigger carries its name.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy

from orchestrator_site import compiled, ttlcache
from orchestrator_site.display import age_text, duration_text, status_label
from orchestrator_site.models import AuditEntry
from triggers import matching
from triggers.models import (
    ACTIVE_STATUSES,
    Job,
    JobStatus,
    Scheduler,
    SchedulerState,
    Trigger,
    TriggerStatus,
    scheduler_state,
)
from triggers.wording import lazy_text


@dataclass(frozen=True)
class Owner:
    job: Job | None  # the job of its last start, only when identified without doubt
    ambiguous: bool  # several jobs or triggers fit its last start
    machine_name: str | None  # the job's Scheduler, else the latest one to start a trigger so named
    scheduler: Scheduler | None
    state: str  # SchedulerState value, "offline" when unknown
    age_seconds: int | None
    running_online: tuple[str, ...] = ()  # online Schedulers with a RUNNING job of its process
    named_online: tuple[str, ...] = ()  # online Schedulers whose latest_trigger is its name


@dataclass(frozen=True)
class Staleness:
    stale: bool
    reason: str


def _running_pairs(jobs):
    return (
        jobs.filter(status=JobStatus.RUNNING)
        .values_list("process_name", "scheduler_name")
        .order_by()
    )


def _latest_first(schedulers):
    return schedulers.order_by("-latest_trigger_time", "machine_name")


def owners(triggers: list[Trigger], now: datetime.datetime) -> dict:
    """owner() of many triggers, in four queries whatever their number (the dashboard, lists)."""
    triggers = list(triggers)
    if not triggers:
        return {}
    matches = matching.jobs_of(triggers)
    running: dict[str, set[str]] = {}
    # Every RUNNING job (a few per Scheduler), its process matched here: with the process names in
    # SQL, SQLite walked each process's whole job history by (process_name, start_time) to find
    # the running ones (8 ms at 24k jobs, most of the dashboard's trigger panel).
    processes = {t.process_name for t in triggers}
    for process, running_on in compiled.rows(Job, "liveness:running-pairs", _running_pairs):
        if process in processes:
            running.setdefault(process, set()).add(running_on)
    # Every Scheduler (a row per machine, a handful): with the machines and trigger names as two
    # IN lists, the ORM spent more CPU building the query than reading the whole table.
    schedulers = compiled.rows(Scheduler, "liveness:schedulers", _latest_first)
    by_machine = {s.machine_name: s for s in schedulers}
    online = {s.machine_name for s in schedulers if s.state(now) == SchedulerState.ONLINE}
    result = {}
    for trigger in triggers:
        found = matches[trigger.pk]
        named = [s.machine_name for s in schedulers if s.latest_trigger == trigger.trigger_name]
        machine: str | None
        if found.job is not None:
            machine = found.job.scheduler_name
        else:
            machine = named[0] if named else None
        scheduler = by_machine.get(machine) if machine else None
        result[trigger.pk] = Owner(
            job=found.job,
            ambiguous=found.ambiguous,
            machine_name=machine,
            scheduler=scheduler,
            state=scheduler.state(now) if scheduler else SchedulerState.OFFLINE,
            age_seconds=scheduler.age_seconds(now) if scheduler else None,
            running_online=tuple(sorted(running.get(trigger.process_name, set()) & online)),
            named_online=tuple(m for m in named if m in online),
        )
    return result


def owner(trigger: Trigger, now: datetime.datetime) -> Owner:
    """The Scheduler that runs `trigger` and how alive it looks."""
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


def _killing_too_long(trigger: Trigger, now: datetime.datetime) -> bool:
    """KILLING for more than a few loops: a Scheduler running it would have killed it by now."""
    if trigger.process_status != TriggerStatus.KILLING:
        return False
    since = last_kill_request(trigger) or trigger.last_run
    return (
        since is None or (now - since).total_seconds() > settings.CONSOLE_SCHEDULER_ONLINE_SECONDS
    )


def staleness(trigger: Trigger, now: datetime.datetime, who: Owner | None = None) -> Staleness:
    """May this RUNNING/PAUSING/KILLING trigger be reset? Only when nothing will ever move it.

    Refused while the Scheduler of its job is online, and, when its job cannot be identified,
    while any Scheduler that might be running it is online. The reason is lazy text
    (triggers.wording): the page reads it in its language, the audit trail in English.
    """
    if trigger.process_status not in ACTIVE_STATUSES:
        return Staleness(
            False, lazy_text(gettext_lazy("It is not running, pausing or being killed."))
        )
    who = who or owner(trigger, now)
    if who.job is not None:
        return _judge_identified(trigger, now, who, who.job)
    return _judge_unidentified(trigger, now, who)


# "3 min ago", "1 min", "Killing": in the language of whoever reads the reason.
_lazy_age = lazy(age_text, str)
_lazy_duration = lazy(duration_text, str)
_lazy_status = lazy(status_label, str)


def _judge_identified(trigger: Trigger, now: datetime.datetime, who: Owner, job: Job) -> Staleness:
    machine = who.machine_name
    if who.scheduler is None:
        return Staleness(
            True,
            lazy_text(
                gettext_lazy("Its Scheduler %(machine)s no longer pings at all."), machine=machine
            ),
        )
    if who.state != SchedulerState.ONLINE:
        return Staleness(
            True,
            lazy_text(
                gettext_lazy("Its Scheduler %(machine)s last pinged %(age)s."),
                machine=machine,
                age=_lazy_age(who.age_seconds),
            ),
        )
    if job.status != JobStatus.RUNNING and _killing_too_long(trigger, now):
        return Staleness(
            True,
            lazy_text(
                gettext_lazy(
                    "Its status has been %(status)s for more than %(duration)s while %(machine)s "
                    "is online, and its job has ended: the process ended before the kill reached "
                    "it."
                ),
                status=_lazy_status(TriggerStatus.KILLING),
                duration=_lazy_duration(settings.CONSOLE_SCHEDULER_ONLINE_SECONDS),
                machine=machine,
            ),
        )
    return Staleness(
        False,
        lazy_text(
            gettext_lazy("Its Scheduler %(machine)s is online and will move it at its next loop."),
            machine=machine,
        ),
    )


def _judge_unidentified(trigger: Trigger, now: datetime.datetime, who: Owner) -> Staleness:
    online = settings.CONSOLE_SCHEDULER_ONLINE_SECONDS
    if trigger.last_run is not None and (now - trigger.last_run).total_seconds() <= online:
        age = _lazy_age(max(0, int((now - trigger.last_run).total_seconds())))
        return Staleness(
            False,
            lazy_text(
                gettext_lazy("It started %(age)s; its Scheduler may still be launching it."),
                age=age,
            ),
        )
    suspects = sorted({*who.running_online, *who.named_online})
    if suspects and (who.running_online or not _killing_too_long(trigger, now)):
        return Staleness(False, _may_run_it(suspects, who.ambiguous))
    if suspects:
        return Staleness(
            True,
            lazy_text(
                gettext_lazy(
                    "Its status has been %(status)s for more than %(duration)s and no online "
                    "Scheduler runs a job of its process: the process ended before the kill "
                    "reached it."
                ),
                status=_lazy_status(TriggerStatus.KILLING),
                duration=_lazy_duration(online),
            ),
        )
    if who.scheduler is not None:
        return Staleness(
            True,
            lazy_text(
                gettext_lazy(
                    "Its Scheduler %(machine)s last pinged %(age)s. No online Scheduler runs a "
                    "job of its process."
                ),
                machine=who.machine_name,
                age=_lazy_age(who.age_seconds),
            ),
        )
    return Staleness(
        True,
        lazy_text(
            gettext_lazy(
                "No Scheduler is known to run it. No online Scheduler runs a job of its process."
            )
        ),
    )


def _may_run_it(suspects: list[str], ambiguous: bool) -> str:
    """Why a trigger whose job cannot be identified is not stale: these Schedulers may run it."""
    if ambiguous:
        template = ngettext_lazy(
            "Its job cannot be told apart from other runs of its process that started then. "
            "%(machines)s is online and may run it.",
            "Its job cannot be told apart from other runs of its process that started then. "
            "%(machines)s are online and may run it.",
            len(suspects),
        )
    else:
        template = ngettext_lazy(
            "No job of its last start can be identified. %(machines)s is online and may run it.",
            "No job of its last start can be identified. %(machines)s are online and may run it.",
            len(suspects),
        )
    return lazy_text(template, machines=", ".join(suspects))


PINGS_CACHE_KEY = "triggers:scheduler-pings"
PINGS_SECONDS = 10  # as old as the header's Scheduler summary may be


def online_machines(now: datetime.datetime, *, fresh: bool = False) -> frozenset[str]:
    """The Schedulers online at `now` (SchedulerState.ONLINE), from their last pings as read at
    most PINGS_SECONDS ago (one query of the small Schedulers table per process and period), or
    read now when `fresh`."""
    pings = ttlcache.cached(PINGS_CACHE_KEY, PINGS_SECONDS, _pings, fresh=fresh)
    return frozenset(
        machine
        for machine, last_update in pings
        if scheduler_state(last_update, now) == SchedulerState.ONLINE
    )


def _pings() -> list[tuple[str, datetime.datetime]]:
    return list(Scheduler.objects.order_by().values_list("machine_name", "last_update"))


def nobody_to_run(trigger: Trigger, online: frozenset[str]) -> str:
    """Why no online Scheduler may start `trigger` now, or "" when one may.

    A Scheduler polls a trigger when its whitelist is empty (NULL or []) or names the Scheduler
    exactly (case-sensitive), as OpenOrchestrator's poll_triggers decides. A Scheduler set to "Only
    run whitelisted triggers" also skips an empty whitelist, but that setting lives on its PC, not
    in the database, so an online Scheduler counts.
    """
    whitelist = trigger.scheduler_whitelist or []
    if not whitelist:
        if online:
            return ""
        return gettext("No Scheduler is online: it waits until one is.")
    if online.intersection(whitelist):
        return ""
    return gettext(
        "No Scheduler it may run on (%(machines)s) is online: it waits until one is."
    ) % {"machines": ", ".join(whitelist)}
