from __future__ import annotations

import datetime
import uuid

import django_tables2 as tables
from django.db import DatabaseError
from django.urls import get_script_prefix, reverse
from django.utils.functional import Promise, cached_property
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from logs.links import process_logs_url
from logs.tables import FIRST_LINE_CHARS, level_badge
from orchestrator_site import rowactions
from orchestrator_site.display import datetime_text, duration_text, status_label
from orchestrator_site.errorline import summary_line
from orchestrator_site.htmltext import escaped, format_html
from orchestrator_site.reversing import id_url, name_url
from orchestrator_site.tables import ConsoleTable, TimeColumn
from orchestrator_site.templatetags.console_format import name_label
from triggers import capabilities
from triggers.liveness import nobody_to_run, online_machines
from triggers.models import Job, JobStatus, Scheduler, Trigger, TriggerStatus, TriggerType
from triggers.queries import is_stale

STATUS_ICONS: dict[str, str] = {
    TriggerStatus.IDLE: "●",
    TriggerStatus.RUNNING: "▶",
    TriggerStatus.FAILED: "✖",
    TriggerStatus.DONE: "✔",
    TriggerStatus.PAUSED: "‖",
    TriggerStatus.PAUSING: "‖",
    TriggerStatus.KILLING: "□",
    TriggerStatus.KILLED: "■",
}


def status_badge(status: str) -> str:
    label = status_label(status)
    return format_html(
        '<span class="badge badge-{}"><span aria-hidden="true">{}</span> {}</span>',
        status,
        STATUS_ICONS.get(status, "?"),
        label,
    )


def row_id(trigger: Trigger) -> str:
    """The anchor of a trigger's row on the list (its name link): where an action sends the
    person back to."""
    return f"trigger-{trigger.pk}"


# Why a button is disabled, by the trigger's status: a row keeps every button in its place.
_NO_PAUSE: dict[str, Promise] = {
    TriggerStatus.PAUSED: _("Already paused."),
    TriggerStatus.PAUSING: _("Already pausing."),
    TriggerStatus.KILLING: _("Being killed."),
}
_NO_RESUME: dict[str, Promise] = {
    TriggerStatus.IDLE: _("Not paused."),
    TriggerStatus.RUNNING: _("Running, not paused."),
    TriggerStatus.PAUSING: _("Still pausing."),
    TriggerStatus.KILLING: _("Being killed."),
}
_NOT_RUNNING = _("Not running.")
_RUN_QUEUE = _("A queue trigger starts when its queue fills; it cannot be run on demand.")
_RUN_ACTIVE = _("Already running.")
_KILL_UNSUPPORTED = _("This database cannot store KILLING.")
_RESET_IDLE = _("Nothing to reset.")
_DELETE_ACTIVE = _("Running: stop it first.")


# Marks for a row's id and (escaped) name in the buttons built once per kind of row: a UUID no
# trigger has in practice, and a text no escaped name or translation contains (a NUL).
_PK_MARK = uuid.UUID("d1d1d1d1-0000-4000-8000-00000000d1d1")
_PK_TEXT = str(_PK_MARK)
_NAME_MARK = "\x00name\x00"
_WHEN_MARK = "\x00when\x00"
_BACK_MARK = "\x00back\x00"
# A row's buttons built with those marks, by the page's kind and the row's (see ActionButtons).
_BUILT: dict[tuple, str] = {}
_BUILT_MAX = 512


