"""The queues overview: one row per queue, counts per status from one grouped query, served from a
snapshot that every server process shares (orchestrator_site.snapshots)."""

from __future__ import annotations

import datetime as dt
import threading

from django.core.cache import caches
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from queues.models import QueueStatus
from tests.helpers import NOW, make_element, oo_db, oo_tx

URL = reverse("queues:overview")


def rows(response) -> dict:
    return {row.record["queue_name"]: row.record for row in response.context["table"].rows}


@oo_db
def test_it_counts_each_status_per_queue_with_total_and_last_activity(as_viewer):
    make_element("Queue A", status=QueueStatus.NEW, created_date=NOW - dt.timedelta(hours=5))
    make_element("Queue A", status=QueueStatus.FAILED, created_date=NOW - dt.timedelta(hours=3))
    make_element("Queue A", status=QueueStatus.FAILED)
    make_element("Queue A", status=QueueStatus.IN_PROGRESS, start_date=NOW)
    make_element("Queue B", status=QueueStatus.DONE)
    make_element("Queue B", status=QueueStatus.ABANDONED)
    found = rows(as_viewer.get(URL))
    a, b = found["Queue A"], found["Queue B"]
    assert (a["new"], a["in_progress"], a["done"], a["failed"], a["abandoned"]) == (1, 1, 0, 2, 0)
    assert a["total"] == 4 and a["last_activity"] == NOW
    assert (b["done"], b["abandoned"], b["total"]) == (1, 1, 2)
    assert b["last_activity"] == NOW - dt.timedelta(minutes=58)  # the latest end_date


@oo_db
def test_each_queue_links_to_its_elements(as_viewer):
    make_element("Team/Ø 1", status=QueueStatus.FAILED)
    page = as_viewer.get(URL).content.decode()
    assert f'href="{reverse("queues:elements", args=["Team/Ø 1"])}"' in page
    assert f"{reverse('queues:elements', args=['Team/Ø 1'])}?status=FAILED" in page


@oo_db
def test_it_searches_by_name_and_sorts(as_viewer):
    make_element("Invoices")
    make_element("Payroll")
    make_element("Payroll")
    assert list(rows(as_viewer.get(URL, {"q": "ROLL"}))) == ["Payroll"]
    assert list(rows(as_viewer.get(URL, {"sort": "-total"}))) == ["Payroll", "Invoices"]
    assert list(rows(as_viewer.get(URL, {"sort": "queue_name"}))) == ["Invoices", "Payroll"]


@oo_db
def test_an_unknown_sort_is_a_form_error_with_no_rows(as_viewer):
    make_element("Invoices")
    response = as_viewer.get(URL, {"sort": "password"})
    assert response.status_code == 200 and "sort" in response.context["form"].errors
    assert rows(response) == {}


@oo_db
def test_it_is_one_grouped_query_then_cached(as_viewer, settings):
    settings.CONSOLE_OVERVIEW_CACHE_SECONDS = 60
    make_element("Queue A")
    as_viewer.get(URL, {"q": "warm up the session"})
    caches["shared"].clear()  # no snapshot: this view counts
    with CaptureQueriesContext(connections["orchestrator"]) as first:
        as_viewer.get(URL)
    on_queues = [q["sql"] for q in first if '"Queues"' in q["sql"]]
    assert len(on_queues) == 1 and "GROUP BY" in on_queues[0].upper()
    make_element("Queue B")
    with CaptureQueriesContext(connections["orchestrator"]) as second:
        response = as_viewer.get(URL)
    assert not [q for q in second if '"Queues"' in q["sql"]] and "Queue B" not in rows(response)


@oo_db
def test_the_console_s_own_writes_refresh_it(as_operator, settings):
    settings.CONSOLE_OVERVIEW_CACHE_SECONDS = 60
    failed = make_element("Queue A", status=QueueStatus.FAILED)
    assert rows(as_operator.get(URL))["Queue A"]["failed"] == 1
    as_operator.post(reverse("queues:retry"), {"ids": [failed.pk], "confirmed": "True"})
    row = rows(as_operator.get(URL))["Queue A"]
    assert (row["failed"], row["new"]) == (0, 1)


@oo_tx
def test_after_a_write_the_next_view_shows_the_old_numbers_marked_and_recounts_in_the_background(
    as_operator, settings, monkeypatch
):
    settings.CONSOLE_OVERVIEW_CACHE_SECONDS = 60
    settings.CONSOLE_BACKGROUND_REFRESH = True
    failed = make_element("Queue A", status=QueueStatus.FAILED)
    assert rows(as_operator.get(URL))["Queue A"]["failed"] == 1
    as_operator.post(reverse("queues:retry"), {"ids": [failed.pk], "confirmed": "True"})

    from queues import models

    release, counting, threads = threading.Event(), threading.Event(), []

    def slow_count():
        threads.append(threading.current_thread())
        counting.set()
        release.wait(10)
        return real_count()

    real_count = models.count_queues
    monkeypatch.setattr(models, "count_queues", slow_count)
    response = as_operator.get(URL)  # returns while the recount is still blocked
    assert counting.wait(10) and threading.current_thread() not in threads
    assert rows(response)["Queue A"]["failed"] == 1
    assert "recounting after a change" in response.content.decode()
    release.set()
    for thread in threads:
        thread.join(10)
    response = as_operator.get(URL)
    row = rows(response)["Queue A"]
    assert (row["failed"], row["new"]) == (0, 1)
    assert "recounting" not in response.content.decode() and len(threads) == 1


@oo_db
def test_empty_database(as_viewer):
    response = as_viewer.get(URL)
    assert response.status_code == 200 and "No queues match." in response.content.decode()


@oo_db
def test_query_count_is_bounded(as_viewer, django_assert_max_num_queries):
    for i in range(40):
        make_element(f"Queue {i}", status=QueueStatus.FAILED)
    as_viewer.get(URL)
    caches["shared"].clear()  # no snapshot: this view counts
    with django_assert_max_num_queries(2, connection=connections["orchestrator"]):
        response = as_viewer.get(URL)
    assert len(rows(response)) == 40
    with django_assert_max_num_queries(8):
        as_viewer.get(URL)
