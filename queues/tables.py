from __future__ import annotations

import django_tables2 as tables
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from orchestrator_site.display import datetime_text, duration_text
from orchestrator_site.htmltext import format_html
from orchestrator_site.reversing import id_url, name_url
from orchestrator_site.tables import ConsoleTable, TimeColumn
from orchestrator_site.templatetags.console_format import name_label
from queues.models import QueueElement, QueueStatus

OVERVIEW_COUNTS = ("new", "in_progress", "done", "failed", "abandoned")


def queue_link(queue_name: str):
    """The queue's page, named by the queue; any name, "" and line breaks included."""
    return format_html(
        '<a href="{}">{}</a>', name_url("queues:elements", queue_name), name_label(queue_name)
    )


def element_link(element, reference: str | None):
    """The element's page, named by its reference (or the start of its id)."""
    return format_html(
        '<a href="{}">{}</a>',
        id_url("queues:element", element.pk),
        reference or str(element.pk)[:8],
    )


class SelectColumn(tables.Column):
    """A checkbox named `ids` per row, for the selection forms (retry/delete/acknowledge)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("accessor", "pk")
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("verbose_name", "")
        kwargs.setdefault("empty_values", ())
        super().__init__(**kwargs)

    def header(self):
        return mark_safe('<input type="checkbox" data-select-all="ids" aria-label="Select all">')  # noqa: S308

    def render(self, value, record):
        label = record.reference or str(value)
        return format_html(
            '<input type="checkbox" name="ids" value="{}" aria-label="Select {}">', value, label
        )


class StatusColumn(tables.Column):
    def render(self, value, record):
        return format_html(
            '<span class="badge badge-{}">{}</span>', record.status, record.get_status_display()
        )


class AcknowledgedMixin:
    """Rows show the acknowledgement the view looked up for the current page (`acks`)."""

    acks: dict = {}

    def render_acknowledged(self, record):
        ack = self.acks.get(record.pk)
        if ack is None:
            return "—"
        return format_html(
            '<span title="{}">{}, {}</span>',
            ack.comment,
            ack.acknowledged_by_name,
            datetime_text(ack.acknowledged_at),
        )


class ElementTable(AcknowledgedMixin, ConsoleTable):
    region_label = "Queue elements"
    select = SelectColumn()
    reference = tables.Column(empty_values=())
    status = StatusColumn()
    created_date = TimeColumn(verbose_name="Created")
    start_date = TimeColumn(verbose_name="Started")
    end_date = TimeColumn(verbose_name="Ended")
    duration = tables.Column(empty_values=(), orderable=False)
    message = tables.Column(orderable=False, attrs={"td": {"class": "msgcell"}})
    created_by = tables.Column(verbose_name="Created by")
    acknowledged = tables.Column(empty_values=(), orderable=False)

    class Meta:
        model = QueueElement
        fields = (
            "select",
            "reference",
            "status",
            "created_date",
            "start_date",
            "end_date",
            "duration",
            "message",
            "created_by",
            "acknowledged",
        )
        order_by = ("-created_date",)
        order_by_field = "sort"
        attrs = {"class": "table"}
        empty_text = "No elements match this filter."

    def render_reference(self, value, record):
        return element_link(record, value)

    def render_duration(self, record):
        return duration_text(record.duration) or "—"

    def render_message(self, value):
        return Truncator(value).chars(120)


class InboxTable(AcknowledgedMixin, ConsoleTable):
    region_label = "Failed elements"
    select = SelectColumn()
    queue_name = tables.Column(verbose_name="Queue", orderable=False, empty_values=())
    reference = tables.Column(orderable=False, empty_values=())
    end_date = TimeColumn(verbose_name="Failed at", orderable=False)
    message = tables.Column(orderable=False, attrs={"td": {"class": "msgcell"}})
    created_by = tables.Column(verbose_name="Created by", orderable=False)
    acknowledged = tables.Column(empty_values=(), orderable=False)

    class Meta:
        attrs = {"class": "table"}
        empty_text = "No unacknowledged failures match. Nothing to do."

    def __init__(self, data, *, acknowledged: bool = False, **kwargs):
        """`acknowledged`: the list holds acknowledged failures, so it shows by whom."""
        if not acknowledged:
            kwargs["exclude"] = ("acknowledged",)
        else:
            kwargs.setdefault("empty_text", "No acknowledged failures match.")
        super().__init__(data, **kwargs)
        self.acknowledged = acknowledged

    def render_queue_name(self, value):
        return queue_link(value)

    def render_reference(self, value, record):
        return element_link(record, value)


class OverviewTable(ConsoleTable):
    region_label = "Queues"
    queue_name = tables.Column(verbose_name="Queue", empty_values=())
    new = tables.Column(verbose_name=QueueStatus.NEW.label, attrs={"td": {"class": "nowrap"}})
    in_progress = tables.Column(verbose_name=QueueStatus.IN_PROGRESS.label)
    done = tables.Column(verbose_name=QueueStatus.DONE.label)
    failed = tables.Column(verbose_name=QueueStatus.FAILED.label)
    abandoned = tables.Column(verbose_name=QueueStatus.ABANDONED.label)
    total = tables.Column(verbose_name="Total")
    last_activity = TimeColumn(verbose_name="Last activity")

    class Meta:
        attrs = {"class": "table"}
        order_by = ("queue_name",)
        order_by_field = "sort"
        empty_text = "No queues match."

    def render_queue_name(self, value):
        return queue_link(value)

    def render_failed(self, value, record):
        if not value:
            return value
        url = name_url("queues:elements", record["queue_name"]) + "?status=FAILED"
        return format_html('<a class="badge badge-FAILED" href="{}">{}</a>', url, f"{value:,}")


OVERVIEW_SORTS = tuple(
    f"{sign}{name}"
    for name in ("queue_name", *OVERVIEW_COUNTS, "total", "last_activity")
    for sign in ("", "-")
)
