"""Why a job failed, on the jobs list (one query for the page) and on the job page."""

from __future__ import annotations

import datetime as dt

from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from logs.models import LogLevel
from tests.helpers import NOW, make_job, make_log, make_scheduler, oo_db, oo_tx
from tests.triggers.test_jobs import fresh_cache_and_clock  # noqa: F401 - autouse: NOW, no cache
from triggers.models import JobStatus

URL = reverse("triggers:jobs")
GENERIC = "An uncaught error ocurred during the process:\n"


def failed_job(process: str, error: str, *, minutes_ago: int = 10):
    job = make_job(process, status=JobStatus.FAILED, start=NOW - dt.timedelta(minutes=minutes_ago))
    make_log(process, level=LogLevel.INFO, message="started", job_id=job.pk, at=job.start_time)
    make_log(
        process,
        level=LogLevel.ERROR,
        message="a handled error on the way",
        job_id=job.pk,
        at=job.start_time + dt.timedelta(minutes=1),
    )
    last = make_log(process, level=LogLevel.ERROR, message=error, job_id=job.pk, at=job.end_time)
    return job, last


@oo_tx
def test_the_jobs_list_says_why_each_failed_job_failed(as_viewer, recommended_indexes):
    make_scheduler("SCHED-1")
    timeout, timeout_log = failed_job("Robot A", GENERIC + "TimeoutError: The page did not load")
    key, _ = failed_job(
        "Robot B",
        GENERIC
        + "Traceback (most recent call last):\n  File \"main.py\", line 9\nKeyError: 'beløb'",
        minutes_ago=20,
    )
    done = make_job("Robot C", status=JobStatus.DONE)
    make_log(
        "Robot C",
        level=LogLevel.ERROR,
        message="an error in a job that still ended well",
        job_id=done.pk,
    )
    html = as_viewer.get(URL).content.decode()
    detail = reverse("logs:detail", args=[timeout_log.pk])
    assert (
        f'<a class="msgcell" href="{detail}" title="The whole message">'
        "TimeoutError: The page did not load</a>" in html
    )
    assert "KeyError: &#x27;beløb&#x27;</a>" in html
    assert "a handled error on the way" not in html  # the last error, not the first
    assert "still ended well" not in html  # only failed jobs say why
    assert "An uncaught error ocurred" not in html


@oo_tx
def test_the_reasons_cost_one_query_for_the_whole_page(as_viewer, recommended_indexes):
    make_scheduler("SCHED-1")
    for i in range(30):
        failed_job(f"Robot {i}", GENERIC + f"ValueError: case {i}", minutes_ago=10 + i)
    as_viewer.get(URL)
    with CaptureQueriesContext(connections["orchestrator"]) as captured:
        html = as_viewer.get(URL).content.decode()
    assert all(f"ValueError: case {i}</a>" in html for i in range(30))
    on_logs = [q for q in captured.captured_queries if '"Logs"' in q["sql"]]
    assert len(on_logs) == 1


@oo_db
def test_a_failed_job_without_an_error_log_shows_nothing_in_that_column(as_viewer):
    job = make_job("Robot A", status=JobStatus.FAILED)
    response = as_viewer.get(URL)
    assert response.status_code == 200
    assert response.context["table"].failures == {}
    assert reverse("triggers:job", args=[job.pk]) in response.content.decode()


@oo_db
def test_the_job_page_says_why_it_failed(as_viewer):
    job, last = failed_job("Robot A", GENERIC + "TimeoutError: The page did not load")
    html = as_viewer.get(reverse("triggers:job", args=[job.pk])).content.decode()
    detail = reverse("logs:detail", args=[last.pk])
    assert (
        f'<a class="msgcell" href="{detail}" title="The whole message" data-failure>'
        "TimeoutError: The page did not load</a>" in html
    )
    # Its logs list shows the exception line too, with "details" one click away.
    assert html.count("TimeoutError: The page did not load") == 2


@oo_db
def test_without_the_index_on_job_ids_the_list_reads_no_logs(as_viewer):
    """Without orchestrator_indexes, a reason per failed job would scan all of Logs on every list
    page: the list leaves the column empty; the job's own page (which reads its logs) still says."""
    make_scheduler("SCHED-1")
    job, _ = failed_job("Robot A", GENERIC + "TimeoutError: The page did not load")
    with CaptureQueriesContext(connections["orchestrator"]) as captured:
        html = as_viewer.get(URL).content.decode()
    assert "TimeoutError" not in html
    assert not [q for q in captured.captured_queries if '"Logs"' in q["sql"]]
    detail = as_viewer.get(reverse("triggers:job", args=[job.pk])).content.decode()
    assert "TimeoutError: The page did not load" in detail
