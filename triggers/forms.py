"""Trigger forms: one per trigger type, validated as docs/openorchestrator.md#validation lists."""

from __future__ import annotations

import datetime
import json
import re
from typing import cast

from django import forms
from django.core import signing
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orchestrator_site.forms import LocalDateTimeField
from orchestrator_site.textfields import ColumnTextField, unchanged
from triggers import cron
from triggers.models import Trigger, TriggerStatus, TriggerType
from triggers.services import CHILD_FIELDS, PARENT_FIELDS, same_value

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
WHITELIST_MAX = 250
_SNAPSHOT_SALT = "triggers.edit.loaded"
CONFIRM_PAST = gettext_lazy("Save with a past next run")


def snapshot(trigger) -> dict:
    """The editable values as stored now; edit compares against these to find what changed."""
    values = {name: getattr(trigger, name) for name in PARENT_FIELDS}
    child = trigger.child
    values.update({name: getattr(child, name) for name in CHILD_FIELDS[trigger.type]})
    if values.get("next_run"):
        values["next_run"] = values["next_run"].replace(microsecond=0)
    return values


def sign_snapshot(values: dict) -> str:
    encoded = {
        k: v.isoformat() if isinstance(v, datetime.datetime) else v for k, v in values.items()
    }
    return signing.dumps(encoded, salt=_SNAPSHOT_SALT)


def unsign_snapshot(token: str) -> dict | None:
    try:
        values = signing.loads(token, salt=_SNAPSHOT_SALT)
    except signing.BadSignature:
        return None
    if values.get("next_run"):
        values["next_run"] = datetime.datetime.fromisoformat(values["next_run"])
    return values


