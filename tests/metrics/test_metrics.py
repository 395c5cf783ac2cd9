"""/metrics reports what OpenOrchestrator's own code wrote, read back with Prometheus's parser."""

from __future__ import annotations

import datetime as dt
import os
import socket

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from OpenOrchestrator.database.jobs import JobStatus as OOJobStatus
from OpenOrchestrator.database.logs import LogLevel as OOLogLevel
from OpenOrchestrator.database.queues import QueueStatus as OOQueueStatus
from OpenOrchestrator.database.triggers import TriggerStatus as OOTriggerStatus

from logs.models import Log
from metrics import windows
from queues.models import QueueElement
from tests.helpers import make_element, oo_db, oo_tx
from tests.metrics.util import by, scrape
from triggers.models import Job, Scheduler

ALL_STATUSES = [s.name for s in OOQueueStatus]
HOUR = dt.timedelta(hours=1)


def failed_element(db_util, queue: str, *, ended_ago: dt.timedelta = dt.timedelta(0)):
    """A FAILED element as a robot leaves it, its end moved `ended_ago` into the past."""
    element = db_util.create_queue_element(queue, "ref")
    db_util.set_queue_element_status(element.id, OOQueueStatus.IN_PROGRESS)
    db_util.set_queue_element_status(element.id, OOQueueStatus.FAILED, "it broke")
    if ended_ago:
        row = QueueElement.objects.filter(pk=element.id)
        row.update(end_date=row.get().end_date - ended_ago)
    return element


@oo_tx
def test_queue_counts_are_openorchestrators_own_counts(db_util):
    for i, status in enumerate(
        [OOQueueStatus.NEW, OOQueueStatus.DONE, OOQueueStatus.DONE, OOQueueStatus.ABANDONED]
    ):
        element = db_util.create_queue_element("Fakturaer", f"f{i}")
        if status != OOQueueStatus.NEW:
            db_util.set_queue_element_status(element.id, status)
    db_util.bulk_create_queue_elements("Kø Ø", ("a", "b", "c"), (None, None, None))
    db_util.get_next_queue_element("Kø Ø")  # a robot takes one: IN_PROGRESS
    failed_element(db_util, "Kø Ø")

    reported = scrape()["oo_queue_elements"]
    expected = {
        (("queue", queue), ("status", status)): 0
        for queue in ("Fakturaer", "Kø Ø")
        for status in ALL_STATUSES
    }
    for queue, counts in db_util.get_queue_count().items():
        for status, n in counts.items():
            expected[(("queue", queue), ("status", status.name))] = n
    assert reported == expected
    assert reported[(("queue", "Kø Ø"), ("status", "IN_PROGRESS"))] == 1


@oo_tx
def test_failures_and_errors_count_the_last_24_hours_only(db_util):
    for _ in range(3):
        failed_element(db_util, "Fakturaer")
    failed_element(db_util, "Fakturaer", ended_ago=30 * HOUR)
    failed_element(db_util, "Old queue", ended_ago=25 * HOUR)
    db_util.create_queue_element("Fakturaer")  # NEW: not a failure
    for message in ("timeout", "no such file"):
        db_util.create_log("Robot A", OOLogLevel.ERROR, None, message)
    db_util.create_log("Robot A", OOLogLevel.INFO, None, "fine")
    db_util.create_log("Robot B", OOLogLevel.ERROR, None, "long ago")
    Log.objects.filter(process_name="Robot B").update(log_time=dt.datetime.now() - 25 * HOUR)

    samples = scrape()
    assert by(samples["oo_queue_failed_24h"], "queue") == {"Fakturaer": 3}
    assert by(samples["oo_process_errors_24h"], "process") == {"Robot A": 2}