class _Words:
    """The buttons' words in the page's language, translated once per page (not per row). The
    templates that carry a name are escaped here: the name goes in already escaped."""

    def __init__(self) -> None:
        self.pause, self.resume, self.run = gettext("Pause"), gettext("Resume"), gettext("Run now")
        self.kill, self.reset = gettext("Kill"), gettext("Reset")
        self.edit, self.delete = gettext("Edit"), gettext("Delete")
        self.resume_overdue = gettext("Resume (overdue: choose when it runs)")
        self.at_next_loop = escaped(gettext("A Scheduler starts it at its next loop."))
        self.pause_name = escaped(gettext("Pause %(name)s"))
        self.resume_name = escaped(gettext("Resume %(name)s"))
        self.run_name = escaped(gettext("Run now %(name)s"))
        self.kill_name = escaped(gettext("Kill %(name)s"))
        self.reset_name = escaped(gettext("Reset %(name)s"))
        self.edit_name = escaped(gettext("Edit %(name)s"))
        self.delete_name = escaped(gettext("Delete %(name)s"))
        self.confirm_pause = escaped(
            gettext(
                "Pause %(name)s? The running process finishes, and the trigger will not start "
                "again until resumed."
            )
        )
        self.confirm_run = escaped(gettext("Run %(name)s now? %(when)s"))
        self.confirm_kill = escaped(
            gettext(
                "Kill the running process of %(name)s? Its Scheduler stops it at its next loop."
            )
        )

    @staticmethod
    def named(template: str, name: str, **more: str) -> SafeString:
        """An escaped template filled with the escaped name (and other escaped texts)."""
        return SafeString(template % {"name": name, **more})


