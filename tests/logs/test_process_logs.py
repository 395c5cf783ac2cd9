"""The logs of one process: filters, sorting, paging, escaping, bad input."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse
from OpenOrchestrator.database.logs import LogLevel as OOLogLevel

from logs.links import process_logs_url
from logs.models import LogLevel
from tests.helpers import NOW, make_job, make_log, oo_db, oo_tx

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def url(process: str = "Proc A", **query) -> str:
    base = reverse("logs:process", args=[process])
    if not query:
        return base
    from urllib.parse import urlencode

    return f"{base}?{urlencode(query, doseq=True)}"


def rows(response) -> list:
    return [row.record for row in response.context["table"].paginated_rows]


@oo_db
def test_it_lists_only_that_process_newest_first(as_viewer):
    old = make_log("Proc A", message="old", at=NOW - dt.timedelta(hours=2))
    new = make_log("Proc A", message="new", at=NOW - dt.timedelta(minutes=1))
    make_log("Proc B", message="other")
    response = as_viewer.get(url())
    assert response.status_code == 200
    assert [r.pk for r in rows(response)] == [new.pk, old.pk]
    assert b"other" not in response.content


@oo_db
def test_it_shows_time_to_the_second_level_badge_and_job_link(as_viewer):
    job = make_job("Proc A")
    make_log("Proc A", level=LogLevel.ERROR, message="boom", at=NOW, job_id=job.pk)
    html = as_viewer.get(url()).content.decode()
    assert "25-11-2026 10:30:15" in html and "10:30:15.123" not in html
    assert '<span class="badge badge-ERROR">Error</span>' in html
    assert reverse("triggers:job", args=[job.pk]) in html


@oo_db
def test_it_shows_the_first_line_and_the_full_text_behind_details(as_viewer):
    make_log(message="First line\nsecond line\nthird")
    html = as_viewer.get(url()).content.decode()
    assert "<details" in html and "<summary>First line</summary>" in html
    assert "second line\nthird" in html


@oo_db
def test_it_renders_html_in_messages_and_process_names_as_text(as_viewer):
    make_log(XSS, message=XSS + "\n" + XSS)
    html = as_viewer.get(url(XSS)).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


@oo_db
def test_an_unknown_process_shows_an_empty_state(as_viewer):
    response = as_viewer.get(url("No such process"))
    assert response.status_code == 200 and rows(response) == []
    assert b"No logs match." in response.content


@oo_db
def test_a_process_name_with_slashes_and_spaces_works(as_viewer):
    make_log("Team/Robot 1", message="slashed")
    link = process_logs_url("Team/Robot 1")
    response = as_viewer.get(link)
    assert response.status_code == 200 and [r.log_message for r in rows(response)] == ["slashed"]


@oo_db
def test_it_filters_by_time_window_inclusive_to_the_second(as_viewer):
    make_log(message="before", at=dt.datetime(2026, 11, 25, 9, 59, 59, 999999))
    make_log(message="start", at=dt.datetime(2026, 11, 25, 10, 0, 0))
    make_log(message="end", at=dt.datetime(2026, 11, 25, 10, 5, 0, 999000))
    make_log(message="after", at=dt.datetime(2026, 11, 25, 10, 5, 1))
    response = as_viewer.get(url(start="2026-11-25T10:00:00", end="2026-11-25T10:05:00"))
    assert [r.log_message for r in rows(response)] == ["end", "start"]


@oo_db
def test_it_filters_by_several_levels(as_viewer):
    for level in LogLevel.values:
        make_log(level=level, message=level)
    response = as_viewer.get(url(level=["ERROR", "TRACE"]))
    assert {r.log_message for r in rows(response)} == {"ERROR", "TRACE"}


@oo_db
def test_it_filters_by_job_id(as_viewer):
    job = make_job()
    make_log(message="in job", job_id=job.pk)
    make_log(message="no job")
    response = as_viewer.get(url(job=str(job.pk)))
    assert [r.log_message for r in rows(response)] == ["in job"]


@oo_db
def test_text_search_is_bounded_by_the_default_window_and_says_so(as_viewer, settings):
    settings.CONSOLE_TEXT_SEARCH_DAYS = 3
    make_log(message="Timeout in step 4", at=NOW - dt.timedelta(days=1))
    make_log(message="timeout long ago", at=NOW - dt.timedelta(days=5))
    make_log(message="all good", at=NOW - dt.timedelta(hours=1))
    response = as_viewer.get(url(text="TIMEOUT"))
    assert [r.log_message for r in rows(response)] == ["Timeout in step 4"]
    html = response.content.decode()
    # The range searched is in the form and said in words, with one click further back.
    assert 'name="start" value="2026-11-22T10:30:15"' in html
    assert "Searched 22-11-2026 10:30:15 to now: the 3 days before now" in html
    further = response.context["further_back_url"]
    assert "start=2026-10-23T10%3A30%3A15" in further and "text=TIMEOUT" in further
    assert [r.log_message for r in rows(as_viewer.get(further))] == [
        "Timeout in step 4",
        "timeout long ago",
    ]


@oo_db
def test_text_search_before_a_given_end_says_the_days_before_it(as_viewer, settings):
    settings.CONSOLE_TEXT_SEARCH_DAYS = 3
    make_log(message="timeout", at=NOW - dt.timedelta(days=11))
    response = as_viewer.get(url(text="timeout", end="2026-11-15T00:00:00"))
    assert [r.log_message for r in rows(response)] == ["timeout"]
    html = response.content.decode()
    assert 'name="start" value="2026-11-12T00:00:00"' in html
    assert "Searched 12-11-2026 00:00:00 to 15-11-2026 00:00:00: the 3 days before “To”" in html


@oo_db
def test_a_search_with_a_given_start_searches_exactly_that_and_says_nothing_more(as_viewer):
    make_log(message="timeout", at=NOW - dt.timedelta(days=11))
    response = as_viewer.get(url(text="timeout", start="2026-11-01T00:00:00"))
    assert [r.log_message for r in rows(response)] == ["timeout"]
    assert b"data-searched-range" not in response.content
    assert b'name="start" value="2026-11-01T00:00:00"' in response.content


def _few_lines_and_an_older_timeout():
    make_log(message="Timeout early today", at=NOW - dt.timedelta(hours=10))
    for hours in (4, 3, 2, 1):
        make_log(message=f"step {hours}", at=NOW - dt.timedelta(hours=hours))
    make_log("Other process", message="Timeout elsewhere", at=NOW - dt.timedelta(minutes=5))


@oo_tx
def test_text_search_covers_at_most_the_newest_lines_and_says_how_to_go_further(
    as_viewer, settings, recommended_indexes
):
    settings.CONSOLE_TEXT_SEARCH_ROWS = 3
    _few_lines_and_an_older_timeout()
    response = as_viewer.get(url(text="timeout"))
    assert rows(response) == []
    html = response.content.decode()
    # The 3rd newest line of Proc A is the one 3 hours ago: the search starts there.
    assert "Searched 25-11-2026 07:30:15 to now: the newest 3 lines of this process" in html
    assert 'name="start" value="2026-11-25T07:30:15"' in html
    # One click further back finds it.
    further = as_viewer.get(response.context["further_back_url"])
    assert [r.log_message for r in rows(further)] == ["Timeout early today"]
    since_morning = url(
        text="timeout", start=(NOW - dt.timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%S")
    )
    assert [r.log_message for r in rows(as_viewer.get(since_morning))] == ["Timeout early today"]


@oo_db
def test_without_the_process_time_index_text_search_covers_the_whole_window(as_viewer, settings):
    # Finding the Nth newest line would scan the whole table itself: only the days bound it.
    settings.CONSOLE_TEXT_SEARCH_ROWS = 3
    _few_lines_and_an_older_timeout()
    response = as_viewer.get(url(text="timeout"))
    assert [r.log_message for r in rows(response)] == ["Timeout early today"]
    assert "Searched 18-11-2026 10:30:15 to now: the 7 days before now" in response.content.decode()


@oo_db
def test_text_search_uses_the_given_window(as_viewer):
    make_log(message="timeout long ago", at=NOW - dt.timedelta(days=30))
    response = as_viewer.get(url(text="timeout", start="2026-10-01T00:00:00"))
    assert [r.log_message for r in rows(response)] == ["timeout long ago"]


@oo_db
def test_text_search_treats_wildcards_literally(as_viewer):
    make_log(message="100% done")
    make_log(message="1000 done")
    response = as_viewer.get(url(text="0%"))
    assert [r.log_message for r in rows(response)] == ["100% done"]


@oo_db
@pytest.mark.parametrize(
    "query",
    [
        {"start": "yesterday"},
        {"end": "2026-13-45T99:00"},
        {"start": "2026-11-25T10:00", "end": "2026-11-24T10:00"},
        {"level": "FATAL"},
        {"level": "info"},
        {"sort": "log_message"},
        {"sort": "log_level"},
        {"sort": "id; DROP TABLE Logs"},
        {"job": "not-a-uuid"},
        {"per_page": "100000"},
        {"per_page": "All"},
    ],
)
def test_bad_filters_show_errors_and_no_rows(as_viewer, query):
    make_log(message="visible normally")
    response = as_viewer.get(url(**query))
    assert response.status_code == 200
    assert response.context["filter"].errors
    assert rows(response) == []
    assert b"The filter is not valid" in response.content


@oo_db
def test_it_sorts_by_time_the_one_declared_column(as_viewer):
    make_log(level=LogLevel.TRACE, message="t", at=NOW - dt.timedelta(minutes=3))
    make_log(level=LogLevel.ERROR, message="e", at=NOW - dt.timedelta(minutes=2))
    make_log(level=LogLevel.INFO, message="i", at=NOW - dt.timedelta(minutes=1))
    assert [r.log_message for r in rows(as_viewer.get(url(sort="log_time")))] == ["t", "e", "i"]
    assert [r.log_message for r in rows(as_viewer.get(url(sort="-log_time")))] == ["i", "e", "t"]
    html = as_viewer.get(url()).content.decode()
    assert "?sort=log_time" in html and "sort=log_level" not in html


@oo_db
def test_it_pages_lazily_with_a_bounded_page_size(as_viewer):
    for i in range(30):
        make_log(message=f"m{i}", at=NOW - dt.timedelta(seconds=i))
    first = as_viewer.get(url(per_page=25))
    assert len(rows(first)) == 25
    second = as_viewer.get(url(per_page=25, page=2))
    assert [r.log_message for r in rows(second)] == [f"m{i}" for i in range(25, 30)]
    bad_page = as_viewer.get(url(page="abc"))
    assert rows(bad_page) == [] and b"Page must be a whole number" in bad_page.content
    past_the_end = rows(as_viewer.get(url(per_page=25, page=99)))  # the last page
    assert [r.log_message for r in past_the_end] == [f"m{i}" for i in range(25, 30)]


@oo_db
def test_list_page_query_count_is_bounded(as_viewer, django_assert_max_num_queries):
    job = make_job()
    for i in range(60):
        make_log(message=f"m{i}", job_id=job.pk, at=NOW - dt.timedelta(seconds=i))
    as_viewer.get(url())  # sign-in queries happen on the first request
    with django_assert_max_num_queries(6):
        response = as_viewer.get(url(level=["INFO"], text="m", per_page=50))
    assert len(rows(response)) == 50


@oo_db
def test_it_never_counts_the_whole_set(as_viewer, django_assert_max_num_queries):
    make_log()
    as_viewer.get(url())
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connections["orchestrator"]) as captured:
        as_viewer.get(url())
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
    # SQLite: the page's keys, then its rows (LateRows); PostgreSQL sorts keeping only the page.
    sqlite = connections["orchestrator"].vendor == "sqlite"
    assert len(captured.captured_queries) == (2 if sqlite else 1)


@oo_db
def test_it_requires_the_view_permission(as_outsider):
    assert as_outsider.get(url()).status_code == 403


@oo_db
def test_it_refuses_post(as_viewer):
    assert as_viewer.post(url()).status_code == 405


@oo_db
def test_only_admins_see_the_delete_controls(as_viewer, as_admin):
    make_log()
    assert b"Delete selected" not in as_viewer.get(url()).content
    assert b'name="ids"' not in as_viewer.get(url()).content
    html = as_admin.get(url()).content
    assert b"Delete selected" in html and b'name="ids"' in html


@oo_db
def test_each_selection_checkbox_names_its_row_for_a_screen_reader(as_admin):
    make_log("Proc A", level=LogLevel.ERROR, message="boom", at=NOW)
    make_log("Proc A", level=LogLevel.INFO, message="fine", at=NOW - dt.timedelta(seconds=5))
    html = as_admin.get(url()).content.decode()
    boxes = re.findall(r'<input type="checkbox" (?:name="ids"|data-select-all)[^>]*>', html)
    assert [re.search(r'aria-label="([^"]*)"', box).group(1) for box in boxes] == [
        "Select every log shown",
        "Select the log of 25-11-2026 10:30:15 (Error)",
        "Select the log of 25-11-2026 10:30:10 (Info)",
    ]


@oo_tx
def test_logs_written_by_openorchestrator_show_truncated_and_non_ascii(as_viewer, db_util):
    job = db_util.start_job("Robot æøå", "SCHED-1")
    long = "Ä" * 4000 + "MIDDLE" * 1000 + "Ω" * 4000
    db_util.create_log("Robot æøå", OOLogLevel.ERROR, job.id, long)
    db_util.create_log("Robot æøå", OOLogLevel.INFO, None, "Grüße, 東京 <b>bold</b>")
    response = as_viewer.get(url("Robot æøå"))
    found = rows(response)
    assert len(found) == 2
    error = next(r for r in found if r.log_level == LogLevel.ERROR)
    assert len(error.log_message) == 8000 and "MIDDLE" not in error.log_message
    assert error.job_id == job.id
    html = response.content.decode()
    assert "Grüße, 東京 &lt;b&gt;bold&lt;/b&gt;" in html
    assert "Ä" * 200 + "…" in html  # the first line is cut for the table, the rest is in <details>
    assert as_viewer.get(url("Robot æøå", level="ERROR", job=str(job.id))).status_code == 200
    assert [r.pk for r in rows(as_viewer.get(url("Robot æøå", text="東京")))] != []


@oo_db
def test_a_random_job_id_filter_shows_nothing(as_viewer):
    make_log(job_id=uuid.uuid4())
    assert rows(as_viewer.get(url(job=str(uuid.uuid4())))) == []


@oo_db
def test_an_empty_sort_keeps_newest_first(as_viewer):
    make_log(message="old", at=NOW - dt.timedelta(hours=1))
    make_log(message="new", at=NOW)
    response = as_viewer.get(url(sort="", text="", start=""))
    assert [r.log_message for r in rows(response)] == ["new", "old"]


@oo_db
def test_the_filter_form_and_clear_link_survive_odd_process_names(as_viewer):
    make_log("a?b#c", message="odd")
    response = as_viewer.get(process_logs_url("a?b#c"))
    assert [r.log_message for r in rows(response)] == ["odd"]
    assert f'href="{reverse("logs:process", args=["a?b#c"])}"' in response.content.decode()
