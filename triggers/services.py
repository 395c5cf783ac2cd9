"""Every change the console makes to triggers and schedulers (views and admin call these).

Each function is keyword-only, takes the acting user, runs in `orchestrator_site.writes.write`
(one short transaction on the orchestrator database, one audit row), changes rows only through
conditional updates against their *current* status (a Scheduler may have moved them since the page
loaded), and returns a `WriteResult`.
"""

from __future__ import annotations

import datetime
import uuid

from django.db.models import F
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from orchestrator_site import audit, clock
from orchestrator_site.display import age_text, datetime_text, status_label
from orchestrator_site.writes import Write, WriteResult, write
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
from triggers.wording import english, lazy_join, lazy_text

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
CHILD_FIELDS: dict[str, tuple[str, ...]] = {
    TriggerType.SINGLE: ("next_run",),
    TriggerType.SCHEDULED: ("cron_expr", "next_run"),
    TriggerType.QUEUE: ("queue_name", "min_batch_size"),
}
CHILD_MODELS: dict[str, type[SingleTrigger | ScheduledTrigger | QueueTrigger]] = {
    TriggerType.SINGLE: SingleTrigger,
    TriggerType.SCHEDULED: ScheduledTrigger,
    TriggerType.QUEUE: QueueTrigger,
}


def _status_now(trigger_id) -> str | None:
    return Trigger.objects.filter(pk=trigger_id).values_list("process_status", flat=True).first()


_label = lazy(status_label, str)  # read in the language of the page, or English in the audit

# What a refused status action says (triggers.wording: lazy, for the page and the audit trail):
# the trigger is gone, or another status than the action needs.
_NOT_DONE = {
    "pause": (
        _("%(name)s no longer exists; nothing was paused."),
        _("%(name)s was not paused: it is %(status)s now (%(why)s)."),
    ),
    "resume": (
        _("%(name)s no longer exists; nothing was resumed."),
        _("%(name)s was not resumed: it is %(status)s now (%(why)s)."),
    ),
    "run": (
        _("%(name)s no longer exists; nothing was started."),
        _("%(name)s was not started: it is %(status)s now (%(why)s)."),
    ),
    "kill": (
        _("%(name)s no longer exists; nothing was killed."),
        _("%(name)s was not killed: it is %(status)s now (%(why)s)."),
    ),
    "reset": (
        _("%(name)s no longer exists; nothing was reset."),
        _("%(name)s was not reset: it is %(status)s now (%(why)s)."),
    ),
    "delete": (
        _("%(name)s no longer exists; nothing was deleted."),
        _("%(name)s was not deleted: it is %(status)s now (%(why)s)."),
    ),
}

# The edit form's columns as a conflict names them.
_FIELD_NAMES = {
    "trigger_name": _("trigger name"),
    "process_name": _("process name"),
    "process_path": _("process path"),
    "process_args": _("process args"),
    "is_git_repo": _("git repository"),
    "git_branch": _("git branch"),
    "is_blocking": _("blocking"),
    "scheduler_whitelist": _("Scheduler whitelist"),
    "priority": _("priority"),
    "next_run": _("next run"),
    "cron_expr": _("cron expression"),
    "queue_name": _("queue name"),
    "min_batch_size": _("min batch size"),
}


def _write(action: str, *, user, trigger: Trigger):
    """The write contract for one trigger: one transaction, one audit row naming it (by the name
    it had when the person acted)."""
    return write(
        action,
        user=user,
        target_type="trigger",
        targets=[trigger.pk],
        names={str(trigger.pk): trigger.trigger_name},
    )


def _done(message: str, **fields) -> WriteResult:
    return WriteResult(asked=1, changed=1, message=message, **fields)


def _refused(message: str, **fields) -> WriteResult:
    return WriteResult(asked=1, changed=0, message=message, **fields)


def _settle(w: Write, result: WriteResult) -> WriteResult:
    """Make `result` the write's result; a refusal's message becomes the audit row's reason (in
    English, as the trail is kept; the page shows the same message in the reader's language)."""
    w.result = result
    w.reason = "" if result.changed else english(result.message)
    return result