class ActionButtons:
    """The trigger buttons, for the list's rows and the detail page: each with its word, in one
    place on every row (Pause, Resume, Run now, Kill, Reset, Edit, then Delete set apart), disabled
    with the reason where the trigger's status does not allow it. A person sees the buttons of the
    permissions they hold.

    Built in Python with orchestrator_site.rowactions (the page includes its form and icons once),
    the way back and the permissions looked up once per page: 50 rows carried 96 KB of buttons
    when each had its own form, CSRF token and icon paths (bench/cpu_profile.py --page triggers).
    """

    # `name` below is the trigger's name already escaped (as conditional_escape would), once per
    # row rather than once per button: every text that carries it is a SafeString built from it.

    def __init__(self, request, now: datetime.datetime):
        self.request = request
        self.now = now

    @cached_property
    def _back(self) -> str:
        """The way back of the pages that ask more (a link: the POST buttons' `next` is in the
        shared form)."""
        return urlencode({"next": self.request.get_full_path()})

    @cached_property
    def _kill_supported(self) -> bool:
        return capabilities.kill_supported()

    @cached_property
    def _online(self) -> frozenset[str] | None:
        """Asked once per page, and only when a Run now button is shown; None when the Schedulers
        cannot be read (then Run now warns of nothing, as the header shows no summary)."""
        try:
            return online_machines(self.now)
        except DatabaseError:
            return None

    @cached_property
    def _w(self) -> _Words:
        return _Words()

    @cached_property
    def _may(self) -> tuple[bool, bool, bool]:
        user = self.request.user
        return (
            user.has_perm("triggers.operate_trigger"),
            user.has_perm("triggers.change_trigger"),
            user.has_perm("triggers.delete_trigger"),
        )

    def __call__(self, record: Trigger) -> SafeString:
        """The row's buttons. Built once per kind of row (its status, type and whether it is
        overdue) and kind of page, and kept per process, with marks for its id, name, who may run
        it and the way back, which are filled in per row: building seven buttons per row took half
        the list's table, and a dozen kinds per page still a quarter."""
        queue = record.type == TriggerType.QUEUE
        overdue = record.can_resume and self._overdue(record)
        shape = (*self._page_kind, record.process_status, queue, overdue)
        html = _BUILT.get(shape)
        if html is None:
            if len(_BUILT) >= _BUILT_MAX:
                _BUILT.clear()
            html = _BUILT[shape] = self._build(record, overdue, _WHEN_MARK)
        name = escaped(name_label(record.trigger_name))
        html = html.replace(_PK_TEXT, str(record.pk)).replace(_NAME_MARK, name)
        if _BACK_MARK in html:  # the way back of Resume (overdue) and Reset
            html = html.replace(_BACK_MARK, escaped(self._back))
        if _WHEN_MARK in html:  # Run now's question: who may run it
            nobody = self._nobody(record)
            html = html.replace(_WHEN_MARK, escaped(nobody) if nobody else self._w.at_next_loop)
        return SafeString(html)

    @cached_property
    def _page_kind(self) -> tuple:
        """What a row's buttons depend on besides the row: the language and what the person
        may do. The built rows are kept per process (_BUILT), as the translations are."""
        return (get_language(), get_script_prefix(), *self._may, self._kill_supported)

    def _overdue(self, t: Trigger) -> bool:
        return bool(t.next_run and t.next_run <= self.now)

    def _nobody(self, t: Trigger) -> str:
        """Why no online Scheduler may run it now ("" when one may, or when it cannot be run)."""
        if not self._may[0] or t.type == TriggerType.QUEUE or not t.can_run_now:
            return ""
        online = self._online
        if online is None:
            return ""
        key = tuple(t.scheduler_whitelist or ())
        if key not in self._nobody_by_whitelist:  # rows share a few whitelists
            self._nobody_by_whitelist[key] = nobody_to_run(t, online)
        return self._nobody_by_whitelist[key]

    @cached_property
    def _nobody_by_whitelist(self) -> dict[tuple, str]:
        return {}

    def _build(self, record: Trigger, overdue: bool, nobody: str) -> str:
        """The buttons of a row like `record`, with _PK_MARK for its id, _NAME_MARK for its
        (escaped) name and `nobody` for why no Scheduler may run it."""
        t = Trigger(id=_PK_MARK, type=record.type, process_status=record.process_status)
        name, w = _NAME_MARK, self._w
        operate, change, delete = self._may
        buttons = self._operate_buttons(t, name, overdue, nobody) if operate else []
        if change:
            buttons.append(
                rowactions.link(
                    id_url("triggers:edit", t.pk),
                    w.named(w.edit_name, name),
                    icon_name="edit",
                    text=w.edit,
                )
            )
        if delete:
            if t.is_active:
                buttons.append(
                    rowactions.disabled(
                        str(_DELETE_ACTIVE), icon_name="delete", text=w.delete, apart=True
                    )
                )
            else:
                buttons.append(
                    rowactions.link(
                        id_url("triggers:delete", t.pk),
                        w.named(w.delete_name, name),
                        icon_name="delete",
                        text=w.delete,
                        apart=True,
                    )
                )
        return str(rowactions.actions(buttons))

    def _operate_buttons(
        self, t: Trigger, name: str, overdue: bool, nobody: str
    ) -> list[SafeString]:
        """An operator's buttons, in order: pause, resume, run now, kill, reset."""
        status, w = t.process_status, self._w
        return [
            self._pause_button(t, name)
            if t.can_pause
            else rowactions.disabled(str(_NO_PAUSE[status]), icon_name="pause", text=w.pause),
            self._resume_button(t, name, overdue)
            if t.can_resume
            else rowactions.disabled(str(_NO_RESUME[status]), icon_name="resume", text=w.resume),
            self._run_button(t, name, nobody),
            self._kill_button(t, name),
            rowactions.link(
                f"{id_url('triggers:reset', t.pk)}?{_BACK_MARK}",
                w.named(w.reset_name, name),
                icon_name="reset",
                text=w.reset,
            )
            if t.is_active
            else rowactions.disabled(str(_RESET_IDLE), icon_name="reset", text=w.reset),
        ]

    def _pause_button(self, t: Trigger, name: str) -> SafeString:
        """Pausing a running trigger asks first: its process goes on, but it won't start again."""
        w = self._w
        confirm = (
            w.named(w.confirm_pause, name) if t.process_status == TriggerStatus.RUNNING else ""
        )
        return rowactions.post(
            id_url("triggers:pause", t.pk),
            w.named(w.pause_name, name),
            icon_name="pause",
            text=w.pause,
            confirm=confirm,
        )

    def _resume_button(self, t: Trigger, name: str, overdue: bool) -> SafeString:
        """An overdue trigger resumes through a page that asks when it should run; others at once."""
        w = self._w
        if overdue:
            url = f"{id_url('triggers:resume', t.pk)}?{_BACK_MARK}"
            return rowactions.link(
                url,
                w.named(w.resume_name, name),
                icon_name="resume",
                text=w.resume,
                title=w.resume_overdue,
            )
        return rowactions.post(
            id_url("triggers:resume", t.pk),
            w.named(w.resume_name, name),
            icon_name="resume",
            text=w.resume,
        )

    def _run_button(self, t: Trigger, name: str, nobody: str) -> SafeString:
        """Run now asks first, and says so when no Scheduler that may run it is online."""
        w = self._w
        if t.type == TriggerType.QUEUE:
            return rowactions.disabled(str(_RUN_QUEUE), icon_name="run", text=w.run)
        if not t.can_run_now:
            return rowactions.disabled(str(_RUN_ACTIVE), icon_name="run", text=w.run)
        return rowactions.post(
            id_url("triggers:run", t.pk),
            w.named(w.run_name, name),
            icon_name="run",
            text=w.run,
            confirm=w.named(
                w.confirm_run, name, when=escaped(nobody) if nobody else w.at_next_loop
            ),
        )

    def _kill_button(self, t: Trigger, name: str) -> SafeString:
        w = self._w
        if not t.can_kill:
            return rowactions.disabled(str(_NOT_RUNNING), icon_name="kill", text=w.kill)
        if not self._kill_supported:
            return rowactions.disabled(str(_KILL_UNSUPPORTED), icon_name="kill", text=w.kill)
        return rowactions.post(
            id_url("triggers:kill", t.pk),
            w.named(w.kill_name, name),
            icon_name="kill",
            text=w.kill,
            kind="danger",
            confirm=w.named(w.confirm_kill, name),
        )


