"""The logs overview: one row per process from one grouped, cached query."""

from __future__ import annotations

import datetime as dt

from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from logs.models import LogLevel
from tests.helpers import NOW, make_log, oo_db

URL = reverse("logs:overview")


def summaries(response):
    return {row.record.process_name: row.record for row in response.context["table"].rows}


@oo_db
def test_it_counts_each_level_and_recent_errors_per_process(as_viewer):
    make_log("Proc A", level=LogLevel.TRACE, at=NOW - dt.timedelta(hours=1))
    make_log("Proc A", level=LogLevel.INFO, at=NOW - dt.timedelta(hours=1))
    make_log("Proc A", level=LogLevel.ERROR, at=NOW - dt.timedelta(hours=47))
    make_log("Proc A", level=LogLevel.ERROR, at=NOW - dt.timedelta(hours=49))
    make_log("Proc B", level=LogLevel.INFO, at=NOW - dt.timedelta(days=3))
    found = summaries(as_viewer.get(URL))
    a, b = found["Proc A"], found["Proc B"]
    assert (a.trace, a.info, a.error, a.recent_errors) == (1, 1, 2, 1)
    assert a.last_log == NOW - dt.timedelta(hours=1)
    assert (b.trace, b.info, b.error, b.recent_errors) == (0, 1, 0, 0)


@oo_db
def test_it_sorts_by_latest_activity(as_viewer):
    make_log("Old", at=NOW - dt.timedelta(days=2))
    make_log("Newest", at=NOW)
    make_log("Middle", at=NOW - dt.timedelta(hours=1))
    response = as_viewer.get(URL)
    assert list(summaries(response)) == ["Newest", "Middle", "Old"]


@oo_db
def test_it_searches_by_process_name(as_viewer):
    make_log("Invoice robot")
    make_log("Payroll robot")
    response = as_viewer.get(URL, {"q": "INVOICE"})
    assert list(summaries(response)) == ["Invoice robot"]
    assert list(summaries(as_viewer.get(URL, {"q": "nothing"}))) == []


@oo_db
def test_it_is_one_grouped_query_then_cached(as_viewer):
    make_log("Proc A")
    as_viewer.get(URL, {"q": "warm up the session"})
    from django.core.cache import caches

    caches["shared"].clear()  # no snapshot: this view counts
    with CaptureQueriesContext(connections["orchestrator"]) as first:
        as_viewer.get(URL)
    on_logs = [q["sql"] for q in first.captured_queries if '"Logs"' in q["sql"]]
    assert len(on_logs) == 1 and "GROUP BY" in on_logs[0]
    make_log("Proc B")
    with CaptureQueriesContext(connections["orchestrator"]) as second:
        response = as_viewer.get(URL)
    assert not [q for q in second.captured_queries if '"Logs"' in q["sql"]]
    assert list(summaries(response)) == ["Proc A"]  # cached for CONSOLE_OVERVIEW_CACHE_SECONDS


@oo_db
def test_query_count_is_bounded(as_viewer, django_assert_max_num_queries):
    for i in range(20):
        make_log(f"Proc {i}")
    as_viewer.get(URL)
    with django_assert_max_num_queries(5):
        response = as_viewer.get(URL)
    assert len(summaries(response)) == 20


@oo_db
def test_it_links_each_process_and_escapes_names(as_viewer):
    make_log('<script>alert("p")</script>')
    html = as_viewer.get(URL).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt;" in html
    assert reverse("logs:process", args=['<script>alert("p")</script>']) in html


@oo_db
def test_no_logs_is_an_empty_state(as_viewer):
    response = as_viewer.get(URL)
    assert response.status_code == 200 and b"No logs match." in response.content


@oo_db
def test_it_requires_the_view_permission(as_outsider, as_viewer):
    assert as_outsider.get(URL).status_code == 403
    assert as_viewer.post(URL).status_code == 405


@oo_db
def test_a_process_with_an_empty_name_still_links(as_viewer):
    make_log("", message="nameless")
    html = as_viewer.get(URL).content.decode()
    assert 'href="/logs/process/~/"' in html  # "//" would be merged by some proxies
    for path in ("/logs/process/~/", "/logs/process//"):
        response = as_viewer.get(path)
        assert [row.record.log_message for row in response.context["table"].paginated_rows] == [
            "nameless"
        ]


@oo_db
def test_it_says_how_long_ago_the_numbers_were_counted(as_viewer):
    from dataclasses import replace

    from django.core.cache import caches

    from logs.queries import OVERVIEW_CACHE_KEY

    make_log("Proc A")
    as_viewer.get(URL)
    entry = caches["shared"].get(OVERVIEW_CACHE_KEY)
    older = replace(entry, taken_at=entry.taken_at - dt.timedelta(seconds=12))
    caches["shared"].set(OVERVIEW_CACHE_KEY, older, None)
    assert "Counted 12 s ago" in as_viewer.get(URL).content.decode()
