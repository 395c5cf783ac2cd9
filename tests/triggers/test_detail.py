"""Trigger detail: every field, the next cron runs, jobs of its process, its audit history."""

from __future__ import annotations

import datetime as dt

from tests.helpers import make_job, make_scheduler, make_trigger, oo_db
from triggers.models import JobStatus, TriggerStatus, TriggerType


@oo_db
def test_it_shows_fields_cron_runs_jobs_and_history(as_operator):
    trigger = make_trigger(
        TriggerType.SCHEDULED,
        name="Nightly <b>",
        process="Import",
        cron="0 6 * * *",
        process_args="--full",
        scheduler_whitelist=["PC-1"],
        priority=-4,
        status=TriggerStatus.PAUSED,
    )
    make_job("Import", status=JobStatus.FAILED)
    make_job("Other", scheduler="PC-OTHER")
    as_operator.post(f"/triggers/{trigger.pk}/resume/", {"choice": "cron"})

    response = as_operator.get(trigger.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nightly &lt;b&gt;" in page and "<b>" not in page.split("<main")[1].split("</h1>")[0]
    for text in ("--full", "PC-1", "-4", "0 6 * * *", trigger.pk.hex, "SCHED-1"):
        assert text in page, text
    assert len(response.context["upcoming"]) == 5
    assert all(run.hour == 6 for run in response.context["upcoming"])
    assert [j.process_name for j in response.context["jobs"]] == ["Import"]
    assert [e.action for e in response.context["history"]] == ["trigger.resume"]
    assert "PC-OTHER" not in page


@oo_db
def test_it_explains_a_running_trigger_and_its_scheduler(as_operator):
    now = dt.datetime.now()
    trigger = make_trigger(process="P", status=TriggerStatus.RUNNING, last_run=now)
    make_scheduler("PC-1", now=now, age_seconds=2)
    make_job("P", scheduler="PC-1", status=JobStatus.RUNNING, start=now)
    response = as_operator.get(trigger.get_absolute_url())
    assert response.context["owner"].machine_name == "PC-1"
    assert not response.context["staleness"].stale
    assert "PC-1 is online" in response.content.decode()


@oo_db
def test_queue_detail_says_why_it_cannot_run_now(as_viewer):
    trigger = make_trigger(TriggerType.QUEUE, queue_name="Inbox", min_batch_size=3)
    page = as_viewer.get(trigger.get_absolute_url()).content.decode()
    assert "cannot be run on demand" in page and "at least 3 New elements" in page


@oo_db
def test_it_requires_the_viewer_role(as_outsider):
    trigger = make_trigger()
    assert as_outsider.get(trigger.get_absolute_url()).status_code == 403