class TriggerTable(ConsoleTable):
    region_label = _("Triggers")
    process_status = tables.Column(verbose_name=_("Status"))
    trigger_name = tables.Column(verbose_name=_("Name"), empty_values=())
    type = tables.Column(verbose_name=pgettext_lazy("trigger", "Type"))
    process_name = tables.Column(verbose_name=_("Process"))
    last_run = TimeColumn(verbose_name=_("Last run"))
    next_run_at = tables.Column(verbose_name=_("Next run"), empty_values=())
    priority = tables.Column(verbose_name=_("Priority"))
    scheduler_whitelist = tables.Column(verbose_name=_("Whitelist"), orderable=False)
    flags = tables.Column(verbose_name=_("Flags"), empty_values=(), orderable=False)
    actions = tables.Column(
        accessor="pk", orderable=False, verbose_name=_("Actions"), empty_values=()
    )

    class Meta:
        model = Trigger
        fields = ()
        sequence = (
            "process_status",
            "trigger_name",
            "type",
            "process_name",
            "last_run",
            "next_run_at",
            "priority",
            "scheduler_whitelist",
            "flags",
            "actions",
        )
        order_by = ("trigger_name",)
        attrs = {"class": "table triggers"}  # console.css lays its buttons out in a grid
        empty_text = _("No triggers match.")

    def __init__(self, *args, now: datetime.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    @cached_property
    def _buttons(self) -> ActionButtons:
        return ActionButtons(self.request, self.now)

    @cached_property
    def _cells(self) -> dict[str, str]:
        """The cells' fixed words in the page's language, translated once per page, not per row."""
        return {
            "on_queue": format_html('<span class="muted">{}</span>', gettext("on queue")),
            "overdue": format_html(
                ' <span class="badge badge-overdue">{}</span>', gettext("overdue")
            ),
            "any": format_html('<span class="muted">{}</span>', gettext("any")),
            "blocking": format_html(
                '<span class="badge badge-muted">{}</span>', gettext("blocking")
            ),
            **{f"type:{value}": str(label) for value, label in TriggerType.choices},
        }

    @cached_property
    def _badges(self) -> dict[str, str]:
        """Each status's badge, built once per page (a page repeats the same few)."""
        return {}

    def render_actions(self, record: Trigger) -> SafeString:
        return self._buttons(record)

    def render_trigger_name(self, record: Trigger) -> str:
        """The detail link, made here: linkify took django-tables2's generic per-cell path. It is
        the row's anchor (row_id), where an action brings the person back; a row_attrs id on
        the <tr> cost django-tables2's attribute rendering per row."""
        return format_html(
            '<a id="{}" href="{}">{}</a>',
            row_id(record),
            record.get_absolute_url(),
            name_label(record.trigger_name),
        )

    def render_process_status(self, record: Trigger) -> str:
        status = record.process_status
        badge = self._badges.get(status)
        if badge is None:
            badge = self._badges[status] = status_badge(status)
        return badge

    def render_type(self, record: Trigger) -> str:
        label = self._cells.get(f"type:{record.type}", record.type)
        if record.type == "QUEUE":
            return format_html(
                "{}<br><span class='muted'>{} ≥ {}</span>",
                label,
                record.queue.queue_name,
                record.queue.min_batch_size,
            )
        if record.type == "SCHEDULED":
            return format_html("{}<br><code>{}</code>", label, record.scheduled.cron_expr)
        return label

    def render_next_run_at(self, record: Trigger) -> str:
        value = record.next_run
        if value is None:
            return self._cells["on_queue"]
        overdue = record.is_overdue(self.now) and record.process_status in (
            TriggerStatus.IDLE,
            TriggerStatus.PAUSED,
            TriggerStatus.FAILED,
            TriggerStatus.KILLED,
        )
        badge = self._cells["overdue"] if overdue else ""
        shown = datetime_text(value)
        return format_html('<span class="nowrap">{}</span>{}', shown, badge)

    def render_scheduler_whitelist(self, value: list[str]) -> str:
        if value:
            return ", ".join(value)
        return self._cells["any"]

    def render_flags(self, record: Trigger) -> str:
        flags = []
        if record.is_blocking:
            flags.append(self._cells["blocking"])
        if record.is_git_repo:
            branch = f" {record.git_branch}" if record.git_branch else ""
            flags.append(format_html('<span class="badge badge-info">git{}</span>', branch))
        return format_html(" ".join(["{}"] * len(flags)), *flags) if flags else ""


class SchedulerTable(ConsoleTable):
    region_label = _("Schedulers")
    machine_name = tables.Column(verbose_name=_("Machine"))
    state = tables.Column(verbose_name=_("Status"), empty_values=(), orderable=False)
    last_update = TimeColumn(verbose_name=_("Last ping"))
    age = tables.Column(verbose_name=_("Age"), empty_values=(), orderable=False)
    latest_trigger = tables.Column(verbose_name=_("Latest trigger"))
    latest_trigger_time = TimeColumn(verbose_name=_("Started"))
    actions = tables.Column(accessor="pk", orderable=False, verbose_name="", empty_values=())

    class Meta:
        model = Scheduler
        fields = ()
        sequence = (
            "machine_name",
            "state",
            "last_update",
            "age",
            "latest_trigger",
            "latest_trigger_time",
            "actions",
        )
        order_by = ("machine_name",)
        attrs = {"class": "table"}
        empty_text = _("No Scheduler has pinged this database yet.")

    def __init__(self, *args, now: datetime.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    @cached_property
    def _may_forget(self) -> bool:
        return self.request.user.has_perm("triggers.delete_scheduler")

    def render_actions(self, record: Scheduler) -> SafeString | str:
        if not self._may_forget:
            return ""
        name = record.machine_name
        shown = name_label(name)
        forget = rowactions.post(
            name_url("triggers:forget", name),
            gettext("Forget %(name)s") % {"name": shown},
            text=gettext("✕ Forget"),
            confirm=gettext(
                "Forget %(name)s? If it is still running, its next ping lists it again."
            )
            % {"name": shown},
        )
        return rowactions.actions([forget])

    def render_state(self, record: Scheduler) -> str:
        state = record.state(self.now)
        return format_html('<span class="badge badge-{}">{}</span>', state, status_label(state))

    def render_age(self, record: Scheduler) -> str:
        return duration_text(record.age_seconds(self.now))

    def render_latest_trigger(self, value: str) -> str:
        url = reverse("triggers:list") + "?" + urlencode({"q": value})
        return format_html('<a href="{}">{}</a>', url, value)


def job_duration_text(job: Job, now, words: dict[str, str] | None = None) -> str:
    """How long the job ran, or has run so far (`words`: display.time_words(), see duration_text)."""
    seconds = max(0.0, ((job.end_time or now) - job.start_time).total_seconds())
    text = duration_text(seconds, words)
    return text if job.end_time else gettext("%(duration)s so far") % {"duration": text}


def error_link(log, title: str = "") -> SafeString:
    """The line of an error log that says what went wrong, linking to the whole message (`title`:
    "The whole message" in the page's language, when the caller has it translated already)."""
    line = summary_line(log.log_message)
    shown = line if len(line) <= FIRST_LINE_CHARS else line[:FIRST_LINE_CHARS] + "…"
    return format_html(
        '<a class="msgcell" href="{}" title="{}">{}</a>',
        id_url("logs:detail", log.pk),
        title or gettext("The whole message"),
        shown,
    )


class JobTable(ConsoleTable):
    region_label = _("Jobs")
    start_time = TimeColumn(verbose_name=_("Started"))
    end_time = TimeColumn(verbose_name=_("Ended"))
    duration = tables.Column(accessor="pk", verbose_name=_("Duration"), orderable=False)
    process_name = tables.Column(verbose_name=_("Process"), empty_values=())
    scheduler_name = tables.Column(verbose_name=_("Scheduler"))
    status = tables.Column(verbose_name=_("Status"))
    failure = tables.Column(
        accessor="pk", verbose_name=_("Why it failed"), orderable=False, empty_values=()
    )
    id = tables.Column(verbose_name="", orderable=False)

    class Meta:
        model = Job
        fields = (
            "start_time",
            "end_time",
            "duration",
            "process_name",
            "scheduler_name",
            "status",
            "failure",
            "id",
        )
        order_by = ("-start_time",)
        attrs = {"class": "table"}
        empty_text = _("No jobs match.")

    def __init__(self, *args, now, states: dict[str, str] | None = None, **kwargs):
        self.now = now
        self.states = states or {}
        self.failures: dict = {}  # job id -> its newest ERROR log (triggers.queries.failure_logs)
        super().__init__(*args, **kwargs)

    @cached_property
    def _words(self) -> dict[str, str]:
        """The rows' fixed words in the page's language, translated once per page, not per row."""
        return {
            "whole": gettext("The whole message"),
            "stale": format_html(
                ' <span class="badge badge-stale" title="{}">{}</span>',
                gettext("Its Scheduler stopped pinging"),
                pgettext("a job whose Scheduler stopped pinging", "stale"),
            ),
            "job": pgettext("the link to a job's page", "job"),
            **{value: str(label) for value, label in JobStatus.choices},
        }

    def render_failure(self, record: Job):
        log = self.failures.get(record.pk)
        if log is None:
            return ""
        return error_link(log, self._words["whole"])

    def render_duration(self, record: Job):
        return job_duration_text(record, self.now, self.time_words)

    def render_process_name(self, record: Job):
        return format_html(
            '<a href="{}">{}</a>',
            process_logs_url(record.process_name, record.start_time, record.end_time),
            name_label(record.process_name),
        )

    def render_status(self, record: Job):
        words = self._words
        badge = level_badge(record.status, words.get(record.status, record.status))
        if is_stale(record, self.states):
            return format_html("{}{}", badge, words["stale"])
        return badge

    def render_id(self, record: Job):
        return format_html(
            '<a href="{}">{}</a>', id_url("triggers:job", record.pk), self._words["job"]
        )
