"""Reset stale: only when nothing will move the trigger any more, after a warning page."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from OpenOrchestrator.database.triggers import TriggerStatus as OOStatus

from orchestrator_site.audit import change_text
from tests.helpers import make_job, make_scheduler, make_trigger, oo_db, oo_tx
from tests.triggers.util import audit_rows, status_of
from triggers.models import Job, JobStatus, Scheduler, Trigger, TriggerStatus, TriggerType

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
    assert re.search(r"last pinged 15 min ago", page) and "second copy" in page

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
    assert entry.outcome == "ok" and "Its Scheduler PC-P last pinged" in entry.detail
    assert change_text(entry.changes[0]) == "status: Running → Idle"


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
    assert "status has been Killing for more than 1 min" in page
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


# --- Which job a reset fails: OpenOrchestrator's own Scheduler writes the rows ------------------


def oo_single(db_util, name: str, process: str = "Shared") -> uuid.UUID:
    due = dt.datetime.now() - dt.timedelta(minutes=1)
    return db_util.create_single_trigger(name, process, due, "C:/r/main.py", "", False, True, 0)


def start_on(db_util, machine: str, trigger_id) -> uuid.UUID:
    """What a Scheduler's run_trigger does before Popen: begin, start_job, then report the start."""
    assert db_util.begin_single_trigger(trigger_id) is True
    trigger = db_util.get_trigger(trigger_id)
    job = db_util.start_job(trigger.process_name, machine)
    db_util.start_trigger_from_machine(machine, trigger.trigger_name)
    return job.id


def started_ago(minutes: int, triggers=(), jobs=(), machines=()) -> None:
    """Move runs OpenOrchestrator just recorded back in time, every timestamp by the same amount."""
    delta = dt.timedelta(minutes=minutes)
    for row in Trigger.objects.filter(pk__in=triggers):
        Trigger.objects.filter(pk=row.pk).update(last_run=row.last_run - delta)
    for row in Job.objects.filter(pk__in=jobs):
        Job.objects.filter(pk=row.pk).update(start_time=row.start_time - delta)
    for row in Scheduler.objects.filter(pk__in=machines):
        Scheduler.objects.filter(pk=row.pk).update(
            last_update=row.last_update - delta, latest_trigger_time=row.latest_trigger_time - delta
        )


def reset(client, trigger_id, to_status="IDLE"):
    return client.post(
        f"/triggers/{trigger_id}/reset/",
        {"expected_status": "RUNNING", "to_status": to_status, "understood": "on"},
        follow=True,
    )


def job_status(db_util, job_id):
    return db_util.get_job(job_id).status.name


@oo_tx
def test_a_trigger_running_on_a_live_scheduler_is_never_reset_nor_another_triggers_job_failed(
    as_operator, db_util
):
    # Two triggers of one process start a second apart on two PCs; then PC-DEAD dies.
    dead, live = oo_single(db_util, "Dead one"), oo_single(db_util, "Live one")
    dead_job = start_on(db_util, "PC-DEAD", dead)
    live_job = start_on(db_util, "PC-LIVE", live)
    started_ago(10, [dead, live], [dead_job, live_job], ["PC-DEAD", "PC-LIVE"])
    db_util.send_ping_from_scheduler("PC-LIVE")

    page = as_operator.get(f"/triggers/{live}/reset/").content.decode()
    assert "cannot be reset now" in page and "PC-LIVE is online" in page
    response = reset(as_operator, live)
    assert "was not reset" in response.content.decode()
    # The dead trigger cannot be told apart from the live one's run either: refused too.
    assert "was not reset" in reset(as_operator, dead).content.decode()

    assert db_util.get_trigger(live).process_status == OOStatus.RUNNING
    assert db_util.get_trigger(dead).process_status == OOStatus.RUNNING
    assert job_status(db_util, dead_job) == job_status(db_util, live_job) == "RUNNING"
    assert [e.outcome for e in audit_rows("trigger.reset")] == ["refused", "refused"]


@oo_tx
def test_a_dead_schedulers_trigger_is_reset_with_its_own_job_only(as_operator, db_util):
    dead, live = oo_single(db_util, "Dead one"), oo_single(db_util, "Live one")
    dead_job = start_on(db_util, "PC-DEAD", dead)
    started_ago(10, [dead], [dead_job], ["PC-DEAD"])
    live_job = start_on(db_util, "PC-LIVE", live)
    started_ago(2, [live], [live_job])

    assert "was not reset" in reset(as_operator, live).content.decode()
    response = reset(as_operator, dead, to_status="FAILED")
    assert "Its job on PC-DEAD is marked failed" in response.content.decode()
    assert db_util.get_trigger(dead).process_status == OOStatus.FAILED
    assert job_status(db_util, dead_job) == "FAILED" and db_util.get_job(dead_job).end_time
    assert db_util.get_trigger(live).process_status == OOStatus.RUNNING
    assert job_status(db_util, live_job) == "RUNNING"


@oo_tx
def test_runs_that_cannot_be_told_apart_on_dead_schedulers_reset_the_trigger_but_no_job(
    as_operator, db_util
):
    first, second = oo_single(db_util, "First"), oo_single(db_util, "Second")
    jobs = [start_on(db_util, "PC-A", first), start_on(db_util, "PC-B", second)]
    started_ago(10, [first, second], jobs, ["PC-A", "PC-B"])

    page = as_operator.get(f"/triggers/{first}/reset/").content.decode()
    assert "no job will be changed" in page
    response = reset(as_operator, first)
    assert "no job was changed" in response.content.decode()
    assert db_util.get_trigger(first).process_status == OOStatus.IDLE
    assert [job_status(db_util, j) for j in jobs] == ["RUNNING", "RUNNING"]


@oo_tx
def test_a_trigger_two_schedulers_started_at_once_is_refused_while_one_lives(as_operator, db_util):
    # Both Schedulers read IDLE before either wrote RUNNING: nothing locks the row
    # (docs/openorchestrator.md#the-scheduler-loop).
    trigger = oo_single(db_util, "Twice")
    dead_job = start_on(db_util, "PC-DEAD", trigger)
    live_job = db_util.start_job("Shared", "PC-LIVE").id
    db_util.start_trigger_from_machine("PC-LIVE", "Twice")
    started_ago(10, [trigger], [dead_job, live_job], ["PC-DEAD", "PC-LIVE"])
    db_util.send_ping_from_scheduler("PC-LIVE")

    assert "was not reset" in reset(as_operator, trigger).content.decode()
    assert db_util.get_trigger(trigger).process_status == OOStatus.RUNNING
    assert job_status(db_util, dead_job) == job_status(db_util, live_job) == "RUNNING"


@oo_tx
def test_a_run_that_began_after_the_judgement_is_not_reset(as_operator, db_util, monkeypatch):
    """The conditional update checks the last start too: a new run of the same status survives."""
    from triggers import liveness, services

    trigger = oo_single(db_util, "Restarted")
    job = start_on(db_util, "PC-DEAD", trigger)
    started_ago(10, [trigger], [job], ["PC-DEAD"])
    judge = liveness.staleness

    def judge_then_restart(current, now, who=None):
        verdict = judge(current, now, who)
        # Between the judgement and the update: the run ends and a Scheduler starts it again.
        Trigger.objects.filter(pk=trigger).update(last_run=dt.datetime.now())
        return verdict

    monkeypatch.setattr(services, "staleness", judge_then_restart)
    assert "was not reset" in reset(as_operator, trigger).content.decode()
    assert db_util.get_trigger(trigger).process_status == OOStatus.RUNNING
    assert job_status(db_util, job) == "RUNNING"
