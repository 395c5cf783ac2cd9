"""Tables of the logs and jobs pages. Only the columns marked orderable may be sorted."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html

from logs.links import logs_around_url, process_logs_url
from logs.models import Log
from logs.queries import ProcessSummary, is_stale
from orchestrator_site import display
from orchestrator_site.reversing import id_url
from orchestrator_site.tables import ConsoleTable, TimeColumn
from orchestrator_site.templatetags.console_format import name_label
from triggers.models import Job

FIRST_LINE_CHARS = 200


def level_badge(value: str, label: str):
    return format_html('<span class="badge badge-{}">{}</span>', value, label)


def message_cell(message: str):
    """First line as text; the whole message (escaped) behind <details> when there is more."""
    first = message.split("\n", 1)[0]
    if len(first) <= FIRST_LINE_CHARS and first == message:
        return format_html('<span class="msgcell">{}</span>', message)
    shown = first if len(first) <= FIRST_LINE_CHARS else first[:FIRST_LINE_CHARS] + "…"
    return format_html(
        '<details class="msgcell"><summary>{}</summary><pre>{}</pre></details>', shown, message
    )


def job_duration_text(job: Job, now) -> str:
    """How long the job ran, or has run so far."""
    text = display.duration_text(max(0.0, ((job.end_time or now) - job.start_time).total_seconds()))
    return text if job.end_time else f"{text} so far"


class OverviewTable(ConsoleTable):
    process_name = tables.Column(verbose_name="Process", orderable=False, empty_values=())
    last_log = TimeColumn(verbose_name="Last log", orderable=False)
    trace = tables.Column(verbose_name="Trace", orderable=False, attrs={"td": {"class": "nowrap"}})
    info = tables.Column(verbose_name="Info", orderable=False)
    error = tables.Column(verbose_name="Error", orderable=False)
    recent_errors = tables.Column(verbose_name="Errors (48 h)", orderable=False)

    class Meta:
        attrs = {"class": "table"}
        empty_text = "No logs match."

    def render_process_name(self, record: ProcessSummary):
        return format_html(
            '<a href="{}">{}</a>',
            process_logs_url(record.process_name),
            name_label(record.process_name),
        )

    def render_recent_errors(self, value: int):
        if not value:
            return "0"
        return format_html('<span class="badge badge-ERROR">{}</span>', f"{value:,}")

    def value_recent_errors(self, value: int):
        return value


class LogTable(ConsoleTable):
    select = tables.CheckBoxColumn(
        accessor="pk",
        orderable=False,
        attrs={"th__input": {"data-select-all": "ids", "aria-label": "Select every log shown"}},
    )
    log_time = TimeColumn(verbose_name="Time")
    # Only time is sortable: it is the one order an index serves (level sorts 300k rows per page).
    log_level = tables.Column(verbose_name="Level", orderable=False)
    log_message = tables.Column(verbose_name="Message", orderable=False)
    job_id = tables.Column(verbose_name="Job", orderable=False)
    links = tables.Column(accessor="pk", verbose_name="", orderable=False, empty_values=())

    class Meta:
        model = Log
        fields = ("select", "log_time", "log_level", "log_message", "job_id", "links")
        order_by = ("-log_time",)
        attrs = {"class": "table"}
        empty_text = "No logs match."
        row_attrs = {
            "class": lambda table, record: "highlight" if record.pk == table.highlight else None,
            "id": lambda table, record: "this-log" if record.pk == table.highlight else None,
        }

    def __init__(self, *args, highlight=None, **kwargs):
        self.highlight = highlight
        super().__init__(*args, **kwargs)

    def render_select(self, record: Log):
        # A screen reader names the row it selects: its time and level, as the row shows them.
        return format_html(
            '<input type="checkbox" name="ids" value="{}" aria-label="Select the log of {} ({})">',
            record.pk,
            display.datetime_text(record.log_time),
            record.get_log_level_display(),
        )

    def render_log_level(self, record: Log):
        return level_badge(record.log_level, record.get_log_level_display())

    def render_log_message(self, value: str):
        return message_cell(value)

    def render_job_id(self, value):
        return format_html(
            '<a href="{}" title="{}">{}</a>',
            id_url("logs:job", value),
            value,
            str(value)[:8],
        )

    def render_links(self, record: Log):
        return format_html(
            '<a href="{}">details</a> · <a href="{}">around</a>',
            id_url("logs:detail", record.pk),
            logs_around_url(record),
        )


class JobTable(ConsoleTable):
    start_time = TimeColumn(verbose_name="Started")
    end_time = TimeColumn(verbose_name="Ended")
    duration = tables.Column(accessor="pk", verbose_name="Duration", orderable=False)
    process_name = tables.Column(verbose_name="Process", empty_values=())
    scheduler_name = tables.Column(verbose_name="Scheduler")
    status = tables.Column(verbose_name="Status")
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
            "id",
        )
        order_by = ("-start_time",)
        attrs = {"class": "table"}
        empty_text = "No jobs match."

    def __init__(self, *args, now, states: dict[str, str] | None = None, **kwargs):
        self.now = now
        self.states = states or {}
        super().__init__(*args, **kwargs)

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
        return format_html('<a href="{}">job</a>', id_url("logs:job", record.pk))
