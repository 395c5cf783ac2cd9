"""ConsoleTable, the base of every list, and the audit trail's table."""

from __future__ import annotations

import functools
import html
import inspect
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.template.base import render_value_in_context
from django.template.context import Context
from django.templatetags.l10n import localize, unlocalize
from django.utils.encoding import force_str
from django.utils.functional import Promise, cached_property
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django_tables2.columns import ManyToManyColumn
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.data import TableQuerysetData
from django_tables2.templatetags.django_tables2 import table_page_range

from orchestrator_site import audit, audit_targets
from orchestrator_site.display import count_text, datetime_text, time_words
from orchestrator_site.htmltext import attributes_html, escaped, format_html
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

    def __init__(self, data, *, keys_first: bool = True) -> None:
        """`keys_first` False: an index gives the rows in the page's order (the view knows which
        filters and orders the recommended indexes serve), so a page's rows are read at once,
        in one query instead of two."""
        super().__init__(data)
        self.keys_first = keys_first

    # The rows a page shows, set by paging.configure_lazy: LazyPaginator asks for one more.
    page_size: int | None = None

    def __getitem__(self, key):
        if not isinstance(key, slice) or not self.keys_first or not self._sorts_whole_rows():
            return super().__getitem__(key)
        return self.rows_of(list(self.data.values_list("pk", flat=True)[key]), key)

    def _sorts_whole_rows(self) -> bool:
        """Whether the database sorts every matching row, whole, for an ORDER BY ... LIMIT that no
        index serves: SQLite does. PostgreSQL and SQL Server keep only the page's rows while they
        sort (top-N), so there the keys first were only a second query (PostgreSQL, the failed
        inbox without its index: 32 ms against the bare query's 30)."""
        return connections[self.data.db].vendor == "sqlite"

    def rows_of(self, keys: list, key: slice) -> list:
        """The rows of `keys` in their order, read by primary key; a row deleted meanwhile is
        left out. The row one past a full page, which LazyPaginator asks for only to learn that
        another page follows, is not read: its key stands in for it (the paginator keeps the
        page's rows only). A page of 50 then reads 50 keys, not 51: psycopg parses a statement
        of more than 50 parameters anew each time (0.3 ms)."""
        manager = self.data.model._default_manager.db_manager(self.data.db)
        look_ahead = (
            self.page_size is not None
            and key.stop is not None
            and key.stop - (key.start or 0) == self.page_size + 1 == len(keys)
        )
        read = keys[:-1] if look_ahead else keys
        found = manager.in_bulk(read)
        rows = [found[pk] for pk in read if pk in found]
        if look_ahead:
            if len(rows) == len(read):
                rows.append(keys[-1])
            else:  # a row of the page was deleted meanwhile: this one is shown, read it
                rows += manager.in_bulk(keys[-1:]).values()
        return rows


def _reader(accessor: str, record) -> Callable[[Any], Any] | None:
    """How to read a one-step accessor from records like `record`, as django-tables2 would:
    a dict key, a model field (its choice label when it has choices) or a plain attribute (of a
    model or of a plain object such as a dataclass).
    None (or _MISSING when read) hands the cell to django-tables2's own resolution."""
    if "__" in accessor or "." in accessor:
        return None
    if isinstance(record, dict):
        return lambda r: r.get(accessor, _MISSING)
    if isinstance(record, models.Model):
        try:
            field = type(record)._meta.get_field(accessor)
        except FieldDoesNotExist:
            field = None
        display = f"get_{accessor}_display"
        if field is not None and getattr(field, "choices", None) and hasattr(record, display):
            return _choice_label(field, display)
    elif hasattr(record, "__getitem__"):
        return None  # django-tables2 tries record[accessor] before the attribute

    return lambda r: _attribute(r, accessor)


