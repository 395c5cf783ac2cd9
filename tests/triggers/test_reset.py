"""Reset stale: only when nothing will move the trigger any more, after a warning page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from OpenOrchestrator.database.triggers import TriggerStatus as OOStatus

from tests.helpers import make_job, make_scheduler, make_trigger, oo_db, oo_tx
from tests.triggers.util import audit_rows, status_of
from triggers.models import Job, JobStatus, TriggerStatus, TriggerType

S = TriggerStatus


def reset_url(trigger) -> str:
    return f"/triggers/{trigger.pk}/reset/"


def stale_running(process="P", age_seconds=900, status=S.RUNNING):
    now = dt.datetime.now()
    started = now - dt.timedelta(hours=1)
    trigger = make_trigger(
        TriggerType.SCHEDULED,
        process=process,
        status=status,
        last_run=started,
        next_run=now + dt.timedelta(hours=1),
        name=f"T-{process}",
    )
    make_scheduler(f"PC-{process}", now=now, age_seconds=age_seconds)
    job = make_job(process, scheduler=f"PC-{process}", status=JobStatus.RUNNING, start=started)
    return trigger, job


@oo_tx
def test_reset_of_a_dead_schedulers_trigger_fails_its_job_and_openorchestrator_sees_it(
    as_operator, db_util
):
    trigger, job = stale_running()
    page = as_operator.get(reset_url(trigger)).content.decode()
    assert re.search(r"last pinged 90\d s ago", page) and "second copy" in page

    # Without ticking the confirmation nothing happens.
    response = as_operator.post(
        reset_url(trigger), {"expected_status": "RUNNING", "to_status": "IDLE"}
    )
    assert response.status_code == 200 and status_of(trigger) == S.RUNNING

    response = as_operator.post(
        reset_url(trigger), {"expected_status": "RUNNING", "to_status": "IDLE", "understood": "on"}
    )
    assert response.status_code == 302
    assert db_util.get_trigger(trigger.pk).process_status == OOStatus.IDLE
    stored_job = Job.objects.get(pk=job.pk)
    assert stored_job.status == JobStatus.FAILED and stored_job.end_time is not None
    assert db_util.begin_scheduled_trigger(trigger.pk) is True  # a Scheduler may start it again
    [entry] = audit_rows("trigger.reset")
    assert entry.outcome == "ok" and "RUNNING -> IDLE" in entry.detail


@oo_db
def test_reset_to_failed(as_operator):
    trigger, _ = stale_running(status=S.PAUSING)
    as_operator.post(
        reset_url(trigger),
        {"expected_status": "PAUSING", "to_status": "FAILED", "understood": "on"},
    )
    assert status_of(trigger) == S.FAILED


@oo_db
def test_it_refuses_while_the_scheduler_is_online(as_operator):
    trigger, job = stale_running(age_seconds=3)
    page = as_operator.get(reset_url(trigger)).content.decode()
    assert "cannot be reset now" in page
    as_operator.post(
        reset_url(trigger), {"expected_status": "RUNNING", "to_status": "IDLE", "understood": "on"}
    )
    assert status_of(trigger) == S.RUNNING
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING
    assert audit_rows("trigger.reset")[0].outcome == "refused"


@oo_db
def test_killing_too_long_on_an_online_scheduler_is_stale(as_operator):
    now = dt.datetime.now()
    trigger = make_trigger(status=S.KILLING, name="K", last_run=now - dt.timedelta(hours=2))
    make_scheduler("PC-1", now=now, age_seconds=1)
    from triggers.models import Scheduler

    Scheduler.objects.filter(pk="PC-1").update(latest_trigger="K", latest_trigger_time=now)
    page = as_operator.get(reset_url(trigger)).content.decode()
    assert "KILLING for more than 60 s" in page
    as_operator.post(
        reset_url(trigger), {"expected_status": "KILLING", "to_status": "IDLE", "understood": "on"}
    )
    assert status_of(trigger) == S.IDLE


@oo_tx
def test_a_status_moved_after_the_page_loaded_is_not_reset(as_operator, db_util):
    trigger, job = stale_running()
    as_operator.get(reset_url(trigger))
    db_util.set_trigger_status(trigger.pk, OOStatus.DONE)  # the Scheduler came back and finished
    response = as_operator.post(
        reset_url(trigger),
        {"expected_status": "RUNNING", "to_status": "IDLE", "understood": "on"},
        follow=True,
    )
    assert status_of(trigger) == S.DONE
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING
    assert "it is Done now" in response.content.decode()


@oo_db
def test_idle_triggers_cannot_be_reset(as_operator):
    trigger = make_trigger(status=S.IDLE)
    assert "cannot be reset now" in as_operator.get(reset_url(trigger)).content.decode()
    response = as_operator.post(
        reset_url(trigger), {"expected_status": "IDLE", "to_status": "FAILED", "understood": "on"}
    )
    assert response.status_code == 200  # IDLE is not a status that can be confirmed
    assert status_of(trigger) == S.IDLE


@oo_db
@pytest.mark.parametrize("persona", ["as_viewer", "as_outsider"])
def test_it_requires_operator(request, persona):
    trigger, _ = stale_running()
    client = request.getfixturevalue(persona)
    assert client.get(reset_url(trigger)).status_code == 403
    assert (
        client.post(
            reset_url(trigger),
            {"expected_status": "RUNNING", "to_status": "IDLE", "understood": "on"},
        ).status_code
        == 403
    )
    assert status_of(trigger) == S.RUNNING


@oo_db
def test_other_methods_are_not_allowed(as_operator):
    trigger, _ = stale_running()
    assert as_operator.put(reset_url(trigger)).status_code == 405
