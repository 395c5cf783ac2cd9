"""The elements of one queue: filters in the URL, sorting by declared columns, lazy paging."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.text import Truncator

from queues.models import QueueStatus
from queues.services import acknowledge_elements
from queues.tables import MESSAGE_CHARS, ElementTable
from tests.helpers import NOW, make_element, oo_db

URL = reverse("queues:elements", args=["Queue A"])
H = dt.timedelta(hours=1)


def refs(response) -> list:
    return [row.record.reference for row in response.context["table"].page.object_list]


@oo_db
def test_it_lists_only_this_queue_newest_first(as_viewer):
    make_element("Queue A", reference="old", created_date=NOW - 3 * H)
    make_element("Queue A", reference="new", created_date=NOW - H)
    make_element("Queue B", reference="other")
    response = as_viewer.get(URL)
    assert refs(response) == ["new", "old"]
    assert str(response.context["count"]) == "2"


@oo_db
def test_status_filter_takes_several(as_viewer):
    for status in QueueStatus.values:
        make_element(status=status, reference=status)
    response = as_viewer.get(URL, {"status": ["FAILED", "ABANDONED"]})
    assert sorted(refs(response)) == ["ABANDONED", "FAILED"]


@oo_db
def test_date_ranges_are_inclusive_to_the_second(as_viewer):
    make_element(reference="a", created_date=NOW - 3 * H)
    make_element(reference="b", created_date=dt.datetime(2026, 11, 25, 9, 0, 0, 999999))
    make_element(reference="c", created_date=NOW)
    response = as_viewer.get(
        URL, {"created_from": "2026-11-25T08:00:00", "created_to": "2026-11-25T09:00:00"}
    )
    assert refs(response) == ["b"]
    started = make_element(
        status=QueueStatus.DONE, reference="s", created_date=NOW - 5 * H, start_date=NOW - 4 * H
    )
    response = as_viewer.get(URL, {"started_from": f"{started.start_date:%Y-%m-%dT%H:%M:%S}"})
    assert refs(response) == ["s"]
    response = as_viewer.get(URL, {"ended_to": f"{started.end_date:%Y-%m-%dT%H:%M:%S}"})
    assert refs(response) == ["s"]


@oo_db
def test_reference_exact_or_starts_with(as_viewer):
    make_element(reference="INV-1")
    make_element(reference="INV-10")
    make_element(reference="X-INV-1")
    assert refs(as_viewer.get(URL, {"reference": "INV-1"})) == ["INV-1"]
    found = refs(as_viewer.get(URL, {"reference": "INV-1", "reference_match": "startswith"}))
    assert sorted(found) == ["INV-1", "INV-10"]


@oo_db
def test_text_search_in_data_and_message_is_bounded_by_a_window(as_viewer, settings):
    settings.CONSOLE_TEXT_SEARCH_DAYS = 7
    make_element(reference="data", data='{"cpr": "needle"}', created_date=NOW - H)
    make_element(reference="msg", message="Needle not found", created_date=NOW - H)
    make_element(reference="old", data="needle", created_date=NOW - dt.timedelta(days=8))
    make_element(reference="none", data="hay", created_date=NOW - H)
    response = as_viewer.get(URL, {"text": "needle"})
    assert sorted(refs(response)) == ["data", "msg"]
    page = response.content.decode()
    # The bound is in the form itself, and the page says which range it searched.
    assert 'name="created_from" value="2026-11-18T10:30:15"' in page
    assert (
        "Searched elements created from 18-11-2026 10:30:15 to now (the last 7 days, set for speed)."
        in page
    )
    # One click searches 7 days further back, keeping the text.
    further = response.context["further_back"]
    assert further == "text=needle&created_from=2026-11-11T10%3A30%3A15"
    wider = as_viewer.get(f"{URL}?{further}")
    assert sorted(refs(wider)) == ["data", "msg", "old"]
    assert 'name="created_from" value="2026-11-11T10:30:15"' in wider.content.decode()
    assert "Searched elements created from 11-11-2026 10:30:15 to now." in wider.content.decode()


@oo_db
def test_a_text_search_with_created_to_searches_the_days_before_it(as_viewer, settings):
    settings.CONSOLE_TEXT_SEARCH_DAYS = 7
    make_element(reference="in", data="needle", created_date=NOW - dt.timedelta(days=12))
    make_element(reference="before", data="needle", created_date=NOW - dt.timedelta(days=20))
    make_element(reference="after", data="needle", created_date=NOW - H)
    response = as_viewer.get(URL, {"text": "needle", "created_to": "2026-11-15T00:00:00"})
    assert refs(response) == ["in"]
    assert "created from 08-11-2026 00:00:00 to 15-11-2026 00:00:00" in response.content.decode()
    # An export and an action on all matching use the same, visible range.
    bulk = as_viewer.get(
        reverse("queues:bulk", args=["Queue A"]), {"text": "needle", "created_to": "2026-11-15"}
    )
    assert str(bulk.context["matching"]) == "1"


@oo_db
def test_created_by_filter(as_viewer):
    make_element(reference="mine", created_by="test\\otto")
    make_element(reference="robot", created_by="Robot")
    assert refs(as_viewer.get(URL, {"created_by": "Robot"})) == ["robot"]


@oo_db
@pytest.mark.parametrize(
    "params, field",
    [
        ({"created_from": "yesterday"}, "created_from"),
        ({"ended_to": "2026-13-45T00:00"}, "ended_to"),
        ({"status": "RUNNING"}, "status"),
        ({"status": "new"}, "status"),
        ({"sort": "data"}, "sort"),
        ({"sort": "-message; DROP TABLE"}, "sort"),
        ({"created_from": "2026-11-25T10:00", "created_to": "2026-11-24T10:00"}, "created_to"),
        ({"reference": "r" * 101}, "reference"),
    ],
)
def test_bad_filters_show_the_error_and_no_rows(as_viewer, params, field):
    make_element(reference="visible")
    response = as_viewer.get(URL, params)
    assert response.status_code == 200
    assert field in response.context["filter"].form.errors
    assert refs(response) == []
    assert 'class="errorlist' in response.content.decode()


@oo_db
def test_it_sorts_by_declared_columns(as_viewer):
    make_element(reference="b", created_date=NOW - H)
    make_element(reference="a", created_date=NOW - 2 * H)
    make_element(reference="c", created_date=NOW - 3 * H)
    assert refs(as_viewer.get(URL, {"sort": "reference"})) == ["a", "b", "c"]
    assert refs(as_viewer.get(URL, {"sort": "-reference"})) == ["c", "b", "a"]
    assert refs(as_viewer.get(URL, {"sort": "created_date"})) == ["c", "a", "b"]


@oo_db
def test_unknown_queue_is_an_empty_state(as_viewer):
    response = as_viewer.get(reverse("queues:elements", args=["No such queue"]))
    assert response.status_code == 200
    assert "There is no queue named “No such queue”" in response.content.decode()


@oo_db
def test_queue_names_with_slashes_spaces_and_markup(as_viewer):
    name = "Team/<b>Økonomi</b> #1?"
    make_element(name, reference="odd")
    url = reverse("queues:elements", args=[name])
    response = as_viewer.get(url)
    assert refs(response) == ["odd"]
    page = response.content.decode()
    assert "<b>Økonomi</b>" not in page and "&lt;b&gt;Økonomi&lt;/b&gt;" in page


@oo_db
def test_hostile_text_is_escaped(as_viewer):
    make_element(reference="<img src=x onerror=alert(1)>", message="<script>alert(2)</script>")
    page = as_viewer.get(URL).content.decode()
    assert "<script>alert(2)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


@oo_db
def test_acknowledged_elements_say_so(as_viewer, operator_user):
    failed = make_element(status=QueueStatus.FAILED, reference="f")
    acknowledge_elements(user=operator_user, ids=[failed.pk], comment="<i>known</i>")
    page = as_viewer.get(URL).content.decode()
    assert "test\\otto, 25-11-2026 10:30" in page and "&lt;i&gt;known&lt;/i&gt;" in page


@oo_db
def test_paging_never_counts_the_whole_set(as_viewer, settings):
    settings.CONSOLE_COUNT_CAP = 100
    for i in range(130):
        make_element(reference=f"r{i:03}", created_date=NOW - dt.timedelta(seconds=i))
    with CaptureQueriesContext(connections["orchestrator"]) as queries:
        response = as_viewer.get(URL, {"per_page": 25, "page": 2})
    assert str(response.context["count"]) == "100+"
    assert "100+" in response.content.decode()
    assert refs(response)[0] == "r025" and len(refs(response)) == 25
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


@oo_db
def test_query_count_is_bounded(as_viewer, django_assert_max_num_queries):
    for i in range(80):
        make_element(status=QueueStatus.FAILED, reference=f"r{i}")
    as_viewer.get(URL)
    # The page's keys, its rows by key (LateRows), the capped count, the queue's triggers.
    with django_assert_max_num_queries(4, connection=connections["orchestrator"]):
        response = as_viewer.get(URL, {"status": "FAILED", "sort": "-end_date"})
    assert len(refs(response)) == 50
    with django_assert_max_num_queries(8):
        as_viewer.get(URL)


@oo_db
@pytest.mark.parametrize("path", [URL, reverse("queues:failed")])
def test_the_selection_column_has_a_select_all_box(as_operator, path):
    make_element("Queue A", reference="r1", status=QueueStatus.FAILED)
    html = as_operator.get(path).content.decode()
    head = html[html.index("<thead") : html.index("</thead>")]
    assert '<input type="checkbox" data-select-all="ids" aria-label="Select all">' in head
    assert "bound method" not in html


@pytest.mark.parametrize(
    "message",
    [
        "short",
        "x" * 120,
        "x" * 121,
        "e\u0301" * 100,  # 200 code points, 100 letters once composed: not cut
        "a\u0301\u0316" * 130,  # combining marks that do not compose
        "<b>æøå</b> & " * 20,
        "line one\nline two " * 10,
    ],
)
def test_a_long_message_is_cut_as_djangos_truncator_cuts_it(message):
    """ElementTable.render_message skips Truncator when nothing needs cutting: the same text."""
    table = ElementTable([])
    assert table.render_message(message) == Truncator(message).chars(MESSAGE_CHARS)