def _choice_label(field, display: str) -> Callable[[Any], Any]:
    """get_<field>_display() with the field's choices made a dictionary once per page, not per
    cell (Django rebuilds it, hashable, on every call)."""
    # Lazy labels translated here, once per page, in the request's language.
    labels = {
        key: force_str(text, strings_only=True) for key, text in make_hashable(field.flatchoices)
    }

    def label(record):
        value = getattr(record, field.attname)
        try:
            return force_str(labels.get(value, value), strings_only=True)
        except TypeError:  # an unhashable value: Django's own way
            return getattr(record, display)()

    return label


def _attribute(record, name: str):
    """record.<name> as django-tables2's Accessor.resolve reads it: a callable is called without
    arguments unless it alters data or asks not to be; any error (a method that needs arguments)
    leaves None, as django-tables2 then renders."""
    try:
        value = getattr(record, name)
        if callable(value):
            if getattr(value, "alters_data", False):
                return None
            if not getattr(value, "do_not_call_in_templates", False):
                value = value()
    except Exception:  # noqa: BLE001 - see the docstring
        return None
    return value


def _parameters(function: Callable) -> tuple[bool, tuple[str, ...]]:
    """Whether `function` takes **kwargs, and its other argument names (*args aside): what
    django-tables2 inspects before each call, worked out once per function here (a table's render
    methods are bound anew for every page, so the key is the function under the method)."""
    underlying = getattr(function, "__func__", function)
    return _signature(underlying, hasattr(function, "__func__"))