def _moved(trigger: Trigger, action: str, why: str | Promise) -> WriteResult:
    """Refused: the trigger is gone, or in a status `action` does not apply to (`why`)."""
    gone, elsewhere = _NOT_DONE[action]
    now_status = _status_now(trigger.pk)
    if now_status is None:
        return _refused(lazy_text(gone, name=trigger.trigger_name))
    return _refused(
        lazy_text(elsewhere, name=trigger.trigger_name, status=_label(now_status), why=why),
        status=now_status,
    )


# --- Create and edit ---------------------------------------------------------------------------


def create_trigger(*, user, kind: str, values: dict, child: dict) -> WriteResult:
    """Insert the parent row (IDLE, never run) and its one child row in one transaction; the new
    trigger is the result's `created`."""
    kind = TriggerType(kind)
    parent = {name: values[name] for name in PARENT_FIELDS}
    parent["process_args"] = parent["process_args"] or ""
    parent["git_branch"] = parent["git_branch"] or ""
    _guard(child)
    child_values = {name: child[name] for name in CHILD_FIELDS[kind]}
    with write("trigger.create", user=user, target_type="trigger") as w:
        trigger = Trigger.objects.create(
            id=uuid.uuid4(),
            type=kind,
            process_status=TriggerStatus.IDLE,
            last_run=None,
            **parent,
        )
        CHILD_MODELS[kind].objects.create(trigger=trigger, **child_values)
        w.result = _done(
            lazy_text(_("Created %(name)s."), name=trigger.trigger_name), created=trigger
        )
        w.targets = [trigger.pk]
        w.names = {str(trigger.pk): trigger.trigger_name}
        w.changes = [
            audit.created(name, value)
            for name, value in {"type": kind, **parent, **child_values}.items()
            if value not in (None, "", [])
        ]
    return w.result


def _guard(values: dict) -> None:
    """Last line of defence for values that would stop a Scheduler.

    See docs/openorchestrator.md#the-scheduler-loop.
    """
    expr = values.get("cron_expr")
    if expr is not None and cron.cron_problem(expr, clock.now()):
        raise ValueError(f"Refusing to store an invalid cron expression: {expr!r}")
    if values.get("min_batch_size") is not None and values["min_batch_size"] < 1:
        raise ValueError("min_batch_size must be at least 1.")
    if values.get("process_args", "") is None:
        raise ValueError("process_args must be a string, never NULL.")


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
        return ", ".join(f"“{v}”" for v in value) if value else lazy_text(_("any Scheduler"))
    if value in (None, ""):
        return lazy_text(_("empty"))
    return f"“{value}”" if isinstance(value, str) else str(value)


def _normalised(kind: str, changes: dict) -> tuple[dict, dict]:
    """The edited columns of the parent row and of the child row, blanks stored as OpenOrchestrator
    stores them ('' for process_args and git_branch, never NULL)."""
    parent = {k: v for k, v in changes.items() if k in PARENT_FIELDS}
    child = {k: v for k, v in changes.items() if k in CHILD_FIELDS[kind]}
    for name in ("process_args", "git_branch"):
        if name in parent:
            parent[name] = parent[name] or ""
    return parent, child


def _lock(trigger: Trigger) -> bool:
    """Lock the parent row (a no-op update takes the row lock on PostgreSQL and SQL Server, and the
    write lock on SQLite); False when it no longer exists."""
    return bool(Trigger.objects.filter(pk=trigger.pk).update(process_status=F("process_status")))


def _conflicts(edits: list[tuple[dict, object]], loaded: dict) -> dict:
    """Compare each edited column with what is stored now. Drops the edits already stored (someone
    made the same change) and returns the columns someone changed since `loaded`, with their value."""
    conflicts = {}
    for changes_of, row in edits:
        for name, value in list(changes_of.items()):
            stored = getattr(row, name)
            if same_value(stored, value):
                del changes_of[name]
            elif not same_value(stored, loaded.get(name)):
                conflicts[name] = stored
    return conflicts


def _conflict_refusal(conflicts: dict) -> WriteResult:
    now_values = [
        lazy_text(
            _("%(field)s is now %(value)s"),
            field=_FIELD_NAMES.get(name, name.replace("_", " ")),
            value=_shown(value),
        )
        for name, value in conflicts.items()
    ]
    return _refused(
        lazy_text(
            _(
                "This trigger was changed by someone else (or the Scheduler) while you edited "
                "it: %(changes)s. Nothing was saved; reload the page and make your change again."
            ),
            changes=lazy_join("; ", now_values),
        ),
        conflict=True,
    )


