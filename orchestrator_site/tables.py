"""ConsoleTable, the base of every list, and the audit trail's table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django_tables2.columns import ManyToManyColumn
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.data import TableQuerysetData
from django_tables2.rows import BoundRow
from django_tables2.utils import AttributeDict, signature

from orchestrator_site.display import datetime_text
from orchestrator_site.models import AuditEntry

_MISSING = object()


class LateRows(TableQuerysetData):
    """Table data whose pages read the primary keys first, then those rows by primary key.

    Without an index that serves the ORDER BY, the database sorts every matching row to find one
    page: with whole rows (a log message is up to 8,000 characters) that sort was most of the time
    (SQLite, 300k matching logs: 278 ms with whole rows, 103 ms with keys only). With the index it
    costs one extra primary-key look-up of a page of rows. The keys query carries the queryset's
    filters and ordering; the rows are then read by key alone (with the filters repeated, SQLite
    preferred a filter's index to the primary key: 71 ms for 51 rows), without select_related/only.
    """

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return super().__getitem__(key)
        keys = list(self.data.values_list("pk", flat=True)[key])
        found = self.data.model._default_manager.db_manager(self.data.db).in_bulk(keys)
        return [found[pk] for pk in keys if pk in found]  # a row deleted meanwhile is left out


def _reader(accessor: str, record) -> Callable[[Any], Any] | None:
    """How to read a one-step accessor from records like `record`, as django-tables2 would:
    a dict key, a model field (its choice label when it has choices) or a plain attribute.
    None (or _MISSING when read) hands the cell to django-tables2's own resolution."""
    if "__" in accessor or "." in accessor:
        return None
    if isinstance(record, dict):
        return lambda r: r.get(accessor, _MISSING)
    if not isinstance(record, models.Model):
        return None
    try:
        field = type(record)._meta.get_field(accessor)
    except FieldDoesNotExist:
        field = None
    display = f"get_{accessor}_display"
    if field is not None and getattr(field, "choices", None) and hasattr(record, display):
        return lambda r: getattr(r, display)()

    def attribute(r):
        value = getattr(r, accessor, _MISSING)
        return _MISSING if callable(value) else value  # callables: django-tables2 decides

    return attribute


class _Row(BoundRow):
    """A BoundRow that works out once per table, not per cell, how to read a column's value and
    which arguments its render function takes.

    django-tables2 inspects the render function's signature for every cell (inspect.signature:
    about a tenth of a 50-row page) and resolves each accessor generically; neither answer can
    change between rows.
    """

    def cell(self, bound_column):
        """get_cell() without looking the column up by name (a scan of all columns per cell), and
        for plain one-step accessors without django-tables2's generic path resolution."""
        read = self._table.value_reader(bound_column, self._record)
        value = read(self._record) if read is not None else _MISSING
        if value is _MISSING:
            return self._get_and_render_with(
                bound_column, render_func=self._call_render, default=bound_column.default
            )
        if value in bound_column.column.empty_values:
            return bound_column.default
        return self._call_render(bound_column, value)

    def _call_render(self, bound_column, value=None):
        render, names, takes_all = self._table.cell_renderer(bound_column)
        available = {
            "value": value,
            "record": self._record,
            "column": bound_column.column,
            "bound_column": bound_column,
            "bound_row": self,
            "table": self._table,
        }
        if takes_all:
            content = render(**available)
        elif any(name not in available for name in names):
            content = None  # as django-tables2 does when it cannot supply an argument
        else:
            content = render(**{name: available[name] for name in names})
        return bound_column.link(content, **available) if bound_column.link else content


class ConsoleTable(tables.Table):
    """The console's Table: django-tables2's columns, sorting and pagination, a faster body.

    Rendering a 50-row page cell by cell through django-tables2's template cost 30-60 ms of CPU
    (a template variable lookup, an attribute computation and a signature inspection per cell).
    The body is built here in one pass with the same semantics (accessors, choice labels, empty
    values, linkify, row_attrs, per-column td attrs, autoescaping and localization), so a page
    costs a few milliseconds. The header and the pagination stay django-tables2's own.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("template_name", "orchestrator_site/table.html")
        super().__init__(*args, **kwargs)
        self._renderers: dict[str, tuple[Any, tuple[str, ...], bool]] = {}
        self._readers: dict[tuple[str, type], Callable[[Any], Any] | None] = {}

    def cell_renderer(self, bound_column) -> tuple[Any, tuple[str, ...], bool]:
        """(render function, the argument names it takes, whether it takes **kwargs), cached."""
        known = self._renderers.get(bound_column.name)
        if known is None:
            render = bound_column.render
            names, catch_all = signature(render)
            known = self._renderers[bound_column.name] = (render, names, catch_all is not None)
        return known

    def value_reader(self, bound_column, record) -> Callable[[Any], Any] | None:
        """_reader() for this column and kind of record, worked out once per table."""
        key = (bound_column.name, type(record))
        if key not in self._readers:
            plain = not isinstance(bound_column.column, BaseLinkColumn | ManyToManyColumn)
            self._readers[key] = _reader(str(bound_column.accessor), record) if plain else None
        return self._readers[key]

    def tbody_html(self) -> SafeString:
        columns = list(self.columns)
        context = Context(autoescape=True)
        static_td = {bc.name: _static_td_attrs(bc) for bc in columns}
        parts: list[str] = []
        for counter, bound in enumerate(self.paginated_rows):
            row = _Row(bound.record, table=self)
            row.row_counter = counter  # even/odd as django-tables2 counts them: per page, from 0
            parts.append(format_html("<tr {}>", row.attrs.as_html()))
            for bc in columns:
                cell = row.cell(bc)
                td = static_td[bc.name]
                if td is None:  # attrs computed from the cell (callables): as django-tables2 does
                    bc.current_value, bc.current_record = cell, row.record
                    td = bc.attrs["td"].as_html()
                parts.append(f"<td {td}>{render_value_in_context(cell, context)}</td>")
            parts.append("</tr>")
        if not parts and self.empty_text:
            parts.append(
                format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), self.empty_text)
            )
        return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped or format_html


def _static_td_attrs(bound_column) -> str | None:
    """The column's <td> attributes as HTML when they do not depend on the cell, else None."""
    attrs = dict(bound_column._table.attrs)
    attrs.update(bound_column.column.attrs)
    td = attrs.get("td", attrs.get("cell", {}))
    if any(callable(v) or isinstance(v, dict) for v in td.values()):
        return None
    bound_column.current_value = bound_column.current_record = None
    return AttributeDict(bound_column.attrs["td"]).as_html()


class TimeColumn(tables.Column):
    """A moment in a display style of settings.CONSOLE_DATETIME_FORMATS (default: to the second),
    kept on one line. Exports read the datetime itself.

    django-tables2's DateTimeColumn renders a template per cell: about 5 ms each, half a page.
    """

    def __init__(self, *, style: str = "datetime", **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "nowrap"}})
        super().__init__(**kwargs)
        self.style = style

    def render(self, value):
        return datetime_text(value, self.style)

    def value(self, value):
        return value


class AuditTable(ConsoleTable):
    # Sorting only by indexed columns, so a long trail still sorts fast.
    at = TimeColumn(verbose_name="When", order_by=("at", "id"))
    username = tables.Column(verbose_name="User")
    action = tables.Column()
    target_type = tables.Column(verbose_name="Type", orderable=False)
    target_ids = tables.Column(verbose_name="Targets", orderable=False)
    filter_used = tables.Column(verbose_name="Filter", orderable=False)
    count = tables.Column(orderable=False)
    outcome = tables.Column(orderable=False)
    reason = tables.Column(orderable=False)

    class Meta:
        model = AuditEntry
        fields = (
            "at",
            "username",
            "action",
            "target_type",
            "target_ids",
            "filter_used",
            "count",
            "outcome",
            "reason",
        )
        order_by = ("-at",)
        attrs = {"class": "table"}
        empty_text = "No audit entries match."

    def render_target_ids(self, value: str) -> str:
        lines = value.splitlines()
        return ", ".join(lines[:3]) + (f" and {len(lines) - 3} more" if len(lines) > 3 else "")