@functools.cache
def _signature(function: Callable, bound: bool) -> tuple[bool, tuple[str, ...]]:
    parameters = list(inspect.signature(function).parameters.values())
    if bound:
        parameters = parameters[1:]  # self
    takes_all = any(p.kind is p.VAR_KEYWORD for p in parameters)
    names = tuple(p.name for p in parameters if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
    return takes_all, names


def _caller(render: Callable, takes_all: bool, names: tuple[str, ...]) -> Callable[..., Any] | None:
    """render(value, record, bound_row) with the arguments the column's render asks for: a
    dictionary of all six built and filtered for each cell was a fifth of a body's time."""
    if not takes_all:
        wanted = frozenset(names)
        if not wanted:
            return lambda value, record, row: render()
        if wanted == {"value"}:
            return lambda value, record, row: render(value=value)
        if wanted == {"record"}:
            return lambda value, record, row: render(record=record)
        if wanted == {"value", "record"}:
            return lambda value, record, row: render(value=value, record=record)
    return None  # any other combination: the dictionary, as django-tables2 builds it


_ARGUMENTS = ("value", "record", "column", "bound_column", "bound_row", "table")


def _text_html(cell, context: Context) -> str:
    """{{ cell }} with autoescaping: most cells are text, escaped exactly as {{ }} would, without
    its generic path."""
    kind = type(cell)
    if kind is SafeString:
        return cell
    if kind is str:
        return html.escape(cell)
    if kind is int:  # digits and separators: nothing to escape
        return count_text(cell)
    return render_value_in_context(cell, context)


class _CellPlan:
    """How one column's cells are rendered, worked out once per page, from django-tables2's
    public attributes only (BoundColumn.accessor, .column.empty_values, .default, .render, .attrs,
    .localize, .link; BoundRow.record and .get_cell).

    django-tables2 inspects the render function's signature for every cell (about a tenth of a
    50-row page), resolves each accessor generically and looks the column up by name; none of
    those answers changes between rows. Cells this plan cannot read the way django-tables2 would
    (multi-step accessors, link and many-to-many columns, linkify, render arguments it does not
    know, a missing dict key) go through BoundRow.get_cell, the public
    per-cell path.
    """

    def __init__(self, table: ConsoleTable, bound_column) -> None:
        self.name = bound_column.name
        self.bound_column = bound_column
        self.column = bound_column.column
        self.render = bound_column.render
        self.default = bound_column.default
        self.empty_values = bound_column.column.empty_values
        self.localize = bound_column.localize
        self.accessor = str(bound_column.accessor)
        self.td = _static_td_attrs(table, bound_column)
        self._readers: dict[type, Callable[[Any], Any] | None] = {}
        self.takes_all, names = _parameters(self.render)
        self.names = names
        self.call = _caller(self.render, self.takes_all, names)
        self.generic = (
            bool(bound_column.link)
            or isinstance(self.column, BaseLinkColumn | ManyToManyColumn)
            or any(name not in _ARGUMENTS for name in names)
        )

    def reader(self, record) -> Callable[[Any], Any] | None:
        kind = type(record)
        if kind not in self._readers:
            self._readers[kind] = None if self.generic else _reader(self.accessor, record)
        return self._readers[kind]

    def cell(self, row, table: tables.Table):
        """What django-tables2's BoundRow.get_cell(name) returns for this column and row."""
        record = row.record
        read = self.reader(record)
        value = read(record) if read is not None else _MISSING
        if value is _MISSING:
            return row.get_cell(self.name)
        if value in self.empty_values:
            return self.default
        if self.call is not None:
            return self.call(value, record, row)
        available = {
            "value": value,
            "record": record,
            "column": self.column,
            "bound_column": self.bound_column,
            "bound_row": row,
            "table": table,
        }
        if self.takes_all:
            return self.render(**available)
        return self.render(**{name: available[name] for name in self.names})

    def compiled(self, record, context: Context) -> Callable[[Any, Any], str | None] | None:
        """html(cell(row)) for records like `record` as one function of (record, row), with
        every per-page decision taken here: about a fifth of a cell's CPU was the dispatch
        between reader, renderer and escaping. It returns None where a cell must go through
        cell() (a missing dict key), and it is None itself when this column's cells always do."""
        read = self.reader(record)
        call = self.call
        if read is None or call is None or self.localize is not None:
            return None
        empty_values, default = self.empty_values, self.default

        def cell_html(record, row) -> str | None:
            value = read(record)
            if value is _MISSING:
                return None
            cell = default if value in empty_values else call(value, record, row)
            return _text_html(cell, context)

        return cell_html

    def html(self, cell, context: Context) -> str:
        """The cell as django-tables2's template prints it (column.localize: the l10n filters)."""
        if self.localize is None:
            return _text_html(cell, context)
        shown = localize(cell) if self.localize else unlocalize(cell)
        return str(conditional_escape(shown))


class ConsoleTable(tables.Table):
    """The console's Table: django-tables2's columns, sorting and pagination, a faster body.

    django-tables2's template renders a body cell by cell (a template variable lookup, an
    attribute computation and a signature inspection per cell). The body is built here in one
    pass with the same semantics (accessors, choice labels, empty values, linkify, row_attrs,
    per-column td attrs, localize, autoescaping), on django-tables2's public API only.
    bench/table_render.py, CPU per 50-row page with the table set up: logs 9-10 ms against 29-33
    ms, triggers 16-17 ms against 45-47 ms (100 rows: 17-18 against 55-62, 29-31 against 89-95);
    the earlier version overriding BoundRow's private methods was no faster. The header and the
    pagination stay django-tables2's own. Verified with django-tables2 VERIFIED_WITH: the tests
    in tests/foundation/test_console_table.py fail on any other version.
    """

    VERIFIED_WITH = "3.0.1"
    # What the table lists: the name of the region it scrolls in (table.html), unique on its page.
    region_label: str | Promise = gettext_lazy("Table")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("template_name", "orchestrator_site/table.html")
        super().__init__(*args, **kwargs)

    def tbody_html(self) -> SafeString:
        columns = list(self.columns)
        plans = [_CellPlan(self, bc) for bc in columns]
        # Attributes computed from the cell (callables in td attrs) need the row's items(), the
        # public path that hands each cell to its column's attrs: as django-tables2's template.
        computed_td = any(plan.td is None for plan in plans)
        context = Context(autoescape=True)
        row_attrs = _RowAttrsPlan(self)
        parts: list[str] = []
        # Per kind of record (a page's rows are nearly always all one kind): each column's
        # opening tag and its compiled cell.
        cells: list[tuple[str, _CellPlan, Callable[[Any, Any], str | None] | None]] | None = None
        cells_for: type | None = None
        for row in self.paginated_rows:
            parts.append(format_html("<tr {}>", row_attrs.html(row)))
            if computed_td:
                for plan, (bc, cell) in zip(plans, row.items(), strict=True):
                    td = bc.attrs["td"].as_html()
                    parts.append(f"<td {td}>{plan.html(cell, context)}</td>")
            else:
                record = row.record
                if cells is None or type(record) is not cells_for:
                    cells_for = type(record)
                    cells = [(f"<td {p.td}>", p, p.compiled(record, context)) for p in plans]
                for opening, plan, cell_html in cells:
                    shown = cell_html(record, row) if cell_html is not None else None
                    if shown is None:
                        shown = plan.html(plan.cell(row, self), context)
                    parts.append(f"{opening}{shown}</td>")
            parts.append("</tr>")
        if not parts and self.empty_text:
            parts.append(
                format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), self.empty_text)
            )
        return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped or format_html

    def thead_html(self) -> SafeString:
        """django-tables2's header row (sorting links on orderable columns), as its template
        prints it, without a template variable lookup and a {% querystring_replace %} per cell."""
        if not self.show_header:
            return SafeString("")
        cells = []
        for column in self.columns:
            header = column.header
            if callable(header):  # as the template's {{ column.header }} calls it
                header = header()
            header = escaped(header)
            if column.orderable:
                href = self._querystring(self.prefixed_order_by_field, column.order_by_alias.next)
                header = f'<a href="{href}">{header}</a>'
            cells.append(f"<th {attributes_html(self.column_attrs(column)['th'])}>{header}</th>")
        # {{ table.attrs.thead.as_html }}: printed only when it is an AttributeDict, as there.
        as_html = getattr((self.attrs or {}).get("thead"), "as_html", None)
        attrs = as_html() if as_html is not None else ""
        return SafeString(f"<thead {attrs}><tr>{''.join(cells)}</tr></thead>")

    @cached_property
    def time_words(self) -> dict[str, str]:
        """display.time_words() of the page's language, for a column that writes a duration per
        row (duration_text's `words`): the language looked up once per page, not once per row."""
        return time_words()

    def column_attrs(self, bound_column) -> dict:
        """bound_column.attrs outside any row: worked out once per column and page, for the
        header and the body alike (django-tables2 computes them anew on every read)."""
        memo = self.__dict__.setdefault("_column_attrs", {})
        if bound_column.name not in memo:
            memo[bound_column.name] = bound_column.attrs
        return memo[bound_column.name]

    def pagination_html(self) -> SafeString:
        """django-tables2's pagination list (previous, the page range, next), as its template."""
        page = getattr(self, "page", None)
        if not page or self.paginator.num_pages <= 1:
            return SafeString("")
        field = self.prefixed_page_field
        items = []
        if page.has_previous():
            href = self._querystring(field, page.previous_page_number())
            previous = html.escape(gettext("previous"))
            items.append(f'<li class="previous"><a href="{href}">{previous}</a></li>')
        if page.has_previous() or page.has_next():
            for number in table_page_range(page, self.paginator):
                active = 'class="active"' if number == page.number else ""
                href = "#" if number == "..." else self._querystring(field, number)
                items.append(f'<li {active}><a href="{href}">{number}</a></li>')
        if page.has_next():
            href = self._querystring(field, page.next_page_number())
            following = html.escape(gettext("next"))
            items.append(f'<li class="next"><a href="{href}">{following}</a></li>')
        return SafeString(f'<ul class="pagination">{"".join(items)}</ul>')

    def _querystring(self, key: str, value: object) -> str:
        """{% querystring_replace key=value %}: the request's query with one parameter set."""
        request = getattr(self, "request", None)
        params = dict(request.GET) if request is not None else {}
        params[key] = value
        return html.escape("?" + urlencode(params, doseq=True))