class TriggerForm(forms.Form):
    """The columns every trigger type has. Subclasses add the child table's columns."""

    kind: str = ""

    # Text is kept exactly as typed (spaces included), as OpenOrchestrator stores and compares it.
    trigger_name = ColumnTextField(max_length=100, label=gettext_lazy("Trigger name"))
    process_name = ColumnTextField(
        max_length=100,
        label=gettext_lazy("Process name"),
        help_text=gettext_lazy("Passed to the robot; also the name its logs and jobs carry."),
    )
    process_path = ColumnTextField(
        max_length=250,
        label=gettext_lazy("Process path"),
        help_text=gettext_lazy("A local .py file, or a git URL when it is a git repository."),
    )
    process_args = ColumnTextField(
        max_length=1000, required=False, label=gettext_lazy("Process args")
    )
    is_git_repo = forms.BooleanField(required=False, label=gettext_lazy("Git repository"))
    git_branch = ColumnTextField(
        max_length=100,
        required=False,
        label=gettext_lazy("Git branch"),
        help_text=gettext_lazy("Empty: the repository's default branch."),
    )
    is_blocking = forms.BooleanField(
        required=False,
        initial=True,
        label=gettext_lazy("Blocking"),
        help_text=gettext_lazy("Nothing else starts on the same Scheduler while it runs."),
    )
    priority = forms.IntegerField(
        initial=0,
        min_value=INT_MIN,
        max_value=INT_MAX,
        label=gettext_lazy("Priority"),
        help_text=gettext_lazy("Higher runs first when several triggers are due; may be negative."),
    )
    whitelist_known = forms.MultipleChoiceField(
        required=False,
        label=gettext_lazy("Scheduler whitelist"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Nothing ticked and nothing typed: any Scheduler may run it."),
    )
    whitelist_other = ColumnTextField(
        required=False,
        max_length=WHITELIST_MAX,
        label=gettext_lazy("Other machines"),
        help_text=gettext_lazy(
            "Machine names not listed above, separated by commas (exact, case-sensitive)."
        ),
    )
    loaded = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        data=None,
        *,
        now: datetime.datetime,
        schedulers: list[str],
        trigger=None,
        initial: dict | None = None,
    ):
        self.now = now
        self.trigger = trigger
        if trigger is not None and data is None:
            initial = self._initial_from(snapshot(trigger), schedulers)
        super().__init__(data, initial=initial)
        self.warnings: list[str] = []
        known = list(dict.fromkeys(schedulers))
        whitelist_known = cast(forms.MultipleChoiceField, self.fields["whitelist_known"])
        whitelist_known.choices = [(name, name) for name in known]
        self.known_schedulers = known

    @staticmethod
    def _initial_from(values: dict, schedulers: list[str]) -> dict:
        initial = dict(values)
        whitelist = values["scheduler_whitelist"] or []
        initial["whitelist_known"] = [m for m in whitelist if m in schedulers]
        initial["whitelist_other"] = ", ".join(m for m in whitelist if m not in schedulers)
        initial["loaded"] = sign_snapshot(values)
        return initial

    # -- validation --

    def clean_trigger_name(self) -> str:
        name = self.cleaned_data["trigger_name"]
        others = Trigger.objects.filter(trigger_name=name)
        if self.trigger is not None:
            others = others.exclude(pk=self.trigger.pk)
        if others.exists():
            # Allowed (OpenOrchestrator does not forbid it), but Schedulers report by name.
            self.warnings.append(
                _(
                    "Another trigger is also called %(name)s: the Schedulers page and job "
                    "history cannot tell them apart."
                )
                % {"name": name}
            )
        return name

    # OpenOrchestrator accepts a value of only spaces anywhere (its app only refuses ''). Typed
    # here, it is refused where it can only be a slip: a name nobody can see or tell apart (the
    # Schedulers report triggers by name; logs and jobs carry the process name) and a path that
    # can never be a robot. A stored one is kept while the field is left unchanged.
    NOT_ONLY_SPACES = {
        "trigger_name": gettext_lazy(
            "A trigger name of only spaces cannot be seen or told apart; type one."
        ),
        "process_name": gettext_lazy(
            "A process name of only spaces cannot be seen in logs and jobs; type one."
        ),
        "process_path": gettext_lazy(
            "A path of only spaces can never point at a robot; type the path."
        ),
    }

    def _refuse_only_spaces(self, data: dict) -> None:
        for name, message in self.NOT_ONLY_SPACES.items():
            value = data.get(name)
            if value and not value.strip() and self.changes_field(name, value):
                self.add_error(name, message)

    def clean_loaded(self) -> dict | None:
        if self.trigger is None:
            return None
        values = unsign_snapshot(self.cleaned_data["loaded"])
        if values is None:
            raise forms.ValidationError(
                _("This form is out of date or was altered. Reload the page and edit again.")
            )
        return values

    def _machines(self, data: dict) -> list[str]:
        """The machines ticked and typed. Machine names hold no spaces or commas, so those
        separate names; a name stored with spaces around it is kept exactly as stored."""
        stored = (data.get("loaded") or {}).get("scheduler_whitelist") or []
        as_stored = {name.strip(): name for name in stored}
        machines = list(data.get("whitelist_known") or [])
        for name in re.split(r"[,\r\n]", data.get("whitelist_other") or ""):
            if name.strip():
                machines.append(as_stored.get(name.strip(), name.strip()))
        return list(dict.fromkeys(machines))

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns (typed as optional)
        self._refuse_only_spaces(data)
        machines = self._machines(data)
        too_long = [m for m in machines if len(m) > 100]
        if too_long:
            self.add_error("whitelist_other", _("A machine name has at most 100 characters."))
        text = json.dumps(machines)
        if len(text) > WHITELIST_MAX:
            self.add_error(
                "whitelist_other",
                _(
                    "The whitelist takes %(length)d characters as stored (JSON); at most "
                    "%(most)d fit. Remove some machines."
                )
                % {"length": len(text), "most": WHITELIST_MAX},
            )
        unknown = [m for m in machines if m not in self.known_schedulers]
        if unknown:
            self.warnings.append(
                _(
                    "No Scheduler named %(names)s has pinged yet: the trigger will not run "
                    "until one does (names are exact)."
                )
                % {"names": ", ".join(unknown)}
            )
        data["scheduler_whitelist"] = machines
        if data.get("is_git_repo") is False and (data.get("git_branch") or "").strip():
            self.warnings.append(
                _("The git branch is ignored because this is not a git repository.")
            )
        return data

    def _check_past(self, when: datetime.datetime | None) -> None:
        """A next run in the past is allowed (as in OpenOrchestrator) but must be confirmed."""
        if when is None or when > self.now:
            return
        if self.trigger is not None and not self.changes_field("next_run", when):
            return
        if not self.cleaned_data.get("confirm_past"):
            self.add_error(
                "next_run",
                _(
                    "This time is in the past: the trigger will run as soon as a Scheduler sees "
                    "it. Tick '%(confirm)s' to save it anyway."
                )
                % {"confirm": CONFIRM_PAST},
            )
        else:
            self.warnings.append(_("The next run is in the past: the trigger runs at once."))

    def changes_field(self, name: str, value) -> bool:
        """Does `value` differ from the stored one? Text exactly, as a browser sends it back."""
        loaded = self.cleaned_data.get("loaded")
        if self.trigger is not None and loaded is None:
            return False  # an altered snapshot refuses the form by itself; judge nothing else
        stored = (loaded or {}).get(name)
        if name == "scheduler_whitelist":  # membership is what the Scheduler checks
            return set(value or []) != set(stored or [])
        field = self.fields.get(name)
        if isinstance(field, ColumnTextField):
            return not unchanged(value, stored, field.widget)
        return not same_value(value, stored)

    # -- results --

    def parent_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in PARENT_FIELDS}

    def child_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in CHILD_FIELDS[self.kind]}

    def changes(self) -> dict:
        """Columns whose submitted value differs from what the form was loaded with."""
        values = {**self.parent_values(), **self.child_values()}
        return {k: v for k, v in values.items() if self.changes_field(k, v)}


