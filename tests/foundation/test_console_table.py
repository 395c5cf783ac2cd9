"""ConsoleTable renders the same body as django-tables2's own template, only faster."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import django_tables2
import django_tables2 as tables
import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils.html import format_html

from orchestrator_site.tables import ConsoleTable

HOSTILE = "<script>alert(\"x\")</script> & 'quotes'"


class Sample(ConsoleTable):
    name = tables.Column(linkify=lambda record: f"/things/?id={record['id']}&x=<y>")
    note = tables.Column(default="—", attrs={"td": {"class": "msgcell"}})
    count = tables.Column(attrs={"td": {"data-count": lambda value: value}})
    flag = tables.Column(empty_values=(), orderable=False)
    badge = tables.Column(accessor="kind", orderable=False)

    class Meta:
        order_by = ("-count",)
        row_attrs = {"data-id": lambda record: record["id"], "class": lambda record: record["kind"]}
        empty_text = "Nothing <here>."

    def render_flag(self, record):
        return "yes" if record["count"] > 1 else "no"

    def render_badge(self, value, record, table):
        return format_html('<span class="badge badge-{}">{}</span>', value, table.label)

    label = "L&L"


class StaticSample(Sample):
    """Sample without attributes computed from the cell: the path most console tables take."""

    count = tables.Column(attrs={"td": {"class": "num"}}, localize=False)
    when = tables.Column(accessor="missing", empty_values=(), orderable=False)
    size = tables.Column(accessor="count", localize=True, orderable=False)

    class Meta(Sample.Meta):
        pass

    def render_when(self, value, record):
        return f"value={value!r}"


ROWS = [
    {"id": 1, "name": HOSTILE, "note": None, "count": 1234567, "kind": "a<b"},
    {"id": 2, "name": "plain", "note": "multi\nline " + HOSTILE, "count": 2, "kind": "ok"},
    {"id": 3, "name": "", "note": "", "count": 0, "kind": "ok"},
]


def _tbody(table: tables.Table) -> str:
    request = RequestFactory().get("/things/")
    tables.RequestConfig(request, paginate={"per_page": 2}).configure(table)
    html = Template("{% load django_tables2 %}{% render_table table %}").render(
        Context({"table": table, "request": request})
    )
    body = re.search(r"<tbody[^>]*>(.*)</tbody>", html, re.DOTALL).group(1)
    return re.sub(r">\s+<", "><", body.strip())


def test_the_construct_was_verified_with_the_installed_django_tables2():
    assert django_tables2.__version__ == ConsoleTable.VERIFIED_WITH, (
        f"django-tables2 is now {django_tables2.__version__}; ConsoleTable.tbody_html was verified "
        f"with {ConsoleTable.VERIFIED_WITH}. Re-run this file's equivalence tests and "
        "bench/table_render.py, then update ConsoleTable.VERIFIED_WITH and its docstring."
    )


def test_the_body_matches_django_tables2_cell_for_cell():
    ours = _tbody(Sample(ROWS))
    theirs = _tbody(Sample(ROWS, template_name="django_tables2/table.html"))
    assert ours == theirs
    # What that means for a user: hostile text is escaped, links and attributes are there.
    assert "<script>" not in ours and "&lt;script&gt;" in ours
    assert 'href="/things/?id=1&amp;x=&lt;y&gt;"' in ours
    assert 'data-count="1234567"' in ours and 'data-id="1" class="a&lt;b even"' in ours
    assert '<span class="badge badge-a&lt;b">L&amp;L</span>' in ours
    assert "—" in ours  # the default of an empty note


def test_the_body_without_computed_td_attributes_matches_too():
    """The path most console tables take (Sample's callable td attribute sends it through
    BoundRow.items()): plain attributes, a missing key, localize on and off."""
    ours = _tbody(StaticSample(ROWS))
    theirs = _tbody(StaticSample(ROWS, template_name="django_tables2/table.html"))
    assert ours == theirs
    assert 'class="num"' in ours and "value=None" in ours and 'data-id="2"' in ours
    assert "&lt;script&gt;" in ours and "<script>" not in ours


@dataclass
class Summary:
    """A plain object as a row, like the overviews' summaries."""

    name: str
    count: int
    note: str | None = None

    def shout(self) -> str:  # a callable attribute: django-tables2 calls it
        return self.name.upper()

    @property
    def double(self) -> int:
        return self.count * 2

    def state(self, now) -> str:  # needs an argument: django-tables2's call fails, value None
        return f"at {now}"

    def reset(self) -> str:  # alters data: django-tables2 refuses to call it
        raise AssertionError("a table must never call a method that alters data")

    reset.alters_data = True  # type: ignore[attr-defined]