def update_trigger(*, user, trigger: Trigger, loaded: dict, changes: dict) -> WriteResult:
    """Write only the columns in `changes`, and only if nobody changed them since `loaded`.

    `loaded` holds the values the form showed. A column someone else (a Scheduler moving
    next_run, a colleague) changed in the meantime is never overwritten: the save is refused.
    Never touches process_status, last_run or type.
    """
    parent_changes, child_changes = _normalised(trigger.type, changes)
    if not parent_changes and not child_changes:
        # Nothing asked, nothing written, nothing audited.
        return WriteResult(
            message=lazy_text(
                _("Nothing to save: %(name)s is unchanged."), name=trigger.trigger_name
            )
        )
    _guard(child_changes)
    child_model = CHILD_MODELS[trigger.type]
    with _write("trigger.edit", user=user, trigger=trigger) as w:
        if not _lock(trigger):
            return _settle(
                w,
                _refused(
                    lazy_text(
                        _("%(name)s no longer exists; nothing was saved."),
                        name=trigger.trigger_name,
                    )
                ),
            )
        current = Trigger.objects.get(pk=trigger.pk)
        current_child = child_model.objects.get(pk=trigger.pk)
        conflicts = _conflicts([(parent_changes, current), (child_changes, current_child)], loaded)
        if conflicts:
            _settle(w, _conflict_refusal(conflicts))
        else:
            if parent_changes:
                Trigger.objects.filter(pk=trigger.pk).update(**parent_changes)
            if child_changes:
                child_model.objects.filter(pk=trigger.pk).update(**child_changes)
            _settle(w, _done(lazy_text(_("Saved %(name)s."), name=trigger.trigger_name)))
            w.changes = [
                audit.change(name, getattr(row, name), value)
                for changes_of, row in ((parent_changes, current), (child_changes, current_child))
                for name, value in changes_of.items()
            ]
    return w.result


# --- Status actions (docs/openorchestrator.md#trigger-statuses) -----------------------------------


