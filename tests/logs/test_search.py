"""The search across processes (/logs/search/): filters, range shown, links, bad input, queries."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from logs.links import logs_around_url, process_logs_url
from logs.models import Log, LogLevel
from tests.helpers import NOW, make_job, make_log, oo_db, oo_tx


def url(**query) -> str:
    base = reverse("logs:search")
    return f"{base}?{urlencode(query, doseq=True)}" if query else base


def rows(response) -> list[Log]:
    return [row.record for row in response.context["table"].paginated_rows]


def messages(response) -> list[str]:
    return [r.log_message for r in rows(response)]


def test_the_address_is_a_contract():
    assert reverse("logs:search") == "/logs/search/"


@oo_db
def test_it_finds_text_in_every_process_newest_first_ignoring_case(as_viewer):
    make_log("Proc A", message="Timeout in A", at=NOW - dt.timedelta(hours=3))
    make_log("Proc B", message="TIMEOUT in B", at=NOW - dt.timedelta(hours=1))
    make_log("Proc C", message="all good", at=NOW - dt.timedelta(hours=2))
    response = as_viewer.get(url(text="timeout"))
    assert response.status_code == 200
    assert messages(response) == ["TIMEOUT in B", "Timeout in A"]
    assert response.context["count"].value == 2
    assert "2 matching logs." in response.content.decode()


@oo_db
def test_it_filters_by_several_levels_and_one_exact_process(as_viewer):
    for process in ("Robot", "Robot ", "Robot 2"):
        for level in LogLevel.values:
            make_log(process, level=level, message=f"{process}|{level}")
    response = as_viewer.get(url(level=["ERROR", "TRACE"], process="Robot "))
    assert sorted(messages(response)) == ["Robot |ERROR", "Robot |TRACE"]
    assert len(messages(as_viewer.get(url(level="INFO")))) == 3


@oo_db
def test_it_searches_the_given_range_to_the_second(as_viewer):
    make_log(message="before", at=dt.datetime(2026, 11, 25, 9, 59, 59, 999999))
    make_log(message="start", at=dt.datetime(2026, 11, 25, 10, 0, 0))
    make_log(message="end", at=dt.datetime(2026, 11, 25, 10, 5, 0, 999000))
    make_log(message="after", at=dt.datetime(2026, 11, 25, 10, 5, 1))
    response = as_viewer.get(url(since="2026-11-25T10:00:00", until="2026-11-25T10:05:00"))
    assert messages(response) == ["end", "start"]
    assert b"data-searched-range" not in response.content  # the person's own range: no note


@oo_db
def test_without_a_start_it_searches_the_default_days_shows_them_and_goes_further_back(
    as_viewer, settings
):
    settings.CONSOLE_TEXT_SEARCH_DAYS = 3
    make_log("Proc A", message="timeout recent", at=NOW - dt.timedelta(days=1))
    make_log("Proc B", message="timeout older", at=NOW - dt.timedelta(days=20))
    response = as_viewer.get(url(text="timeout"))
    assert messages(response) == ["timeout recent"]
    html = response.content.decode()
    assert 'name="since" value="2026-11-22T10:30:15"' in html  # prefilled: the range searched
    assert "Searched 22-11-2026 10:30:15 to now: the 3 days before now" in html
    further = response.context["further_back_url"]
    assert further.startswith("/logs/search/?") and "since=2026-10-23T10%3A30%3A15" in further
    assert f'href="{further.replace("&", "&amp;")}"' in html
    assert messages(as_viewer.get(further)) == ["timeout recent", "timeout older"]


@oo_db
def test_each_line_links_to_its_process_logs_around_and_job(as_viewer):
    job = make_job("Team/Robot 1")
    with_job = make_log("Team/Robot 1", level=LogLevel.ERROR, message="boom", job_id=job.pk)
    without = make_log("Other", message="boom too", at=NOW - dt.timedelta(minutes=1))
    html = as_viewer.get(url(text="boom")).content.decode()
    assert f'href="{process_logs_url("Team/Robot 1")}"' in html
    assert f'href="{process_logs_url("Other")}"' in html
    assert f'href="{logs_around_url(with_job)}"' in html
    assert f'href="{logs_around_url(without)}"' in html
    assert f'href="{reverse("triggers:job", args=[job.pk])}"' in html
    assert len(re.findall(r'href="/jobs/[0-9a-f-]{36}/"', html)) == 1  # a line without a job: none


@oo_db
def test_it_shows_the_real_error_and_keeps_the_whole_text_one_click_away(as_viewer):
    make_log(
        level=LogLevel.ERROR,
        message="An uncaught error ocurred during the process:\nTraceback (most recent call "
        'last):\n  File "main.py", line 3\nTimeoutError: The page did not load',
    )
    html = as_viewer.get(url(level="ERROR")).content.decode()
    assert "<summary>TimeoutError: The page did not load</summary>" in html
    assert "An uncaught error ocurred during the process:\nTraceback" in html  # in <details>


@oo_db
def test_text_is_escaped_and_wildcards_are_literal(as_viewer):
    make_log("<b>P</b>", message="<script>alert(1)</script> 100% done")
    make_log(message="1000 done")
    response = as_viewer.get(url(text="0%"))
    assert len(rows(response)) == 1
    html = response.content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html and "<b>P</b>" not in html


@oo_db
@pytest.mark.parametrize(
    "query",
    [
        {"since": "yesterday"},
        {"until": "2026-13-45T99:00"},
        {"since": "2026-11-25T10:00", "until": "2026-11-24T10:00"},
        {"level": "FATAL"},
        {"level": "error"},
        {"per_page": "100000"},
        {"text": "x" * 201},
        {"process": "p" * 101},
    ],
)
def test_bad_input_shows_errors_and_no_rows(as_viewer, query):
    make_log(message="visible normally")
    response = as_viewer.get(url(**query))
    assert response.status_code == 200
    assert rows(response) == []
    assert b"The search is not valid" in response.content


@oo_db
def test_it_pages_newest_first_without_skipping_or_repeating(as_viewer):
    for i in range(30):
        level = LogLevel.values[i % 3]
        make_log(f"P{i % 4}", level=level, message=f"m{i:02}", at=NOW - dt.timedelta(seconds=i))
    first = as_viewer.get(url(per_page=25))
    second = as_viewer.get(url(per_page=25, page=2))
    assert messages(first) + messages(second) == [f"m{i:02}" for i in range(30)]
    # Counted by a query when the page does not hold them all, from the page when it does.
    assert first.context["count"].value == second.context["count"].value == 30
    assert as_viewer.get(url(per_page=50)).context["count"].value == 30


@oo_db
def test_it_never_counts_more_than_the_cap_and_reads_a_bounded_page(as_viewer, settings):
    settings.CONSOLE_COUNT_CAP = 100
    for i in range(120):
        make_log(f"P{i % 3}", message="x", at=NOW - dt.timedelta(seconds=i))
    as_viewer.get(url())
    with CaptureQueriesContext(connections["orchestrator"]) as captured:
        response = as_viewer.get(url())
    assert "100+ matching logs" in response.content.decode()
    assert len(rows(response)) == 50
    # The count (bounded), the page's keys, its rows: no DISTINCT, no unbounded COUNT.
    sql = [q["sql"].upper() for q in captured.captured_queries]
    assert len(sql) <= 5 and not any("DISTINCT" in q for q in sql)
    assert all("LIMIT" in q for q in sql if "COUNT(" in q)


@oo_db
def test_it_requires_the_view_permission_and_refuses_post(as_outsider, as_viewer):
    assert as_outsider.get(url()).status_code == 403
    assert as_viewer.post(url()).status_code == 405


@oo_tx
def test_with_the_level_indexes_it_reads_each_level_newest_first_and_merges(
    as_viewer, recommended_indexes
):
    for i in range(40):
        make_log(
            f"P{i % 2}",
            level=LogLevel.values[(i * 7) % 3],
            message=f"m{i:02}",
            at=NOW - dt.timedelta(seconds=i),
        )
    as_viewer.get(url())
    with CaptureQueriesContext(connections["orchestrator"]) as captured:
        first = as_viewer.get(url(per_page=25))
    assert messages(first) == [f"m{i:02}" for i in range(25)]
    # One key query per level, each limited to the page's end.
    per_level = [q for q in captured.captured_queries if '"log_level" = ' in q["sql"]]
    assert len(per_level) == 3 and all("LIMIT 26" in q["sql"] for q in per_level)
    second = as_viewer.get(url(per_page=25, page=2))
    assert messages(second) == [f"m{i:02}" for i in range(25, 40)]
    assert messages(as_viewer.get(url(per_page=25, process="P1"))) == [
        f"m{i:02}" for i in range(1, 40, 2)
    ]


@oo_db
def test_a_text_search_is_counted_only_as_far_as_its_pages(as_viewer):
    """A substring count would read the whole range a second time: "50+" instead."""
    for i in range(60):
        make_log(f"P{i % 3}", message=f"Timeout {i}", at=NOW - dt.timedelta(seconds=i))
    as_viewer.get(url(text="timeout"))
    with CaptureQueriesContext(connections["orchestrator"]) as captured:
        response = as_viewer.get(url(text="timeout"))
    assert str(response.context["count"]) == "50+"
    assert "counted only as far as its pages go" in response.content.decode()
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    second = as_viewer.get(url(text="timeout", page=2))
    assert str(second.context["count"]) == "60"  # the last page holds the rest: exact


@oo_tx
def test_once_a_page_is_full_the_next_levels_are_read_only_down_to_its_oldest_line(
    as_viewer, recommended_indexes
):
    """A level with no match must not be read to the start of the range (a million logs: most of
    the page's time); a newer line of a later level still takes its place on the page."""
    for i in range(30):  # errors every 2 s, the newest 30 matching lines of the range
        make_log(
            "P",
            level=LogLevel.ERROR,
            message=f"Timeout e{i:02}",
            at=NOW - dt.timedelta(seconds=2 * i),
        )
    make_log("P", level=LogLevel.INFO, message="Timeout info", at=NOW - dt.timedelta(seconds=3))
    for i in range(200):  # older, and no match
        make_log(
            "Q", level=LogLevel.TRACE, message="busy", at=NOW - dt.timedelta(hours=1, seconds=i)
        )
    as_viewer.get(url(text="timeout", per_page=25))
    with CaptureQueriesContext(connections["orchestrator"]) as captured:
        response = as_viewer.get(url(text="timeout", per_page=25))
    assert messages(response) == ["Timeout e00", "Timeout e01", "Timeout info"] + [
        f"Timeout e{i:02}" for i in range(2, 24)
    ]
    per_level = [
        q["sql"]
        for q in captured.captured_queries
        if '"log_level" = ' in q["sql"] and "LIKE" in q["sql"]
    ]
    assert len(per_level) == 3
    assert "'ERROR'" in per_level[0] and per_level[0].count('"log_time" >=') == 1
    # INFO and TRACE: only down to the oldest of the 26 lines found before them (INFO: e25; the
    # info line then pushes e25 off, so TRACE: e24), as their one lower bound. With the range's
    # start as a second bound, SQLite ranged the index by the start and tested the later bound on
    # every line (a million logs: twice the lines read).
    info, trace = per_level[1:]
    assert info.count('"log_time" >=') == 1 and str(NOW - dt.timedelta(seconds=50)) in info
    assert trace.count('"log_time" >=') == 1 and str(NOW - dt.timedelta(seconds=48)) in trace
    assert messages(as_viewer.get(url(text="timeout", per_page=25, page=2))) == [
        f"Timeout e{i:02}" for i in range(24, 30)
    ]


def _busy_trace_and_an_older_error() -> None:
    """Proc A: TRACE lines every hour for 4 hours, INFO every 2 hours; a Timeout ERROR 6 h ago."""
    for hours in range(1, 5):
        make_log(
            "Proc A",
            level=LogLevel.TRACE,
            message=f"step {hours}",
            at=NOW - dt.timedelta(hours=hours),
        )
    for hours in (2, 4):
        make_log(
            "Proc B",
            level=LogLevel.INFO,
            message=f"note {hours}",
            at=NOW - dt.timedelta(hours=hours),
        )
    make_log(
        "Proc B", level=LogLevel.ERROR, message="Timeout at six", at=NOW - dt.timedelta(hours=6)
    )


@oo_tx
def test_a_text_search_covers_at_most_the_newest_lines_of_each_level_and_says_so(
    as_viewer, settings, recommended_indexes
):
    """As on a process's page: a substring test reads every line of its range, so the range ends
    where a searched level logged more than CONSOLE_TEXT_SEARCH_ROWS lines."""
    settings.CONSOLE_TEXT_SEARCH_ROWS = 3
    _busy_trace_and_an_older_error()
    response = as_viewer.get(url(text="timeout"))
    assert rows(response) == []
    html = response.content.decode()
    # TRACE's 3rd newest line (3 hours ago) is the latest cut: INFO has 2 lines, ERROR 1.
    assert "Searched 25-11-2026 07:30:15 to now: the newest 3 lines of each level" in html
    assert 'name="since" value="2026-11-25T07:30:15"' in html
    further = as_viewer.get(response.context["further_back_url"])
    assert messages(further) == ["Timeout at six"]
    # Without TRACE the range is the whole week; a given “From” is kept as typed.
    assert messages(as_viewer.get(url(text="timeout", level=["ERROR", "INFO"]))) == [
        "Timeout at six"
    ]
    assert messages(as_viewer.get(url(text="timeout", since="2026-11-25T00:00:00"))) == [
        "Timeout at six"
    ]
    # One process: its own levels' lines decide (Proc B has 2 INFO lines and 1 ERROR).
    assert messages(as_viewer.get(url(text="timeout", process="Proc B"))) == ["Timeout at six"]


@oo_db
def test_without_the_level_index_a_text_search_covers_the_whole_window(as_viewer, settings):
    """Finding a level's Nth newest line would read the level's whole range itself."""
    settings.CONSOLE_TEXT_SEARCH_ROWS = 3
    _busy_trace_and_an_older_error()
    response = as_viewer.get(url(text="timeout"))
    assert messages(response) == ["Timeout at six"]
    assert "Searched 18-11-2026 10:30:15 to now: the 7 days before now" in response.content.decode()