class ObjectSample(ConsoleTable):
    name = tables.Column()
    count = tables.Column(attrs={"td": {"class": "num"}})
    note = tables.Column(default="—")
    shout = tables.Column(orderable=False)
    double = tables.Column(orderable=False)
    absent = tables.Column(orderable=False)
    flag = tables.Column(empty_values=(), orderable=False)
    state = tables.Column(empty_values=(), orderable=False)
    reset = tables.Column(orderable=False)

    class Meta:
        order_by = ("-count",)

    def render_flag(self, record):
        return format_html("<b>{}</b>", record.name)

    def render_state(self, value, record):
        return f"state={value!r} of {record.name}"


def test_the_body_of_plain_object_rows_matches_django_tables2():
    rows = [Summary(HOSTILE, 1234567, "x"), Summary("plain", 2), Summary("", 0, "")]
    ours = _tbody(ObjectSample(rows))
    theirs = _tbody(ObjectSample(rows, template_name="django_tables2/table.html"))
    assert ours == theirs
    assert "&lt;SCRIPT&gt;" in ours and "<script>" not in ours and "2,469,134" in ours
    assert "state=None of plain" in ours  # a method that needs arguments reads as no value


def test_an_empty_table_says_so_escaped():
    ours = _tbody(Sample([]))
    theirs = _tbody(Sample([], template_name="django_tables2/table.html"))
    assert ours == theirs
    assert "Nothing &lt;here&gt;." in ours and 'colspan="5"' in ours


def test_the_second_page_renders_its_own_rows():
    table = Sample(ROWS)
    request = RequestFactory().get("/things/", {"page": 2})
    tables.RequestConfig(request, paginate={"per_page": 2}).configure(table)
    body = str(table.tbody_html())
    assert "plain" not in body and body.count("<tr ") == 1


@pytest.mark.django_db(databases=["default", "orchestrator"])
def test_late_rows_pages_keep_the_querysets_order_and_filters():
    from logs.models import Log
    from orchestrator_site.tables import LateRows
    from tests.helpers import NOW, make_log

    for minutes in range(6):
        make_log("Proc A", message=f"m{minutes}", at=NOW - dt.timedelta(minutes=minutes))
    make_log("Proc B", message="elsewhere", at=NOW)
    rows = LateRows(Log.objects.filter(process_name="Proc A").order_by("-log_time"))
    assert [log.log_message for log in rows[1:4]] == ["m1", "m2", "m3"]
    assert [log.log_message for log in rows[4:10]] == ["m4", "m5"]
    assert list(rows[10:20]) == []


