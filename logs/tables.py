"""Tables of the logs pages. Only the columns marked orderable may be sorted."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.safestring import SafeString
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from logs.links import logs_around_url, process_logs_url
from logs.models import Log, LogLevel
from logs.queries import RECENT_ERRORS, ProcessSummary
from orchestrator_site import display
from orchestrator_site.errorline import summary_line
from orchestrator_site.htmltext import escaped, format_html
from orchestrator_site.reversing import id_url
from orchestrator_site.tables import ConsoleTable, TimeColumn
from orchestrator_site.templatetags.console_format import name_label

FIRST_LINE_CHARS = 200


def level_badge(value: str, label: str):
    return format_html('<span class="badge badge-{}">{}</span>', value, label)


def message_cell(message: str):
    """The line that says what went wrong (errorline.summary_line: for OpenOrchestrator's generic
    error, the exception line) as text; the whole message (escaped) behind <details> when there is
    more."""
    line = summary_line(message)
    if len(line) <= FIRST_LINE_CHARS and line == message:
        return format_html('<span class="msgcell">{}</span>', message)
    shown = line if len(line) <= FIRST_LINE_CHARS else line[:FIRST_LINE_CHARS] + "…"
    return format_html(
        '<details class="msgcell"><summary>{}</summary><pre>{}</pre></details>', shown, message
    )


def process_link(process_name: str):
    """The process's name (or a stand-in for a blank one) linking to its logs."""
    return format_html(
        '<a href="{}">{}</a>', process_logs_url(process_name), name_label(process_name)
    )


class OverviewTable(ConsoleTable):
    region_label = gettext_lazy("Processes")
    process_name = tables.Column(
        verbose_name=gettext_lazy("Process"), orderable=False, empty_values=()
    )
    last_log = TimeColumn(verbose_name=gettext_lazy("Last log"), orderable=False)
    trace = tables.Column(
        verbose_name=LogLevel.TRACE.label, orderable=False, attrs={"td": {"class": "nowrap"}}
    )
    info = tables.Column(verbose_name=LogLevel.INFO.label, orderable=False)
    error = tables.Column(verbose_name=LogLevel.ERROR.label, orderable=False)
    recent_errors = tables.Column(
        verbose_name=format_lazy(
            gettext_lazy("Errors ({window})"), window=display.duration_text(RECENT_ERRORS)
        ),
        orderable=False,
    )

    class Meta:
        attrs = {"class": "table"}
        empty_text = gettext_lazy("No logs match.")

    def render_process_name(self, record: ProcessSummary):
        return process_link(record.process_name)

    def render_recent_errors(self, value: int):
        if not value:
            return "0"
        return format_html('<span class="badge badge-ERROR">{}</span>', f"{value:,}")

    def value_recent_errors(self, value: int):
        return value


class LogTable(ConsoleTable):
    region_label = gettext_lazy("Logs")
    select = tables.CheckBoxColumn(
        accessor="pk",
        orderable=False,
        attrs={
            "th__input": {
                "data-select-all": "ids",
                "aria-label": gettext_lazy("Select every log shown"),
            }
        },
    )
    log_time = TimeColumn(verbose_name=gettext_lazy("Time"))
    # Only time is sortable: it is the one order an index serves (level sorts 300k rows per page).
    log_level = tables.Column(verbose_name=gettext_lazy("Level"), orderable=False)
    log_message = tables.Column(verbose_name=gettext_lazy("Message"), orderable=False)
    job_id = tables.Column(verbose_name=gettext_lazy("Job"), orderable=False)
    links = tables.Column(accessor="pk", verbose_name="", orderable=False, empty_values=())

    class Meta:
        model = Log
        fields = ("select", "log_time", "log_level", "log_message", "job_id", "links")
        order_by = ("-log_time",)
        attrs = {"class": "table"}
        empty_text = gettext_lazy("No logs match.")
        row_attrs = {
            "class": lambda table, record: "highlight" if record.pk == table.highlight else None,
            "id": lambda table, record: "this-log" if record.pk == table.highlight else None,
        }

    def __init__(self, *args, highlight=None, **kwargs):
        self.highlight = highlight
        # The words of every row, translated once per page (the request's language), not per row.
        self._levels = {value: str(label) for value, label in LogLevel.choices}
        self._select_label = gettext("Select the log of %(time)s (%(level)s)")
        self._details, self._around = gettext("details"), gettext("around")
        super().__init__(*args, **kwargs)

    def level_label(self, record: Log) -> str:
        return self._levels.get(record.log_level, record.log_level)

    def render_select(self, record: Log):
        # A screen reader names the row it selects: its time and level, as the row shows them.
        label = self._select_label % {
            "time": display.datetime_text(record.log_time),
            "level": self.level_label(record),
        }
        return SafeString(
            f'<input type="checkbox" name="ids" value="{escaped(record.pk)}" '
            f'aria-label="{escaped(label)}">'
        )

    def render_log_level(self, record: Log):
        return level_badge(record.log_level, self.level_label(record))

    def render_log_message(self, value: str):
        return message_cell(value)

    def render_job_id(self, value):
        text = escaped(value)
        return SafeString(
            f'<a href="{id_url("triggers:job", value)}" title="{text}">{text[:8]}</a>'
        )

    def render_links(self, record: Log):
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            id_url("logs:detail", record.pk),
            self._details,
            logs_around_url(record),
            self._around,
        )


class SearchTable(LogTable):
    """Logs of every process, newest first (the one order the search reads cheaply)."""

    process_name = tables.Column(
        verbose_name=gettext_lazy("Process"), orderable=False, empty_values=()
    )

    class Meta(LogTable.Meta):
        fields = ("log_time", "log_level", "process_name", "log_message", "job_id", "links")
        sequence = ("log_time", "log_level", "process_name", "log_message", "job_id", "links")
        exclude = ("select",)
        orderable = False
        empty_text = gettext_lazy("No logs match in this range.")

    def render_process_name(self, record: Log):
        return process_link(record.process_name)
