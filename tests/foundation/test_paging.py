"""No list page returns an unbounded number of rows, whatever ?per_page=, ?page= or ?sort= say."""

from __future__ import annotations

import django_tables2 as tables
import pytest
from django.test import RequestFactory

from orchestrator_site.paging import MAX_PAGE, configure_lazy

pytestmark = pytest.mark.no_orchestrator_db


class NumberTable(tables.Table):
    n = tables.Column()
    label = tables.Column(orderable=False)


def _table(count: int = 1000) -> NumberTable:
    return NumberTable([{"n": i, "label": f"#{i}"} for i in range(count)])


@pytest.mark.parametrize(("asked", "rows"), [("25", 25), ("200", 200), ("", 50), (None, 50)])
def test_it_pages_by_the_offered_sizes(asked, rows):
    table = _table()
    query = {} if asked is None else {"per_page": asked}
    assert configure_lazy(RequestFactory().get("/", query), table).is_valid()
    assert len(table.page.object_list) == rows and table.paging_errors == []


@pytest.mark.parametrize(
    "query",
    [
        {"per_page": "100000"},
        {"per_page": "0"},
        {"per_page": "-5"},
        {"per_page": "abc"},
        {"page": "abc"},
        {"page": "0"},
        {"page": "-1"},
        {"page": str(MAX_PAGE + 1)},
        {"page": "9223372036854775807"},
        {"sort": "label"},
        {"sort": "bogus"},
        {"sort": ["n", "bogus"]},
    ],
)
def test_anything_else_is_an_error_and_no_rows(query):
    table = _table()
    assert not configure_lazy(RequestFactory().get("/", query), table).is_valid()
    assert list(table.page.object_list) == [] and table.paging_errors


def test_lazy_paging_knows_there_is_a_next_page_without_counting():
    table = _table(120)
    configure_lazy(RequestFactory().get("/", {"page": "2", "per_page": "50"}), table)
    assert [row.record["n"] for row in table.page.object_list][:2] == [50, 51]
    assert table.page.has_next()


def test_a_page_past_the_end_shows_the_last_page():
    table = _table(120)
    configure_lazy(RequestFactory().get("/", {"page": "99", "per_page": "50"}), table)
    assert table.page.number == 3
    assert [row.record["n"] for row in table.page.object_list] == list(range(100, 120))


def test_it_sorts_by_a_declared_column():
    table = _table(10)
    configure_lazy(RequestFactory().get("/", {"sort": "-n"}), table)
    assert [row.record["n"] for row in table.page.object_list][:3] == [9, 8, 7]