class SingleTriggerForm(TriggerForm):
    kind = TriggerType.SINGLE

    next_run = LocalDateTimeField(
        label=gettext_lazy("Next run"),
        help_text=gettext_lazy("When it runs once (the Scheduler PCs' local time)."),
    )
    confirm_past = forms.BooleanField(required=False, label=CONFIRM_PAST)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("next_run"):
            data["next_run"] = data["next_run"].replace(microsecond=0)
            self._check_past(data["next_run"])
        return data


class ScheduledTriggerForm(TriggerForm):
    kind = TriggerType.SCHEDULED

    cron_expr = ColumnTextField(
        max_length=200,
        label=gettext_lazy("Cron expression"),
        help_text=gettext_lazy(
            "5 fields: minute hour day-of-month month day-of-week, e.g. 0 6 * * MON-FRI."
        ),
    )
    next_run = LocalDateTimeField(
        required=False,
        label=gettext_lazy("Next run"),
        help_text=gettext_lazy("Empty: the next occurrence of the cron expression."),
    )
    confirm_past = forms.BooleanField(required=False, label=CONFIRM_PAST)

    def clean_cron_expr(self) -> str:
        expr = self.cleaned_data["cron_expr"]
        problem = cron.cron_problem(expr, self.now)
        if problem:
            raise forms.ValidationError(problem)
        return expr

    def clean(self) -> dict:
        data = super().clean()
        expr = data.get("cron_expr")
        if not expr:
            return data
        when = data.get("next_run")
        cron_changed = self.trigger is None or self.changes_field("cron_expr", expr)
        untouched = self.trigger is not None and not self.changes_field("next_run", when)
        if when is None or (cron_changed and untouched):
            # As NiceGUI does when the expression changes: next run = the next occurrence.
            data["next_run"] = cron.next_run(expr, self.now)
        else:
            data["next_run"] = when.replace(microsecond=0)
            self._check_past(data["next_run"])
        return data

    def preview(self) -> list[datetime.datetime]:
        if self.is_bound:
            expr = self.cleaned_data.get("cron_expr") if hasattr(self, "cleaned_data") else None
        else:
            expr = self.trigger.child.cron_expr if self.trigger is not None else None
        if not expr or cron.cron_problem(expr, self.now):
            return []
        return cron.next_runs(expr, self.now)