@pytest.mark.django_db(databases=["default", "orchestrator"])
def test_late_rows_do_not_read_the_row_past_a_full_page():
    """LazyPaginator asks for one row past the page only to learn that another page follows:
    that row's key stands in for it (a page of 50 reads 50 rows by key, not 51), unless a row of
    the page is gone, when the next one is shown and so is read."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from logs.models import Log
    from orchestrator_site.tables import LateRows
    from tests.helpers import NOW, make_log

    logs = [
        make_log("Proc A", message=f"m{minutes}", at=NOW - dt.timedelta(minutes=minutes))
        for minutes in range(6)
    ]
    rows = LateRows(Log.objects.filter(process_name="Proc A").order_by("-log_time"))
    rows.page_size = 2
    keys = [logs[2].pk, logs[3].pk, logs[4].pk]
    with CaptureQueriesContext(connections["orchestrator"]) as captured:
        page = rows.rows_of(keys, slice(2, 5))
    assert [log.log_message for log in page[:2]] == ["m2", "m3"] and page[2] == logs[4].pk
    by_key = captured.captured_queries[-1]["sql"]

    def names(pk) -> bool:
        return pk.hex in by_key or str(pk) in by_key

    assert names(logs[2].pk) and names(logs[3].pk) and not names(logs[4].pk)
    # The last page, or a slice not one past the page: every row is read.
    assert [log.log_message for log in rows[4:7]] == ["m4", "m5"]
    assert [log.log_message for log in rows[0:2]] == ["m0", "m1"]
    assert len(rows.rows_of(keys, slice(2, 5))) == 3
    Log.objects.filter(pk=logs[3].pk).delete()
    assert [log.log_message for log in rows.rows_of(keys, slice(2, 5))] == ["m2", "m4"]


def test_the_body_of_model_rows_matches_django_tables2():
    """Model records: a field with choices shows its label, a missing attribute renders as
    django-tables2 renders it (value None), a callable attribute is left to django-tables2."""
    import uuid

    from logs.models import Log

    class LogSample(ConsoleTable):
        log_level = tables.Column()
        log_message = tables.Column(default="(none)")
        absent = tables.Column(empty_values=(), orderable=False)
        method = tables.Column(accessor="get_log_level_display", orderable=False)

        class Meta:
            model = Log
            fields = ("log_time", "log_level", "log_message", "job_id")

        def render_absent(self, value):
            return f"absent={value!r}"

    logs = [
        Log(
            id=uuid.UUID(int=i + 1),
            log_time=dt.datetime(2026, 11, 25, 10, i),
            log_level=level,
            process_name="Proc A",
            log_message=message,
        )
        for i, (level, message) in enumerate([("ERROR", HOSTILE), ("TRACE", ""), ("INFO", "ok")])
    ]
    ours = _tbody(LogSample(logs))
    assert ours == _tbody(LogSample(logs, template_name="django_tables2/table.html"))
    assert "absent=None" in ours and "(none)" in ours and "&lt;script&gt;" in ours
    assert "<td >Error</td>" in ours and "<td >ERROR</td>" not in ours  # the label, not the key
    assert ours.count(">Error<") == 2  # the get_log_level_display column too


def _rendered(table: tables.Table, query: dict, *, lazy: bool = False) -> str:
    request = RequestFactory().get("/things/", query)
    paginate: dict = {"per_page": 2}
    if lazy:
        paginate["paginator_class"] = django_tables2.paginators.LazyPaginator
    tables.RequestConfig(request, paginate=paginate).configure(table)
    html = Template("{% load django_tables2 %}{% render_table table %}").render(
        Context({"table": table, "request": request})
    )
    # Whitespace between and inside tags is the template's layout, not content.
    return re.sub(r"\s+<", "<", re.sub(r">\s+", ">", html)).strip()


def _head_and_pages(html: str) -> tuple[str, str]:
    head = re.search(r"<thead.*</thead>", html).group(0)
    pages = re.search(r'<ul class="pagination">.*?</ul>', html)
    return head, pages.group(0) if pages else ""


MANY = [{**ROWS[i % 3], "id": i, "count": i} for i in range(25)]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"page": "7", "sort": "name", "q": "a&b <x>"},
        {"page": "13", "sort": "-count", "kind": ["a", "æ ø"]},
        {"page": "1", "sort": "count"},
    ],
)
@pytest.mark.parametrize("lazy", [False, True])
def test_the_header_and_pagination_match_django_tables2(query, lazy):
    """Sorting links keep every other parameter (escaped, repeated ones too), the sorted column
    links to the reverse order, and the page links (first, last, "...", previous, next) are
    those of django-tables2's template, with a full or a lazy paginator."""
    ours = _head_and_pages(_rendered(Sample(MANY), query, lazy=lazy))
    theirs = _head_and_pages(
        _rendered(Sample(MANY, template_name="django_tables2/table.html"), query, lazy=lazy)
    )
    assert ours == theirs
    head, pages = ours
    assert head.count("<th ") == 5 and "?" in head
    assert pages.count("<li") >= 3 and "next" in pages or "previous" in pages
    if "q" in query:
        assert "q=a%26b+%3Cx%3E" in head and "<x>" not in head + pages


def test_a_table_without_a_header_shows_none():
    table = Sample(ROWS, show_header=False)
    assert table.thead_html() == "" and "<thead" not in _rendered(table, {})


class _MethodHeader(tables.Column):
    def header(self):  # a method: the template's {{ column.header }} calls it
        return format_html('<input type="checkbox" aria-label="{}">', "All <rows>")


class _PropertyHeader(tables.Column):
    @property
    def header(self):
        return "Named & <escaped>"


class HeaderSample(ConsoleTable):
    pick = _MethodHeader(accessor="id", orderable=False, empty_values=())
    name = _PropertyHeader()
    box = tables.CheckBoxColumn(accessor="id")
    count = tables.Column(verbose_name="How <many>")


@pytest.mark.parametrize("query", [{}, {"sort": "-name"}])
def test_headers_of_every_kind_match_django_tables2(query):
    """A column's header as a method, a property, CheckBoxColumn's own, or a verbose name: the
    same header as django-tables2's template draws (the queue page once showed "<bound method
    SelectColumn.header ...>" instead of its select-all box)."""
    ours = _head_and_pages(_rendered(HeaderSample(MANY), query))[0]
    theirs = _head_and_pages(
        _rendered(HeaderSample(MANY, template_name="django_tables2/table.html"), query)
    )[0]
    assert ours == theirs
    assert "bound method" not in ours and 'aria-label="All &lt;rows&gt;"' in ours
    assert "Named &amp; &lt;escaped&gt;" in ours and "How &lt;many&gt;" in ours
