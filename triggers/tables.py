from __future__ import annotations

import datetime

import django_tables2 as tables
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from logs.links import process_logs_url
from logs.tables import FIRST_LINE_CHARS, level_badge
from orchestrator_site import rowactions
from orchestrator_site.display import datetime_text, duration_text
from orchestrator_site.errorline import summary_line
from orchestrator_site.htmltext import format_html
from orchestrator_site.reversing import id_url, name_url
from orchestrator_site.tables import ConsoleTable, TimeColumn
from orchestrator_site.templatetags.console_format import name_label
from triggers import capabilities
from triggers.models import Job, Scheduler, Trigger, TriggerStatus, TriggerType
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
    label = TriggerStatus(status).label if status in TriggerStatus.values else status
    return format_html(
        '<span class="badge badge-{}"><span aria-hidden="true">{}</span> {}</span>',
        status,
        STATUS_ICONS.get(status, "?"),
        label,
    )


class ActionButtons:
    """The buttons a user may use on a trigger now, for the list's rows and the detail page.

    Built in Python with orchestrator_site.rowactions (the page includes its form and icons once),
    the way back and the permissions looked up once per page: 50 rows carried 96 KB of buttons
    when each had its own form, CSRF token and icon paths (bench/cpu_profile.py --page triggers).
    """

    def __init__(self, request, now: datetime.datetime):
        self.request = request
        self.now = now

    @cached_property
    def _back(self) -> str:
        """The resume page's way back (a link: the POST buttons' `next` is in the shared form)."""
        return urlencode({"next": self.request.get_full_path()})

    @cached_property
    def _kill_supported(self) -> bool:
        return capabilities.kill_supported()

    @cached_property
    def _may(self) -> tuple[bool, bool, bool]:
        user = self.request.user
        return (
            user.has_perm("triggers.operate_trigger"),
            user.has_perm("triggers.change_trigger"),
            user.has_perm("triggers.delete_trigger"),
        )

    def __call__(self, record: Trigger) -> SafeString:
        t, name = record, name_label(record.trigger_name)
        operate, change, delete = self._may
        buttons = self._operate_buttons(t) if operate else []
        if change:
            buttons.append(
                rowactions.link(id_url("triggers:edit", t.pk), f"Edit {name}", icon_name="edit")
            )
        if delete and not t.is_active:
            buttons.append(
                rowactions.link(
                    id_url("triggers:delete", t.pk), f"Delete {name}", icon_name="delete"
                )
            )
        return rowactions.actions(buttons)

    def _operate_buttons(self, t: Trigger) -> list[SafeString]:
        """An operator's buttons, in order: pause or resume, run now, kill, reset stale."""
        name = name_label(t.trigger_name)
        buttons = []
        if t.can_pause:
            buttons.append(self._pause_button(t))
        if t.can_resume:
            buttons.append(self._resume_button(t))
        if t.can_run_now:
            buttons.append(
                rowactions.post(
                    id_url("triggers:run", t.pk),
                    f"Run {name} now",
                    icon_name="run",
                    confirm=f"Run {name} now? A Scheduler starts it at its next loop.",
                )
            )
        elif t.type == TriggerType.QUEUE:
            buttons.append(
                rowactions.disabled(
                    "Queue triggers start when their queue holds enough NEW elements; they cannot "
                    "be run on demand.",
                    icon_name="run",
                )
            )
        if t.can_kill and self._kill_supported:
            buttons.append(
                rowactions.post(
                    id_url("triggers:kill", t.pk),
                    f"Kill {name}",
                    icon_name="kill",
                    kind="danger",
                    confirm=f"Kill the running process of {name}? Its Scheduler stops it at "
                    "its next loop.",
                )
            )
        if t.is_active:
            buttons.append(
                rowactions.link(id_url("triggers:reset", t.pk), f"Reset {name}", icon_name="reset")
            )
        return buttons

    def _pause_button(self, t: Trigger) -> SafeString:
        """Pausing a running trigger asks first: its process goes on, but it won't start again."""
        name = name_label(t.trigger_name)
        confirm = (
            f"Pause {name}? The running process finishes, and the trigger will not start "
            "again until resumed."
            if t.process_status == TriggerStatus.RUNNING
            else ""
        )
        return rowactions.post(
            id_url("triggers:pause", t.pk), f"Pause {name}", icon_name="pause", confirm=confirm
        )

    def _resume_button(self, t: Trigger) -> SafeString:
        """An overdue trigger resumes through a page that asks when it should run; others at once."""
        name = name_label(t.trigger_name)
        if t.next_run and t.next_run <= self.now:
            url = f"{id_url('triggers:resume', t.pk)}?{self._back}"
            return rowactions.link(
                url,
                f"Resume {name}",
                icon_name="resume",
                title="Resume (overdue: choose when it runs)",
            )
        return rowactions.post(
            id_url("triggers:resume", t.pk), f"Resume {name}", icon_name="resume"
        )