class _RowAttrsPlan:
    """BoundRow.attrs, with each callable's arguments worked out once per page instead of per row
    (django-tables2 inspects their signatures for every row). Nested attribute dicts, which
    django-tables2 computes recursively, go through BoundRow.attrs."""

    def __init__(self, table: tables.Table) -> None:
        self.table = table
        self.items: list[tuple[str, Any, tuple[str, ...] | None]] | None = []
        for name, value in (table.row_attrs or {}).items():
            if isinstance(value, dict):
                self.items = None
                return
            if not callable(value):
                self.items.append((name, value, None))
                continue
            takes_all, wanted = _parameters(value)
            if takes_all:
                wanted = ("table", "record")
            if any(argument not in ("table", "record") for argument in wanted):
                self.items = None  # django-tables2 would not call it at all: let it decide
                return
            self.items.append((name, value, wanted))

    def html(self, row) -> str:
        if self.items is None:
            return row.attrs.as_html()
        available = {"table": self.table, "record": row.record}
        attrs = {
            name: value if wanted is None else value(**{a: available[a] for a in wanted})
            for name, value, wanted in self.items
        }
        css = row.get_even_odd_css_class()
        attrs["class"] = f"{attrs['class']} {css}" if attrs.get("class") else css
        return attributes_html(attrs)


