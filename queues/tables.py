from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from orchestrator_site.display import datetime_text, duration_text, shortened
from orchestrator_site.htmltext import format_html
from orchestrator_site.reversing import id_url, name_url
from orchestrator_site.tables import ConsoleTable, TimeColumn
from orchestrator_site.templatetags.console_format import name_label
from queues.models import QueueElement, QueueStatus

OVERVIEW_COUNTS = ("new", "in_progress", "done", "failed", "abandoned")
MESSAGE_CHARS = 120  # of an element's message in the lists, its ellipsis included


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

    @property
    def header(self):
        return format_html(
            '<input type="checkbox" data-select-all="ids" aria-label="{}">', _("Select all")
        )

    def render(self, value, record):
        # Translated once per page: the column is copied for each table, as it is rendered.
        if "_select" not in self.__dict__:
            self._select = _("Select %(element)s")
        label = self._select % {"element": record.reference or str(value)}
        return format_html(
            '<input type="checkbox" name="ids" value="{}" aria-label="{}">', value, label
        )


class StatusColumn(tables.Column):
    def render(self, value, record):
        # Each status's label translated once per page (the column is copied for each table).
        labels = self.__dict__.setdefault("_labels", {})
        if record.status not in labels:
            labels[record.status] = record.get_status_display()
        return format_html(
            '<span class="badge badge-{}">{}</span>', record.status, labels[record.status]
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
    region_label = gettext_lazy("Queue elements")
    select = SelectColumn()
    reference = tables.Column(verbose_name=gettext_lazy("Reference"), empty_values=())
    status = StatusColumn(verbose_name=gettext_lazy("Status"))
    created_date = TimeColumn(verbose_name=gettext_lazy("Created"))
    start_date = TimeColumn(verbose_name=gettext_lazy("Started"))
    end_date = TimeColumn(verbose_name=gettext_lazy("Ended"))
    duration = tables.Column(
        verbose_name=gettext_lazy("Duration"), empty_values=(), orderable=False
    )
    message = tables.Column(
        verbose_name=gettext_lazy("Message"), orderable=False, attrs={"td": {"class": "msgcell"}}
    )
    created_by = tables.Column(verbose_name=gettext_lazy("Created by"))
    acknowledged = tables.Column(
        verbose_name=gettext_lazy("Acknowledged"), empty_values=(), orderable=False
    )

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
        empty_text = gettext_lazy("No elements match this filter.")

    def render_reference(self, value, record):
        return element_link(record, value)

    def render_duration(self, record):
        return duration_text(record.duration, self.time_words) or "—"

    def render_message(self, value):
        # Django's ellipsis, translated once per page rather than once per row.
        if "_shortened" not in self.__dict__:
            self._shortened = pgettext(
                "String to return when truncating text", "%(truncated_text)s…"
            )
        return shortened(value, MESSAGE_CHARS, self._shortened)


class InboxTable(AcknowledgedMixin, ConsoleTable):
    region_label = gettext_lazy("Failed elements")
    select = SelectColumn()
    queue_name = tables.Column(verbose_name=gettext_lazy("Queue"), orderable=False, empty_values=())
    reference = tables.Column(
        verbose_name=gettext_lazy("Reference"), orderable=False, empty_values=()
    )
    end_date = TimeColumn(verbose_name=gettext_lazy("Failed at"), orderable=False)
    message = tables.Column(
        verbose_name=gettext_lazy("Message"), orderable=False, attrs={"td": {"class": "msgcell"}}
    )
    created_by = tables.Column(verbose_name=gettext_lazy("Created by"), orderable=False)
    acknowledged = tables.Column(
        verbose_name=gettext_lazy("Acknowledged"), empty_values=(), orderable=False
    )

    class Meta:
        attrs = {"class": "table"}
        empty_text = gettext_lazy("No unacknowledged failures match. Nothing to do.")

    def __init__(self, data, *, acknowledged: bool = False, **kwargs):
        """`acknowledged`: the list holds acknowledged failures, so it shows by whom."""
        if not acknowledged:
            kwargs["exclude"] = ("acknowledged",)
        else:
            kwargs.setdefault("empty_text", gettext_lazy("No acknowledged failures match."))
        super().__init__(data, **kwargs)
        self.acknowledged = acknowledged

    def render_queue_name(self, value):
        return queue_link(value)

    def render_reference(self, value, record):
        return element_link(record, value)


class OverviewTable(ConsoleTable):
    region_label = gettext_lazy("Queues")
    queue_name = tables.Column(verbose_name=gettext_lazy("Queue"), empty_values=())
    new = tables.Column(verbose_name=QueueStatus.NEW.label, attrs={"td": {"class": "nowrap"}})
    in_progress = tables.Column(verbose_name=QueueStatus.IN_PROGRESS.label)
    done = tables.Column(verbose_name=QueueStatus.DONE.label)
    failed = tables.Column(verbose_name=QueueStatus.FAILED.label)
    abandoned = tables.Column(verbose_name=QueueStatus.ABANDONED.label)
    total = tables.Column(verbose_name=gettext_lazy("Total"))
    last_activity = TimeColumn(verbose_name=gettext_lazy("Last activity"))

    class Meta:
        attrs = {"class": "table"}
        order_by = ("queue_name",)
        order_by_field = "sort"
        empty_text = gettext_lazy("No queues match.")

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