class TriggerTable(ConsoleTable):
    process_status = tables.Column(verbose_name="Status")
    trigger_name = tables.Column(verbose_name="Name", empty_values=())
    type = tables.Column()
    process_name = tables.Column(verbose_name="Process")
    last_run = TimeColumn(verbose_name="Last run")
    next_run_at = tables.Column(verbose_name="Next run", empty_values=())
    priority = tables.Column()
    scheduler_whitelist = tables.Column(verbose_name="Whitelist", orderable=False)
    flags = tables.Column(verbose_name="Flags", empty_values=(), orderable=False)
    actions = tables.Column(accessor="pk", orderable=False, verbose_name="Actions", empty_values=())

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
        attrs = {"class": "table"}
        empty_text = "No triggers match."

    def __init__(self, *args, now: datetime.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    @cached_property
    def _buttons(self) -> ActionButtons:
        return ActionButtons(self.request, self.now)

    def render_actions(self, record: Trigger) -> SafeString:
        return self._buttons(record)

    def render_trigger_name(self, record: Trigger) -> str:
        """The detail link, made here: linkify took django-tables2's generic per-cell path."""
        return format_html(
            '<a href="{}">{}</a>', record.get_absolute_url(), name_label(record.trigger_name)
        )

    def render_process_status(self, record: Trigger) -> str:
        return status_badge(record.process_status)

    def render_type(self, record: Trigger) -> str:
        if record.type == "QUEUE":
            return format_html(
                "Queue<br><span class='muted'>{} ≥ {}</span>",
                record.queue.queue_name,
                record.queue.min_batch_size,
            )
        if record.type == "SCHEDULED":
            return format_html("Scheduled<br><code>{}</code>", record.scheduled.cron_expr)
        return "Single"

    def render_next_run_at(self, record: Trigger) -> str:
        value = record.next_run
        if value is None:
            return mark_safe('<span class="muted">on queue</span>')  # noqa: S308
        overdue = record.is_overdue(self.now) and record.process_status in (
            TriggerStatus.IDLE,
            TriggerStatus.PAUSED,
            TriggerStatus.FAILED,
            TriggerStatus.KILLED,
        )
        badge = ' <span class="badge badge-overdue">overdue</span>' if overdue else ""
        shown = datetime_text(value)
        return format_html('<span class="nowrap">{}</span>{}', shown, mark_safe(badge))  # noqa: S308

    def render_scheduler_whitelist(self, value: list[str]) -> str:
        return ", ".join(value) if value else mark_safe('<span class="muted">any</span>')  # noqa: S308

    def render_flags(self, record: Trigger) -> str:
        flags = []
        if record.is_blocking:
            flags.append(mark_safe('<span class="badge badge-muted">blocking</span>'))  # noqa: S308
        if record.is_git_repo:
            branch = f" {record.git_branch}" if record.git_branch else ""
            flags.append(format_html('<span class="badge badge-info">git{}</span>', branch))
        return format_html(" ".join(["{}"] * len(flags)), *flags) if flags else ""


class SchedulerTable(ConsoleTable):
    machine_name = tables.Column(verbose_name="Machine")
    state = tables.Column(verbose_name="Status", empty_values=(), orderable=False)
    last_update = TimeColumn(verbose_name="Last ping")
    age = tables.Column(verbose_name="Age", empty_values=(), orderable=False)
    latest_trigger = tables.Column(verbose_name="Latest trigger")
    latest_trigger_time = TimeColumn(verbose_name="Started")
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
        empty_text = "No Scheduler has pinged this database yet."

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
            f"Forget {shown}",
            text="✕ Forget",
            confirm=f"Forget {shown}? If it is still running, its next ping lists it again.",
        )
        return rowactions.actions([forget])

    def render_state(self, record: Scheduler) -> str:
        state = record.state(self.now)
        return format_html('<span class="badge badge-{}">{}</span>', state, state.capitalize())

    def render_age(self, record: Scheduler) -> str:
        return duration_text(record.age_seconds(self.now))

    def render_latest_trigger(self, value: str) -> str:
        url = reverse("triggers:list") + "?" + urlencode({"q": value})
        return format_html('<a href="{}">{}</a>', url, value)


def job_duration_text(job: Job, now) -> str:
    """How long the job ran, or has run so far."""
    text = duration_text(max(0.0, ((job.end_time or now) - job.start_time).total_seconds()))
    return text if job.end_time else f"{text} so far"


def error_link(log) -> SafeString:
    """The line of an error log that says what went wrong, linking to the whole message."""
    line = summary_line(log.log_message)
    shown = line if len(line) <= FIRST_LINE_CHARS else line[:FIRST_LINE_CHARS] + "…"
    return format_html(
        '<a class="msgcell" href="{}" title="The whole message">{}</a>',
        id_url("logs:detail", log.pk),
        shown,
    )


class JobTable(ConsoleTable):
    start_time = TimeColumn(verbose_name="Started")
    end_time = TimeColumn(verbose_name="Ended")
    duration = tables.Column(accessor="pk", verbose_name="Duration", orderable=False)
    process_name = tables.Column(verbose_name="Process", empty_values=())
    scheduler_name = tables.Column(verbose_name="Scheduler")
    status = tables.Column(verbose_name="Status")
    failure = tables.Column(
        accessor="pk", verbose_name="Why it failed", orderable=False, empty_values=()
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
        empty_text = "No jobs match."

    def __init__(self, *args, now, states: dict[str, str] | None = None, **kwargs):
        self.now = now
        self.states = states or {}
        self.failures: dict = {}  # job id -> its newest ERROR log (triggers.queries.failure_logs)
        super().__init__(*args, **kwargs)

    def render_failure(self, record: Job):
        log = self.failures.get(record.pk)
        if log is None:
            return ""
        return error_link(log)

    def render_duration(self, record: Job):
        return job_duration_text(record, self.now)

    def render_process_name(self, record: Job):
        return format_html(
            '<a href="{}">{}</a>',
            process_logs_url(record.process_name, record.start_time, record.end_time),
            name_label(record.process_name),
        )

    def render_status(self, record: Job):
        badge = level_badge(record.status, record.get_status_display())
        if is_stale(record, self.states):
            return format_html(
                '{} <span class="badge badge-stale" title="Its Scheduler stopped pinging">stale</span>',
                badge,
            )
        return badge

    def render_id(self, record: Job):
        return format_html('<a href="{}">job</a>', id_url("triggers:job", record.pk))
