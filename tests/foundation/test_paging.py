"""No list page returns an unbounded number of rows, whatever ?per_page= says."""

from __future__ import annotations

import django_tables2 as tables
import pytest
from django.test import RequestFactory

from orchestrator_site.paging import configure_lazy


class NumberTable(tables.Table):
    n = tables.Column()


@pytest.mark.parametrize(
    ("asked", "rows"),
    [("100000", 50), ("0", 50), ("-5", 50), ("abc", 50), ("25", 25), ("200", 200), (None, 50)],
)
def test_page_size_is_clamped_to_the_offered_choices(asked, rows):
    table = NumberTable([{"n": i} for i in range(1000)])
    query = {} if asked is None else {"per_page": asked}
    configure_lazy(RequestFactory().get("/", query), table)
    assert len(table.page.object_list) == rows


def test_lazy_paging_knows_there_is_a_next_page_without_counting():
    table = NumberTable([{"n": i} for i in range(120)])
    configure_lazy(RequestFactory().get("/", {"page": "2", "per_page": "50"}), table)
    assert [row.record["n"] for row in table.page.object_list][:2] == [50, 51]
    assert table.page.has_next()