@oo_tx
def test_triggers_by_status_and_type_and_how_late_they_are(db_util):
    now = dt.datetime.now()
    late = db_util.create_single_trigger(
        "Late", "Robot A", now - HOUR, "C:/a.py", "", False, True, 0
    )
    db_util.create_scheduled_trigger(
        "Tonight", "Robot B", "0 22 * * *", now + HOUR, "C:/b.py", "", False, True, 0
    )
    paused = db_util.create_single_trigger(
        "Paused late", "Robot A", now - 5 * HOUR, "C:/a.py", "", False, True, 0
    )
    db_util.set_trigger_status(paused, OOTriggerStatus.PAUSED)
    db_util.create_queue_trigger("On queue", "Robot C", "Kø", "C:/c.py", "", False, True, 1, 0)
    failed = db_util.create_queue_trigger(
        "Broken", "Robot C", "Kø", "C:/c.py", "", False, True, 1, 0
    )
    db_util.set_trigger_status(failed, OOTriggerStatus.FAILED)

    samples = scrape()
    expected: dict[tuple, int] = {}
    for trigger in db_util.get_all_triggers():
        key = (("status", trigger.process_status.name), ("type", trigger.type.name))
        expected[key] = expected.get(key, 0) + 1
    reported = samples["oo_triggers"]
    assert {key: n for key, n in reported.items() if n} == expected
    assert len(reported) == 8 * 3  # every status and type, the zeros too
    overdue = by(samples["oo_trigger_overdue_seconds"], "trigger")
    assert set(overdue) == {"Late", "Tonight", "Paused late"}  # queue triggers have no next run
    assert 3600 <= overdue["Late"] < 3600 + 60
    assert overdue["Tonight"] == 0 and overdue["Paused late"] == 0
    assert db_util.get_trigger(late).process_status == OOTriggerStatus.IDLE


@oo_tx
def test_scheduler_ping_ages_and_running_jobs(db_util):
    db_util.send_ping_from_scheduler("PC-1")
    db_util.send_ping_from_scheduler("PC-2")
    Scheduler.objects.filter(machine_name="PC-2").update(
        last_update=dt.datetime.now() - dt.timedelta(minutes=10)
    )
    running = [db_util.start_job("Robot A", "PC-1") for _ in range(2)]
    db_util.start_job("Robot B", "PC-1")
    db_util.set_job_status(running[1].id, OOJobStatus.DONE)

    samples = scrape()
    ages = by(samples["oo_scheduler_last_ping_age_seconds"], "machine")
    assert set(ages) == {"PC-1", "PC-2"}
    assert 0 <= ages["PC-1"] < 30
    assert 600 <= ages["PC-2"] < 630
    expected = {
        process: len(db_util.get_jobs(OOJobStatus.RUNNING, process))
        for process in ("Robot A", "Robot B")
    }
    assert by(samples["oo_jobs_running"], "process") == expected == {"Robot A": 1, "Robot B": 1}


def _ended_job(db_util, process: str, seconds: float, *, started_ago: dt.timedelta = HOUR):
    """A job that ran `seconds`, ending `started_ago - seconds` ago."""
    job = db_util.start_job(process, "PC-1")
    db_util.set_job_status(job.id, OOJobStatus.DONE)
    start = dt.datetime.now() - started_ago
    Job.objects.filter(pk=job.id).update(
        start_time=start, end_time=start + dt.timedelta(seconds=seconds)
    )


@oo_tx
def test_job_durations_are_a_histogram_of_the_last_24_hours(db_util):
    for seconds in (20, 45, 240, 3000):
        _ended_job(db_util, "Robot A", seconds)
    _ended_job(db_util, "Robot A", 100_000)  # longer than every bound
    _ended_job(db_util, "Robot A", 50, started_ago=30 * HOUR)  # before the window
    _ended_job(db_util, "Robot B", 10)
    db_util.start_job("Robot B", "PC-1")  # still running: no duration yet

    samples = scrape()
    buckets = {
        (dict(key)["process"], dict(key)["le"]): n
        for key, n in samples["oo_job_duration_seconds_bucket"].items()
    }
    a = {le: n for (process, le), n in buckets.items() if process == "Robot A"}
    assert a["30.0"] == 1 and a["60.0"] == 2 and a["300.0"] == 3 and a["3600.0"] == 4
    assert a["14400.0"] == 4 and a["+Inf"] == 5
    assert len(a) == len(windows.DURATION_BUCKETS) + 1
    assert buckets[("Robot B", "+Inf")] == 1
    assert by(samples["oo_job_duration_seconds_gcount"], "process") == {"Robot A": 5, "Robot B": 1}
    sums = by(samples["oo_job_duration_seconds_gsum"], "process")
    assert sums["Robot A"] == pytest.approx(20 + 45 + 240 + 3000 + 100_000)