def pause_trigger(*, user, trigger: Trigger) -> WriteResult:
    """RUNNING -> PAUSING; IDLE/FAILED/DONE/KILLED -> PAUSED; PAUSING/KILLING/PAUSED untouched."""
    with _write("trigger.pause", user=user, trigger=trigger) as w:
        rows = Trigger.objects.filter(pk=trigger.pk)
        if rows.filter(process_status=TriggerStatus.RUNNING).update(
            process_status=TriggerStatus.PAUSING
        ):
            result = _done(
                lazy_text(
                    _(
                        "%(name)s is pausing: the running process finishes and the trigger will "
                        "not start again."
                    ),
                    name=trigger.trigger_name,
                ),
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
            result = _done(
                lazy_text(_("Paused %(name)s."), name=trigger.trigger_name),
                status=TriggerStatus.PAUSED,
            )
        else:
            result = _moved(trigger, "pause", _("nothing to pause"))
        _settle(w, result)
    return w.result


def resume_trigger(
    *, user, trigger: Trigger, next_run: datetime.datetime | None = None
) -> WriteResult:
    """PAUSED/FAILED/DONE/KILLED -> IDLE, optionally moving next_run (single/scheduled) first."""
    now = clock.now()
    moves_next_run = next_run is not None and trigger.type != TriggerType.QUEUE
    with _write("trigger.resume", user=user, trigger=trigger) as w:
        updated = Trigger.objects.filter(
            pk=trigger.pk, process_status__in=RESUMABLE_STATUSES
        ).update(process_status=TriggerStatus.IDLE)
        if updated and moves_next_run:
            CHILD_MODELS[trigger.type].objects.filter(pk=trigger.pk).update(next_run=next_run)
            w.changes = [audit.change("next_run", trigger.next_run, next_run)]
        if not updated:
            return _settle(
                w,
                _moved(trigger, "resume", _("only paused, failed, done or killed triggers resume")),
            )
        resumed = lazy_text(_("Resumed %(name)s."), name=trigger.trigger_name)
        if moves_next_run:
            resumed = lazy_join(
                " ",
                [resumed, lazy_text(_("Next run: %(when)s."), when=datetime_text(next_run))],
            )
        result = _settle(w, _done(resumed, status=TriggerStatus.IDLE))
        due = next_run if next_run is not None else trigger.next_run
        if due is not None and due <= now:
            result.warnings.append(
                lazy_text(
                    _("Its next run is in the past, so a Scheduler starts it at its next loop.")
                )
            )
    return result


def run_trigger_now(*, user, trigger: Trigger) -> WriteResult:
    """Single/scheduled: next_run = now and IDLE, unless a process of it runs."""
    with _write("trigger.run_now", user=user, trigger=trigger) as w:
        if trigger.type == TriggerType.QUEUE:
            return _settle(
                w,
                _refused(
                    lazy_text(
                        _(
                            "%(name)s is a queue trigger: it starts when its queue holds at least "
                            "min batch size New elements, so it cannot be run on demand."
                        ),
                        name=trigger.trigger_name,
                    )
                ),
            )
        updated = (
            Trigger.objects.filter(pk=trigger.pk)
            .exclude(process_status__in=ACTIVE_STATUSES)
            .update(process_status=TriggerStatus.IDLE)
        )
        if not updated:
            return _settle(w, _moved(trigger, "run", _("it is still running")))
        now = clock.now()
        CHILD_MODELS[trigger.type].objects.filter(pk=trigger.pk).update(next_run=now)
        w.changes = [audit.change("next_run", trigger.next_run, now)]
        if trigger.type == TriggerType.SCHEDULED:
            template = _(
                "%(name)s will start at the next loop of a Scheduler that may run it. Afterwards "
                "it follows its cron schedule again."
            )
        else:
            template = _("%(name)s will start at the next loop of a Scheduler that may run it.")
        result = _done(lazy_text(template, name=trigger.trigger_name), status=TriggerStatus.IDLE)
        return _settle(w, result)


def kill_trigger(*, user, trigger: Trigger) -> WriteResult:
    """RUNNING/PAUSING -> KILLING; the owning Scheduler kills the process at its next loop."""
    with _write("trigger.kill", user=user, trigger=trigger) as w:
        if not capabilities.kill_supported():
            return _settle(
                w,
                _refused(
                    lazy_text(
                        _("%(name)s was not killed. %(why)s"),
                        name=trigger.trigger_name,
                        why=KILL_UNSUPPORTED,
                    )
                ),
            )
        updated = Trigger.objects.filter(
            pk=trigger.pk,
            process_status__in=(TriggerStatus.RUNNING, TriggerStatus.PAUSING),
        ).update(process_status=TriggerStatus.KILLING)
        if not updated:
            return _settle(
                w, _moved(trigger, "kill", _("only running or pausing triggers can be killed"))
            )
        who = owner(trigger, clock.now())
        result = _done(_kill_requested(trigger, who), status=TriggerStatus.KILLING)
        if who.state != SchedulerState.ONLINE:
            result.warnings.append(_kill_unsupervised(who))
        return _settle(w, result)


def _kill_requested(trigger: Trigger, who) -> str:
    if who.machine_name:
        template = _(
            "Kill requested for %(name)s: %(machine)s stops the process at its next loop (about "
            "6 seconds)."
        )
    else:
        template = _(
            "Kill requested for %(name)s: the Scheduler running it stops the process at its next "
            "loop (about 6 seconds)."
        )
    return lazy_text(template, name=trigger.trigger_name, machine=who.machine_name)


def _kill_unsupervised(who) -> str:
    """The warning of a kill whose Scheduler looks offline: nothing will carry it out."""
    if who.scheduler:
        template = _(
            "%(machine)s last pinged %(age)s and looks offline: nothing kills the process until "
            "it is back. If it is gone for good, use Reset stale."
        )
    elif who.machine_name:
        template = _(
            "%(machine)s is unknown and looks offline: nothing kills the process until it is "
            "back. If it is gone for good, use Reset stale."
        )
    else:
        template = _(
            "The Scheduler running it is unknown and looks offline: nothing kills the process "
            "until it is back. If it is gone for good, use Reset stale."
        )
    return lazy_text(template, machine=who.machine_name, age=age_text(who.age_seconds))


def reset_stale_trigger(
    *, user, trigger: Trigger, expected_status: str, to_status: str
) -> WriteResult:
    """A RUNNING/PAUSING/KILLING trigger nobody will move any more -> FAILED or IDLE.

    Judged again with the row locked: refused when its status or last start is no longer the one
    the user confirmed, or something may still run it (liveness.staleness). Its job, only when
    triggers.matching identifies it without doubt and it is still RUNNING, is set to FAILED with
    end_time now; a job that cannot be identified is left alone.
    """
    if to_status not in (TriggerStatus.FAILED, TriggerStatus.IDLE):
        raise ValueError("A reset sets FAILED or IDLE only.")
    now = clock.now()
    with _write("trigger.reset", user=user, trigger=trigger) as w:
        locked = Trigger.objects.filter(pk=trigger.pk, process_status=expected_status).update(
            process_status=F("process_status")
        )
        if not locked:
            why = lazy_text(
                _("you confirmed a reset of a %(status)s trigger"), status=_label(expected_status)
            )
            return _settle(w, _moved(trigger, "reset", why))
        current = Trigger.objects.get(pk=trigger.pk)
        who = owner(current, now)
        judged = staleness(current, now, who)
        if not judged.stale:
            return _settle(
                w,
                _refused(
                    lazy_text(
                        _("%(name)s was not reset: %(reason)s"),
                        name=trigger.trigger_name,
                        reason=judged.reason,
                    )
                ),
            )
        w.detail = english(judged.reason) + (
            f"; job {who.job.pk}" if who.job else "; no job identified"
        )
        # The same status and the same last start: not a run that began since it was judged.
        updated = Trigger.objects.filter(
            pk=trigger.pk, process_status=expected_status, last_run=current.last_run
        ).update(process_status=to_status)
        if not updated:
            return _settle(w, _moved(trigger, "reset", _("a Scheduler moved it just now")))
        w.changes = [
            audit.change("status", TriggerStatus(expected_status), TriggerStatus(to_status))
        ]
        done = lazy_text(
            _("Reset %(name)s from %(before)s to %(after)s."),
            name=trigger.trigger_name,
            before=_label(expected_status),
            after=_label(to_status),
        )
        if who.job is None:
            unknown = _("No job of it could be identified for certain, so no job was changed.")
            done = lazy_join(" ", [done, unknown])
        elif Job.objects.filter(pk=who.job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED, end_time=now
        ):
            failed = _("Its job on %(machine)s is marked failed.")
            done = lazy_join(" ", [done, lazy_text(failed, machine=who.job.scheduler_name)])
        return _settle(w, _done(done, status=to_status))


def delete_trigger(*, user, trigger: Trigger) -> WriteResult:
    """Delete child then parent, refused while RUNNING/PAUSING/KILLING (the Scheduler would crash)."""
    with _write("trigger.delete", user=user, trigger=trigger) as w:
        # Conditional no-op update: locks the row and proves it is not active, atomically.
        idle = (
            Trigger.objects.filter(pk=trigger.pk)
            .exclude(process_status__in=ACTIVE_STATUSES)
            .update(process_status=F("process_status"))
        )
        if not idle:
            why = _("a trigger whose process may run cannot be deleted")
            return _settle(w, _moved(trigger, "delete", why))
        CHILD_MODELS[trigger.type].objects.filter(pk=trigger.pk).delete()
        Trigger.objects.filter(pk=trigger.pk).delete()
        return _settle(w, _done(lazy_text(_("Deleted %(name)s."), name=trigger.trigger_name)))


# --- Schedulers ----------------------------------------------------------------------------------


def forget_scheduler(*, user, machine_name: str) -> WriteResult:
    """Remove a retired machine from the Schedulers table (its next ping would re-create it)."""
    with write("scheduler.forget", user=user, target_type="scheduler", targets=[machine_name]) as w:
        deleted, _per_model = Scheduler.objects.filter(pk=machine_name).delete()
        if deleted:
            message = lazy_text(
                _("Forgot %(machine)s. If it is still running, its next ping lists it again."),
                machine=machine_name,
            )
            w.result = WriteResult(asked=1, changed=deleted, message=message)
        else:
            _settle(
                w, _refused(lazy_text(_("%(machine)s was already gone."), machine=machine_name))
            )
    return w.result
