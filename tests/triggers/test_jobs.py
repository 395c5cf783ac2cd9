"""Jobs: filtered list with duration and stale flag; detail with logs and the probable trigger."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.helpers import NOW, make_job, make_log, make_scheduler, make_trigger, oo_db, oo_tx
from triggers.models import Job, JobStatus, TriggerType

URL = reverse("triggers:jobs")


@pytest.fixture(autouse=True)
def fresh_cache_and_clock(monkeypatch):
    """Durations and staleness are counted from "now": every test runs at tests.helpers.NOW, with
    no Scheduler summary cached by an earlier test."""
    cache.clear()
    monkeypatch.setattr("orchestrator_site.clock.now", lambda: NOW)
    yield
    cache.clear()


def jobs_of(response) -> list[Job]:
    return [row.record for row in response.context["table"].paginated_rows]


@oo_db
def test_it_lists_jobs_newest_first_with_duration(as_viewer):
    make_scheduler("SCHED-1")
    old = make_job(start=NOW - dt.timedelta(hours=3), end=NOW - dt.timedelta(hours=1, minutes=58))
    new = make_job(status=JobStatus.RUNNING, start=NOW - dt.timedelta(seconds=75))
    response = as_viewer.get(URL)
    assert [j.pk for j in jobs_of(response)] == [new.pk, old.pk]
    html = response.content.decode()
    assert "1 h 2 min" in html and "1 min 15 s so far" in html
    assert "Its Scheduler stopped pinging" not in html  # its Scheduler is online


@oo_db
def test_a_running_job_whose_scheduler_stopped_pinging_is_stale(as_viewer):
    make_scheduler("SCHED-DEAD", age_seconds=3600)
    make_scheduler("SCHED-OK", age_seconds=5)
    dead = make_job(scheduler="SCHED-DEAD", status=JobStatus.RUNNING)
    make_job(scheduler="SCHED-OK", status=JobStatus.RUNNING)
    make_job(scheduler="SCHED-DEAD", status=JobStatus.DONE)
    make_job(scheduler="NEVER-PINGED", status=JobStatus.RUNNING)
    html = as_viewer.get(URL).content.decode()
    assert html.count('title="Its Scheduler stopped pinging">stale</span>') == 2
    detail = as_viewer.get(reverse("triggers:job", args=[dead.pk])).content.decode()
    assert "badge-stale" in detail and "offline" in detail


@oo_db
def test_it_filters_by_status_process_scheduler_and_time(as_viewer):
    a = make_job(
        "Proc A", scheduler="S1", status=JobStatus.FAILED, start=NOW - dt.timedelta(hours=1)
    )
    make_job("Proc A", scheduler="S2", status=JobStatus.DONE, start=NOW - dt.timedelta(hours=1))
    make_job("Proc B", scheduler="S1", status=JobStatus.FAILED, start=NOW - dt.timedelta(days=2))
    query = {
        "status": ["FAILED", "KILLED"],
        "process": "Proc A",
        "scheduler": "S1",
        "start": "2026-11-25T00:00:00",
        "end": "2026-11-25T23:59:59",
    }
    assert [j.pk for j in jobs_of(as_viewer.get(URL, query))] == [a.pk]


@oo_db
@pytest.mark.parametrize(
    "query",
    [{"status": "BROKEN"}, {"start": "nope"}, {"sort": "duration"}, {"per_page": "5000"}],
)
def test_bad_filters_show_errors_and_no_rows(as_viewer, query):
    make_job()
    response = as_viewer.get(URL, query)
    assert response.status_code == 200 and jobs_of(response) == []
    assert b"The filter is not valid" in response.content


@oo_db
def test_query_count_is_bounded(as_viewer, django_assert_max_num_queries):
    for i in range(60):
        make_scheduler(f"S{i}")
        make_job(scheduler=f"S{i}", status=JobStatus.RUNNING, start=NOW - dt.timedelta(minutes=i))
    as_viewer.get(URL)
    with django_assert_max_num_queries(6):
        response = as_viewer.get(URL)
    assert len(jobs_of(response)) == 50


@oo_db
def test_the_detail_shows_its_logs_and_the_probable_trigger(as_viewer):
    start = NOW - dt.timedelta(minutes=10)
    probable = make_trigger(TriggerType.SINGLE, name="Nightly", process="Proc A", last_run=start)
    make_trigger(TriggerType.QUEUE, name="From queue", process="Proc A", last_run=NOW)
    make_trigger(TriggerType.SINGLE, name="Other", process="Proc Z", last_run=start)
    job = make_job("Proc A", start=start + dt.timedelta(milliseconds=8))
    make_log(message="job step <1>", job_id=job.pk)
    make_log(message="another job", job_id=uuid.uuid4())
    response = as_viewer.get(reverse("triggers:job", args=[job.pk]))
    html = response.content.decode()
    candidates = response.context["candidates"]
    assert [(c.trigger.trigger_name, c.probable) for c in candidates] == [
        ("Nightly", True),
        ("From queue", False),
    ]
    assert candidates[0].trigger.pk == probable.pk
    assert "probable trigger" in html and "Other" not in html
    assert "job step &lt;1&gt;" in html and "another job" not in html


@oo_db
def test_no_trigger_close_to_the_start_means_no_probable_one(as_viewer):
    make_trigger(TriggerType.SINGLE, name="Nightly", process="Proc A", last_run=NOW)
    job = make_job("Proc A", start=NOW - dt.timedelta(days=1))
    response = as_viewer.get(reverse("triggers:job", args=[job.pk]))
    assert [c.probable for c in response.context["candidates"]] == [False]
    assert b"probable trigger</td>" not in response.content


@oo_db
def test_bookmarked_paths_still_work(as_viewer):
    """The pages moved from the logs app to triggers; their addresses did not."""
    job = make_job()
    assert URL == "/jobs/"
    assert as_viewer.get("/jobs/").status_code == 200
    assert as_viewer.get(f"/jobs/{job.pk}/").context["job"].pk == job.pk


@oo_db
def test_bad_job_ids_are_404(as_viewer):
    assert as_viewer.get(reverse("triggers:job", args=[uuid.uuid4()])).status_code == 404
    assert as_viewer.get("/jobs/not-a-uuid/").status_code == 404
    assert as_viewer.get("/jobs/1/").status_code == 404


@oo_db
def test_it_requires_the_job_view_permission(as_outsider, as_viewer):
    job = make_job()
    assert as_outsider.get(URL).status_code == 403
    assert as_outsider.get(reverse("triggers:job", args=[job.pk])).status_code == 403
    assert as_viewer.post(URL).status_code == 405


@oo_tx
def test_jobs_and_logs_written_by_openorchestrator(as_viewer, db_util):
    from OpenOrchestrator.database.jobs import JobStatus as OOJobStatus
    from OpenOrchestrator.database.logs import LogLevel as OOLogLevel

    db_util.send_ping_from_scheduler("SCHED-PC")
    job = db_util.start_job("Robot ø", "SCHED-PC")
    db_util.create_log("Robot ø", OOLogLevel.INFO, job.id, "Started ✓")
    db_util.set_job_status(job.id, OOJobStatus.FAILED)
    response = as_viewer.get(reverse("triggers:job", args=[job.id]))
    assert response.status_code == 200
    assert b"Started \xe2\x9c\x93" in response.content
    listed = jobs_of(as_viewer.get(URL, {"status": "FAILED"}))
    assert [j.pk for j in listed] == [job.id]
