"""Every change the console makes to triggers and schedulers (views and admin call these).

Each function is keyword-only, takes the acting user, runs in one short transaction on the
`orchestrator` database, changes rows only through conditional updates against their *current*
status (a Scheduler may have moved them since the page loaded), and writes one audit row.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F

from orchestrator_site import audit, clock
from orchestrator_site.display import age_text, datetime_text
from orchestrator_site.models import AuditEntry
from triggers import capabilities, cron
from triggers.capabilities import KILL_UNSUPPORTED
from triggers.liveness import owner, staleness
from triggers.models import (
    ACTIVE_STATUSES,
    RESUMABLE_STATUSES,
    Job,
    JobStatus,
    QueueTrigger,
    ScheduledTrigger,
    Scheduler,
    SchedulerState,
    SingleTrigger,
    Trigger,
    TriggerStatus,
    TriggerType,
)

DB = "orchestrator"
Outcome = AuditEntry.Outcome
PARENT_FIELDS = (
    "trigger_name",
    "process_name",
    "process_path",
    "process_args",
    "is_git_repo",
    "git_branch",
    "is_blocking",
    "scheduler_whitelist",
    "priority",
)
CHILD_FIELDS = {
    TriggerType.SINGLE: ("next_run",),
    TriggerType.SCHEDULED: ("cron_expr", "next_run"),
    TriggerType.QUEUE: ("queue_name", "min_batch_size"),
}
CHILD_MODELS = {
    TriggerType.SINGLE: SingleTrigger,
    TriggerType.SCHEDULED: ScheduledTrigger,
    TriggerType.QUEUE: QueueTrigger,
}


@dataclass
class Result:
    """What a service did, in words for the user. `changed` False means nothing was written."""

    changed: bool
    message: str
    warnings: list[str] = field(default_factory=list)
    status: str = ""
    conflict: bool = False  # refused because someone changed the same values meanwhile


def _status_now(trigger_id) -> str | None:
    return (
        Trigger.objects.using(DB)
        .filter(pk=trigger_id)
        .values_list("process_status", flat=True)
        .first()
    )


def _label(status: str | None) -> str:
    return TriggerStatus(status).label if status in TriggerStatus.values else str(status)


def _record(user, action: str, trigger: Trigger, result: Result, **extra) -> None:
    audit.record(
        user=user,
        action=action,
        target_type="trigger",
        targets=[trigger.pk],
        count=1 if result.changed else 0,
        outcome=Outcome.OK if result.changed else Outcome.REFUSED,
        reason="" if result.changed else result.message,
        detail=extra.pop("detail", f"{trigger.trigger_name} ({trigger.type})"),
    )


def _moved(trigger: Trigger, verb: str, why: str) -> Result:
    now_status = _status_now(trigger.pk)
    if now_status is None:
        return Result(False, f"{trigger.trigger_name} no longer exists; nothing was {verb}.")
    return Result(
        False,
        f"{trigger.trigger_name} was not {verb}: it is {_label(now_status)} now ({why}).",
        status=now_status,
    )


# --- Create and edit ---------------------------------------------------------------------------


def create_trigger(*, user, kind: str, values: dict, child: dict) -> Trigger:
    """Insert the parent row (IDLE, never run) and its one child row in one transaction."""
    kind = TriggerType(kind)
    parent = {name: values[name] for name in PARENT_FIELDS}
    parent["process_args"] = parent["process_args"] or ""
    parent["git_branch"] = parent["git_branch"] or ""
    _guard(child)
    with transaction.atomic(using=DB):
        trigger = Trigger.objects.using(DB).create(
            id=uuid.uuid4(),
            type=kind,
            process_status=TriggerStatus.IDLE,
            last_run=None,
            **parent,
        )
        child_values = {name: child[name] for name in CHILD_FIELDS[kind]}
        CHILD_MODELS[kind].objects.using(DB).create(trigger=trigger, **child_values)
    audit.record(
        user=user,
        action="trigger.create",
        target_type="trigger",
        targets=[trigger.pk],
        count=1,
        detail=f"{trigger.trigger_name} ({kind}): {_describe({**parent, **child_values})}",
    )
    return trigger


def _guard(values: dict) -> None:
    """Last line of defence for values that would stop a Scheduler (reference §5.11)."""
    expr = values.get("cron_expr")
    if expr is not None and cron.cron_problem(expr, clock.now()):
        raise ValueError(f"Refusing to store an invalid cron expression: {expr!r}")
    if values.get("min_batch_size") is not None and values["min_batch_size"] < 1:
        raise ValueError("min_batch_size must be at least 1.")
    if values.get("process_args", "") is None:
        raise ValueError("process_args must be a string, never NULL.")


def _describe(values: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items())


def same_value(a, b) -> bool:
    """Equal as a user sees it: datetimes to the second, '' and NULL alike, lists by content."""
    if isinstance(a, datetime.datetime) and isinstance(b, datetime.datetime):
        return a.replace(microsecond=0) == b.replace(microsecond=0)
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        return list(a or []) == list(b or [])
    if a in (None, "") and b in (None, ""):
        return True
    return a == b


def _shown(value) -> str:
    """A stored value in a sentence: text quoted exactly (spaces are data), times as the pages show."""
    if isinstance(value, datetime.datetime):
        return datetime_text(value)
    if isinstance(value, list | tuple):
        return ", ".join(f"“{v}”" for v in value) if value else "any Scheduler"
    if value in (None, ""):
        return "empty"
    return f"“{value}”" if isinstance(value, str) else str(value)


def update_trigger(*, user, trigger: Trigger, loaded: dict, changes: dict) -> Result:
    """Write only the columns in `changes`, and only if nobody changed them since `loaded`.

    `loaded` holds the values the form showed. A column someone else (a Scheduler moving
    next_run, a colleague) changed in the meantime is never overwritten: the save is refused.
    Never touches process_status, last_run or type.
    """
    kind = trigger.type
    parent_changes = {k: v for k, v in changes.items() if k in PARENT_FIELDS}
    child_changes = {k: v for k, v in changes.items() if k in CHILD_FIELDS[kind]}
    if not parent_changes and not child_changes:
        return Result(False, f"Nothing to save: {trigger.trigger_name} is unchanged.")
    if "process_args" in parent_changes:
        parent_changes["process_args"] = parent_changes["process_args"] or ""
    if "git_branch" in parent_changes:
        parent_changes["git_branch"] = parent_changes["git_branch"] or ""
    _guard(child_changes)
    child_model = CHILD_MODELS[kind]
    with transaction.atomic(using=DB):
        # Lock the parent (a no-op update takes the row lock on PostgreSQL and SQL Server, and the
        # write lock on SQLite), then compare what the user saw with what is stored now.
        touched = (
            Trigger.objects.using(DB)
            .filter(pk=trigger.pk)
            .update(process_status=F("process_status"))
        )
        if not touched:
            result = Result(False, f"{trigger.trigger_name} no longer exists; nothing was saved.")
            _record(user, "trigger.edit", trigger, result)
            return result
        current = Trigger.objects.using(DB).get(pk=trigger.pk)
        current_child = child_model.objects.using(DB).get(pk=trigger.pk)
        conflicts = {}
        for changes_of, row in ((parent_changes, current), (child_changes, current_child)):
            for name, value in list(changes_of.items()):
                stored = getattr(row, name)
                if same_value(stored, value):  # already so (someone made the same change)
                    del changes_of[name]
                elif not same_value(stored, loaded.get(name)):
                    conflicts[name] = stored
        if conflicts:
            now_values = "; ".join(
                f"{name.replace('_', ' ')} is now {_shown(value)}"
                for name, value in conflicts.items()
            )
            result = Result(
                False,
                "This trigger was changed by someone else (or the Scheduler) while you edited it: "
                f"{now_values}. Nothing was saved; reload the page and make your change again.",
                conflict=True,
            )
        else:
            if parent_changes:
                Trigger.objects.using(DB).filter(pk=trigger.pk).update(**parent_changes)
            if child_changes:
                child_model.objects.using(DB).filter(pk=trigger.pk).update(**child_changes)
            result = Result(True, f"Saved {trigger.trigger_name}.")
    _record(
        user,
        "trigger.edit",
        trigger,
        result,
        detail=f"{trigger.trigger_name}: {_describe({**parent_changes, **child_changes})}",
    )
    return result


# --- Status actions (reference §5.5) -----------------------------------------------------------


def pause_trigger(*, user, trigger: Trigger) -> Result:
    """RUNNING -> PAUSING; IDLE/FAILED/DONE/KILLED -> PAUSED; PAUSING/KILLING/PAUSED untouched."""
    with transaction.atomic(using=DB):
        rows = Trigger.objects.using(DB).filter(pk=trigger.pk)
        if rows.filter(process_status=TriggerStatus.RUNNING).update(
            process_status=TriggerStatus.PAUSING
        ):
            result = Result(
                True,
                f"{trigger.trigger_name} is pausing: the running process finishes and the "
                "trigger will not start again.",
                status=TriggerStatus.PAUSING,
            )
        elif rows.filter(
            process_status__in=(
                TriggerStatus.IDLE,
                TriggerStatus.FAILED,
                TriggerStatus.DONE,
                TriggerStatus.KILLED,
            )
        ).update(process_status=TriggerStatus.PAUSED):
            result = Result(True, f"Paused {trigger.trigger_name}.", status=TriggerStatus.PAUSED)
        else:
            result = _moved(trigger, "paused", "nothing to pause")
    _record(user, "trigger.pause", trigger, result)
    return result


def resume_trigger(*, user, trigger: Trigger, next_run: datetime.datetime | None = None) -> Result:
    """PAUSED/FAILED/DONE/KILLED -> IDLE, optionally moving next_run (single/scheduled) first."""
    now = clock.now()
    with transaction.atomic(using=DB):
        updated = (
            Trigger.objects.using(DB)
            .filter(pk=trigger.pk, process_status__in=RESUMABLE_STATUSES)
            .update(process_status=TriggerStatus.IDLE)
        )
        if updated and next_run is not None and trigger.type != TriggerType.QUEUE:
            CHILD_MODELS[trigger.type].objects.using(DB).filter(pk=trigger.pk).update(
                next_run=next_run
            )
    if updated:
        result = Result(True, f"Resumed {trigger.trigger_name}.", status=TriggerStatus.IDLE)
        if next_run is not None and trigger.type != TriggerType.QUEUE:
            result.message += f" Next run: {datetime_text(next_run)}."
        due = next_run if next_run is not None else trigger.next_run
        if due is not None and due <= now:
            result.warnings.append(
                "Its next run is in the past, so a Scheduler starts it at its next loop."
            )
    else:
        result = _moved(trigger, "resumed", "only paused, failed, done or killed triggers resume")
    _record(
        user,
        "trigger.resume",
        trigger,
        result,
        detail=f"{trigger.trigger_name}" + (f", next_run={next_run}" if next_run else ""),
    )
    return result


def run_trigger_now(*, user, trigger: Trigger) -> Result:
    """Single/scheduled: next_run = now and IDLE, unless a process of it runs."""
    if trigger.type == TriggerType.QUEUE:
        result = Result(
            False,
            f"{trigger.trigger_name} is a queue trigger: it starts when its queue holds at least "
            "min batch size NEW elements, so it cannot be run on demand.",
        )
        _record(user, "trigger.run_now", trigger, result)
        return result
    now = clock.now()
    with transaction.atomic(using=DB):
        updated = (
            Trigger.objects.using(DB)
            .filter(pk=trigger.pk)
            .exclude(process_status__in=ACTIVE_STATUSES)
            .update(process_status=TriggerStatus.IDLE)
        )
        if updated:
            CHILD_MODELS[trigger.type].objects.using(DB).filter(pk=trigger.pk).update(next_run=now)
    if updated:
        result = Result(
            True,
            f"{trigger.trigger_name} will start at the next loop of a Scheduler that may run it.",
            status=TriggerStatus.IDLE,
        )
        if trigger.type == TriggerType.SCHEDULED:
            result.message += " Afterwards it follows its cron schedule again."
    else:
        result = _moved(trigger, "started", "it is still running")
    _record(user, "trigger.run_now", trigger, result)
    return result


def kill_trigger(*, user, trigger: Trigger) -> Result:
    """RUNNING/PAUSING -> KILLING; the owning Scheduler kills the process at its next loop."""
    if not capabilities.kill_supported():
        result = Result(False, f"{trigger.trigger_name} was not killed. {KILL_UNSUPPORTED}")
        _record(user, "trigger.kill", trigger, result)
        return result
    with transaction.atomic(using=DB):
        updated = (
            Trigger.objects.using(DB)
            .filter(
                pk=trigger.pk,
                process_status__in=(TriggerStatus.RUNNING, TriggerStatus.PAUSING),
            )
            .update(process_status=TriggerStatus.KILLING)
        )
    if updated:
        who = owner(trigger, clock.now())
        machine = who.machine_name or "the Scheduler running it"
        result = Result(
            True,
            f"Kill requested for {trigger.trigger_name}: {machine} stops the process at its "
            "next loop (about 6 seconds).",
            status=TriggerStatus.KILLING,
        )
        if who.state != SchedulerState.ONLINE:
            seen = f"last pinged {age_text(who.age_seconds)}" if who.scheduler else "is unknown"
            result.warnings.append(
                f"{machine} {seen} and looks offline: nothing kills the process until it is "
                "back. If it is gone for good, use Reset stale."
            )
    else:
        result = _moved(trigger, "killed", "only running or pausing triggers can be killed")
    _record(user, "trigger.kill", trigger, result)
    return result


def reset_stale_trigger(*, user, trigger: Trigger, expected_status: str, to_status: str) -> Result:
    """A RUNNING/PAUSING/KILLING trigger nobody will move any more -> FAILED or IDLE.

    Judged again with the row locked: refused when its status or last start is no longer the one
    the user confirmed, or something may still run it (liveness.staleness). Its job, only when
    triggers.matching identifies it without doubt and it is still RUNNING, is set to FAILED with
    end_time now; a job that cannot be identified is left alone.
    """
    if to_status not in (TriggerStatus.FAILED, TriggerStatus.IDLE):
        raise ValueError("A reset sets FAILED or IDLE only.")
    now = clock.now()
    with transaction.atomic(using=DB):
        locked = (
            Trigger.objects.using(DB)
            .filter(pk=trigger.pk, process_status=expected_status)
            .update(process_status=F("process_status"))
        )
        if not locked:
            result = _moved(
                trigger, "reset", f"you confirmed a reset of a {_label(expected_status)} trigger"
            )
            _record(user, "trigger.reset", trigger, result)
            return result
        current = Trigger.objects.using(DB).get(pk=trigger.pk)
        who = owner(current, now)
        judged = staleness(current, now, who)
        if not judged.stale:
            result = Result(False, f"{trigger.trigger_name} was not reset: {judged.reason}")
            _record(user, "trigger.reset", trigger, result)
            return result
        # The same status and the same last start: not a run that began since it was judged.
        updated = (
            Trigger.objects.using(DB)
            .filter(pk=trigger.pk, process_status=expected_status, last_run=current.last_run)
            .update(process_status=to_status)
        )
        job_note = ""
        if updated and who.job is not None:
            failed = (
                Job.objects.using(DB)
                .filter(pk=who.job.pk, status=JobStatus.RUNNING)
                .update(status=JobStatus.FAILED, end_time=now)
            )
            if failed:
                job_note = f" Its job on {who.job.scheduler_name} is marked failed."
        elif updated:
            job_note = " No job of it could be identified for certain, so no job was changed."
    if updated:
        result = Result(
            True,
            f"Reset {trigger.trigger_name} from {_label(expected_status)} to "
            f"{_label(to_status)}.{job_note}",
            status=to_status,
        )
    else:
        result = _moved(trigger, "reset", "a Scheduler moved it just now")
    _record(
        user,
        "trigger.reset",
        trigger,
        result,
        detail=f"{trigger.trigger_name}: {expected_status} -> {to_status}; {judged.reason}"
        + (f"; job {who.job.pk}" if who.job else "; no job identified"),
    )
    return result


def delete_trigger(*, user, trigger: Trigger) -> Result:
    """Delete child then parent, refused while RUNNING/PAUSING/KILLING (the Scheduler would crash)."""
    with transaction.atomic(using=DB):
        # Conditional no-op update: locks the row and proves it is not active, atomically.
        idle = (
            Trigger.objects.using(DB)
            .filter(pk=trigger.pk)
            .exclude(process_status__in=ACTIVE_STATUSES)
            .update(process_status=F("process_status"))
        )
        if idle:
            CHILD_MODELS[trigger.type].objects.using(DB).filter(pk=trigger.pk).delete()
            Trigger.objects.using(DB).filter(pk=trigger.pk).delete()
    if idle:
        result = Result(True, f"Deleted {trigger.trigger_name}.")
    else:
        result = _moved(trigger, "deleted", "a trigger whose process may run cannot be deleted")
    _record(user, "trigger.delete", trigger, result)
    return result


# --- Schedulers ----------------------------------------------------------------------------------


def forget_scheduler(*, user, machine_name: str) -> Result:
    """Remove a retired machine from the Schedulers table (its next ping would re-create it)."""
    with transaction.atomic(using=DB):
        deleted, _ = Scheduler.objects.using(DB).filter(pk=machine_name).delete()
    if deleted:
        result = Result(
            True,
            f"Forgot {machine_name}. If it is still running, its next ping lists it again.",
        )
    else:
        result = Result(False, f"{machine_name} was already gone.")
    audit.record(
        user=user,
        action="scheduler.forget",
        target_type="scheduler",
        targets=[machine_name],
        count=deleted,
        outcome=Outcome.OK if deleted else Outcome.REFUSED,
        reason="" if deleted else result.message,
    )
    return result