class QueueTriggerForm(TriggerForm):
    kind = TriggerType.QUEUE

    queue_name = ColumnTextField(
        max_length=200,
        widget=forms.TextInput(attrs={"list": "queue-names", "autocomplete": "off"}),
        label=gettext_lazy("Queue name"),
        help_text=gettext_lazy("Exact and case-sensitive, as robots write it."),
    )
    min_batch_size = forms.IntegerField(
        min_value=1,
        max_value=INT_MAX,
        initial=1,
        label=gettext_lazy("Min batch size"),
        help_text=gettext_lazy("It starts when the queue holds at least this many New elements."),
    )

    def clean_queue_name(self) -> str:
        # Any text a robot may give its queue, only spaces included: it must match exactly.
        value = self.cleaned_data["queue_name"]
        if len(value) > 100:
            self.warnings.append(
                _(
                    "Queue names have at most 100 characters in the Queues table: no element "
                    "can ever match this name."
                )
            )
        return value


FORMS: dict[str, type[TriggerForm]] = {
    TriggerType.SINGLE: SingleTriggerForm,
    TriggerType.SCHEDULED: ScheduledTriggerForm,
    TriggerType.QUEUE: QueueTriggerForm,
}
KIND_SLUGS = {
    "single": TriggerType.SINGLE,
    "scheduled": TriggerType.SCHEDULED,
    "queue": TriggerType.QUEUE,
}


class ResumeForm(forms.Form):
    """Resume, optionally moving an overdue next run first."""

    KEEP, CRON, AT = "keep", "cron", "at"
    CHOICES = [
        (KEEP, gettext_lazy("Keep the next run (runs at once if it is overdue)")),
        (CRON, gettext_lazy("Move the next run to the next cron occurrence")),
        (AT, gettext_lazy("Move the next run to this time:")),
    ]
    choice = forms.ChoiceField(
        choices=CHOICES,
        widget=forms.RadioSelect,
        initial=KEEP,
    )
    at = LocalDateTimeField(required=False, label=gettext_lazy("Time"))

    def __init__(self, *args, trigger, now: datetime.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.trigger = trigger
        self.now = now
        if trigger.type != TriggerType.SCHEDULED:
            choice = cast(forms.ChoiceField, self.fields["choice"])
            choice.choices = [c for c in self.CHOICES if c[0] != self.CRON]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns (typed as optional)
        choice = data.get("choice")
        data["next_run"] = None
        if choice == self.AT:
            if not data.get("at"):
                self.add_error("at", _("Choose the time of the next run."))
            else:
                data["next_run"] = data["at"].replace(microsecond=0)
        elif choice == self.CRON:
            data["next_run"] = cron.next_run(self.trigger.child.cron_expr, self.now)
        return data


class ResetForm(forms.Form):
    expected_status = forms.ChoiceField(
        choices=[
            (s, s) for s in (TriggerStatus.RUNNING, TriggerStatus.PAUSING, TriggerStatus.KILLING)
        ],
        widget=forms.HiddenInput,
    )
    to_status = forms.ChoiceField(
        choices=[
            (TriggerStatus.FAILED, gettext_lazy("Failed: it stays off until someone resumes it")),
            (
                TriggerStatus.IDLE,
                gettext_lazy("Idle: Schedulers may start it again when it is due"),
            ),
        ],
        widget=forms.RadioSelect,
        initial=TriggerStatus.FAILED,
        label=gettext_lazy("Set the trigger to"),
    )
    understood = forms.BooleanField(
        label=gettext_lazy(
            "I checked that the process is not running any more on its Scheduler PC."
        )
    )