HOSTILE = [
    'Fakturaer "2026"',
    "C:\\robots\\a\\",
    "two\nlines",
    "Kø én ✓ 日本",
    "a}b{c=d,e",
    " trailing ",
    "\\n is not a line break",
    "",
]


@oo_tx
def test_names_come_back_unchanged_from_the_text_format(db_util):
    for name in HOSTILE:
        failed_element(db_util, name)
        db_util.create_log(name, OOLogLevel.ERROR, None, "boom")
        db_util.start_job(name, "PC-1")
        db_util.send_ping_from_scheduler(name or "PC-empty")
    for name in HOSTILE[:-1]:  # a trigger needs a name
        db_util.create_single_trigger(
            name, "Robot", dt.datetime.now(), "C:/a.py", "", False, True, 0
        )

    samples = scrape()
    assert set(by(samples["oo_queue_failed_24h"], "queue")) == set(HOSTILE)
    assert set(by(samples["oo_process_errors_24h"], "process")) == set(HOSTILE)
    assert set(by(samples["oo_jobs_running"], "process")) == set(HOSTILE)
    machines = set(by(samples["oo_scheduler_last_ping_age_seconds"], "machine"))
    assert machines == {name or "PC-empty" for name in HOSTILE}
    assert set(by(samples["oo_trigger_overdue_seconds"], "trigger")) == set(HOSTILE[:-1])
    elements = samples["oo_queue_elements"]
    assert elements[(("queue", "two\nlines"), ("status", "FAILED"))] == 1


@oo_tx
def test_the_text_keeps_one_sample_per_line_whatever_the_names(db_util):
    for name in HOSTILE:
        failed_element(db_util, name)
    response = scrape_text()
    for line in response.splitlines():
        assert line.startswith(("#", "oo_")), repr(line)
    assert 'queue="two\\nlines"' in response
    assert 'queue="Fakturaer \\"2026\\""' in response
    assert 'queue="C:\\\\robots\\\\a\\\\"' in response


def scrape_text() -> str:
    from django.test import Client

    from tests.metrics.util import BEARER

    return Client().get("/metrics", **BEARER).content.decode()


@oo_db
def test_a_scrape_reads_no_openorchestrator_table_once_counted():
    make_element("Fakturaer")
    scrape()  # counts the snapshots
    with CaptureQueriesContext(connections["orchestrator"]) as queries:
        samples = scrape()
    assert len(queries) == 0, [q["sql"] for q in queries]
    assert by(samples["oo_queue_elements"], "status")["NEW"] == 1


@oo_db
def test_request_durations_are_labelled_by_view_not_by_path(as_viewer):
    make_element("Kø/with a path")
    path = reverse("queues:elements", args=["Kø/with a path"])
    worker = f"{socket.gethostname()}:{os.getpid()}"
    key = (("view", "queues:elements"), ("worker", worker))
    before = scrape()["oo_console_request_duration_seconds_count"].get(key, 0)

    assert as_viewer.get(path).status_code == 200
    assert as_viewer.get("/no/such/page/").status_code == 404

    text = scrape_text()
    assert path not in text and "/queues/" not in text and "no/such" not in text
    counts = scrape()["oo_console_request_duration_seconds_count"]
    assert counts[key] == before + 1
    assert {"queues:elements", "unresolved", "metrics:metrics"} <= {dict(k)["view"] for k in counts}
    assert {dict(k)["worker"] for k in counts} == {worker}
