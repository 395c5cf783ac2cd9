"""The dashboard's recent errors: the total of the window, "show all" into the search, the real
error line, links to each process's logs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from dashboard.panels import RECENT_ERRORS_LIMIT
from logs.links import process_logs_url
from logs.models import LogLevel
from orchestrator_site import clock
from tests.helpers import NOW, make_log, oo_db, oo_tx


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def panel() -> str:
    return "/dashboard/fragments/errors/"


def show_all_link(html: str) -> str:
    found = re.search(r'<a href="([^"]*)" data-all-errors>Show all ([^<]*)</a>', html)
    assert found, "no “show all” link"
    return found.group(1).replace("&amp;", "&"), found.group(2)


@oo_tx
def test_it_shows_the_total_and_a_link_to_all_of_them_in_the_search(
    as_viewer, settings, recommended_indexes
):
    window_start = NOW - dt.timedelta(hours=48)  # a Wednesday: 48 hours
    for i in range(RECENT_ERRORS_LIMIT + 5):
        make_log(f"P{i % 3}", level=LogLevel.ERROR, message=f"e{i}", at=NOW - dt.timedelta(hours=i))
    # At the edges of the window: the line in the window's first second counts, the one before not.
    make_log(
        "Edge", level=LogLevel.ERROR, message="edge in", at=window_start.replace(microsecond=0)
    )
    make_log(
        "Edge", level=LogLevel.ERROR, message="edge out", at=window_start - dt.timedelta(seconds=1)
    )
    make_log("P0", level=LogLevel.INFO, message="not an error", at=NOW)
    html = as_viewer.get(panel()).content.decode()
    assert html.count("<tr><td") == RECENT_ERRORS_LIMIT
    url, shown_total = show_all_link(html)
    assert shown_total == "21"
    assert url == "/logs/search/?level=ERROR&since=2026-11-23T10%3A30%3A15"
    search = as_viewer.get(url)
    # The numbers agree: the search counts and lists exactly the dashboard's errors.
    assert search.context["count"].value == 21 and not search.context["count"].capped
    assert "21 matching logs." in search.content.decode()
    listed = as_viewer.get(url + "&per_page=100")
    assert {row.record.log_message for row in listed.context["table"].paginated_rows} == {
        *(f"e{i}" for i in range(RECENT_ERRORS_LIMIT + 5)),
        "edge in",
    }


@oo_tx
def test_a_total_beyond_the_cap_says_so_in_both_places(as_viewer, settings, recommended_indexes):
    settings.CONSOLE_COUNT_CAP = 100
    for i in range(101):
        make_log("P", level=LogLevel.ERROR, message="x", at=NOW - dt.timedelta(minutes=i))
    html = as_viewer.get(panel()).content.decode()
    url, shown_total = show_all_link(html)
    assert shown_total == "100+"
    assert "100+ matching logs" in as_viewer.get(url).content.decode()


@oo_db
def test_process_names_link_to_their_logs_and_the_message_to_the_whole_text(as_viewer):
    log = make_log(
        "Team/Robot <1>",
        level=LogLevel.ERROR,
        message="An uncaught error ocurred during the process:\nTraceback (most recent call "
        'last):\n  File "main.py", line 9\nTimeoutError: The page did not load',
        at=NOW - dt.timedelta(minutes=5),
    )
    html = as_viewer.get("/").content.decode()
    assert f'<a href="{process_logs_url("Team/Robot <1>")}">Team/Robot &lt;1&gt;</a>' in html
    detail = reverse("logs:detail", args=[log.pk])
    assert (
        f'<a href="{detail}" title="The whole message">TimeoutError: The page did not load</a>'
        in html
    )
    assert "An uncaught error ocurred" not in html


@oo_db
def test_without_errors_there_is_no_show_all_link(as_viewer):
    html = as_viewer.get(panel()).content.decode()
    assert "No errors logged since" in html and "data-all-errors" not in html


@oo_db
def test_a_panel_that_is_not_full_shows_its_total_without_counting(as_viewer):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    for i in range(3):
        make_log("P", level=LogLevel.ERROR, message=f"e{i}", at=NOW - dt.timedelta(hours=i))
    as_viewer.get(panel())
    with CaptureQueriesContext(connections["orchestrator"]) as captured:
        html = as_viewer.get(panel()).content.decode()
    assert show_all_link(html)[1] == "3"
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


@oo_db
def test_without_the_level_index_a_full_panel_is_not_counted(as_viewer):
    """Without orchestrator_indexes the count would scan all of Logs at every refresh."""
    for i in range(RECENT_ERRORS_LIMIT + 5):
        make_log("P", level=LogLevel.ERROR, message=f"e{i}", at=NOW - dt.timedelta(hours=i))
    html = as_viewer.get(panel()).content.decode()
    _url, shown_total = show_all_link(html)
    assert shown_total == f"{RECENT_ERRORS_LIMIT}+"