def _static_td_attrs(table: ConsoleTable, bound_column) -> str | None:
    """The column's <td> attributes as HTML when they do not depend on the cell, else None."""
    attrs = dict(table.attrs or {})
    attrs.update(bound_column.column.attrs)
    td: dict[str, Any] = attrs.get("td", attrs.get("cell")) or {}
    if any(callable(v) or isinstance(v, dict) for v in td.values()):
        return None
    return attributes_html(table.column_attrs(bound_column)["td"])


class TimeColumn(tables.Column):
    """A moment in the console's one format (display.datetime_text), kept on one line. Exports
    read the datetime itself.

    django-tables2's DateTimeColumn renders a template per cell: about 5 ms each, half a page.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "nowrap"}})
        super().__init__(**kwargs)

    def render(self, value):
        return datetime_text(value)

    def value(self, value):
        return value


class AuditTable(ConsoleTable):
    """The trail, one row per write, each row's first targets named and linked. The view calls
    `name_targets` once the page is known."""

    region_label = gettext_lazy("Audit trail")
    # Sorting only by indexed columns, so a long trail still sorts fast.
    at = TimeColumn(verbose_name=gettext_lazy("When"), order_by=("at", "id"))
    username = tables.Column(verbose_name=gettext_lazy("User"))
    action = tables.Column(verbose_name=gettext_lazy("Action"))
    target_ids = tables.Column(
        verbose_name=gettext_lazy("Targets"), orderable=False, empty_values=()
    )
    changes = tables.Column(verbose_name=gettext_lazy("What"), orderable=False, empty_values=())
    count = tables.Column(verbose_name=gettext_lazy("Count"), orderable=False)
    outcome = tables.Column(verbose_name=gettext_lazy("Outcome"), orderable=False)
    reason = tables.Column(verbose_name=gettext_lazy("Reason"), orderable=False)
    filter_used = tables.Column(verbose_name=pgettext_lazy("noun", "Filter"), orderable=False)

    class Meta:
        model = AuditEntry
        fields = (
            "at",
            "username",
            "action",
            "target_ids",
            "changes",
            "count",
            "outcome",
            "reason",
            "filter_used",
        )
        order_by = ("-at",)
        attrs = {"class": "table"}
        empty_text = gettext_lazy("No audit entries match.")

    def render_action(self, value: str) -> str:
        """The action in words, as the Action filter offers it (the code is what the filter sends)."""
        return audit_targets.action_label(value)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets: dict[int, list[audit_targets.Target]] = {}

    def name_targets(self) -> None:
        """Name the targets of this page's rows: one query per kind of target, not one per row."""
        self.targets = audit_targets.resolve([row.record for row in self.page.object_list])

    def render_target_ids(self, record: AuditEntry) -> SafeString:
        return audit_targets.targets_html(record, self.targets.get(record.pk, []))

    def render_changes(self, record: AuditEntry) -> SafeString:
        """Each changed field ("next run: … → …"), then what else the row says (a comment)."""
        lines = audit.what_lines(record, limit=audit.CHANGE_SHOWN)
        return SafeString("<br>".join(escaped(line) for line in lines)) or self.default
