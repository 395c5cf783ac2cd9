"""Pause, resume, run now and kill: conditional updates against the status the database has now."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from OpenOrchestrator.database.triggers import TriggerStatus as OOStatus

from tests.helpers import make_element, make_job, make_scheduler, make_trigger, oo_db, oo_tx
from tests.rowcontrols import Controls
from tests.triggers.util import audit_rows, status_of
from triggers.models import JobStatus, ScheduledTrigger, SingleTrigger, TriggerStatus, TriggerType

S = TriggerStatus


def url(trigger, action: str) -> str:
    return f"/triggers/{trigger.pk}/{action}/"


def pending_names(db_util) -> set[str]:
    return {
        t.trigger_name
        for t in [
            *db_util.get_pending_single_triggers(),
            *db_util.get_pending_scheduled_triggers(),
            *db_util.get_pending_queue_triggers(),
        ]
    }


def soon_past() -> dt.datetime:
    return dt.datetime.now() - dt.timedelta(minutes=5)


# --- Pause ---------------------------------------------------------------------------------------


@oo_db
@pytest.mark.parametrize(
    ("before", "after"),
    [
        (S.RUNNING, S.PAUSING),
        (S.IDLE, S.PAUSED),
        (S.FAILED, S.PAUSED),
        (S.DONE, S.PAUSED),
        (S.KILLED, S.PAUSED),
        (S.PAUSING, S.PAUSING),
        (S.KILLING, S.KILLING),
        (S.PAUSED, S.PAUSED),
    ],
)
def test_pause_follows_the_current_status(as_operator, before, after):
    trigger = make_trigger(status=before)
    response = as_operator.post(url(trigger, "pause"), follow=True)
    assert response.status_code == 200
    assert status_of(trigger) == after
    [entry] = audit_rows("trigger.pause")
    assert entry.outcome == ("ok" if before != after else "refused")
    if before == after:
        assert f"it is {S(before).label} now" in response.content.decode()


@oo_tx
def test_paused_triggers_are_not_pending_for_openorchestrator(as_operator, db_util):
    single = make_trigger(TriggerType.SINGLE, name="S", next_run=soon_past())
    sched = make_trigger(TriggerType.SCHEDULED, name="C", cron="* * * * *", next_run=soon_past())
    queue = make_trigger(TriggerType.QUEUE, name="Q", queue_name="Q1")
    make_element("Q1")
    assert pending_names(db_util) == {"S", "C", "Q"}
    for trigger in (single, sched, queue):
        as_operator.post(url(trigger, "pause"))
    assert pending_names(db_util) == set()
    assert {t.process_status for t in db_util.get_all_triggers()} == {OOStatus.PAUSED}


# --- Resume --------------------------------------------------------------------------------------


@oo_tx
def test_resume_makes_triggers_pending_again(as_operator, db_util):
    single = make_trigger(TriggerType.SINGLE, name="S", status=S.PAUSED, next_run=soon_past())
    queue = make_trigger(TriggerType.QUEUE, name="Q", status=S.FAILED, queue_name="Q1")
    future = make_trigger(
        TriggerType.SINGLE,
        name="later",
        status=S.DONE,
        next_run=dt.datetime.now() + dt.timedelta(hours=1),
    )
    make_element("Q1")
    assert pending_names(db_util) == set()
    as_operator.post(url(single, "resume"), {"choice": "keep"})
    as_operator.post(url(queue, "resume"))
    as_operator.post(url(future, "resume"))
    assert pending_names(db_util) == {"S", "Q"}
    assert status_of(future) == S.IDLE
    assert len(audit_rows("trigger.resume")) == 3


@oo_db
@pytest.mark.parametrize("before", [S.RUNNING, S.PAUSING, S.KILLING, S.IDLE])
def test_resume_refuses_running_and_idle_triggers(as_operator, before):
    trigger = make_trigger(status=before, next_run=dt.datetime.now() + dt.timedelta(hours=1))
    response = as_operator.post(url(trigger, "resume"), follow=True)
    assert status_of(trigger) == before
    assert "was not resumed" in response.content.decode()
    assert audit_rows("trigger.resume")[0].outcome == "refused"


@oo_db
def test_resume_of_an_overdue_trigger_asks_first(as_operator):
    trigger = make_trigger(
        TriggerType.SCHEDULED, status=S.PAUSED, cron="0 6 * * *", next_run=soon_past()
    )
    response = as_operator.post(url(trigger, "resume"))
    assert response.status_code == 302 and response["Location"] == url(trigger, "resume")
    assert status_of(trigger) == S.PAUSED
    page = as_operator.get(url(trigger, "resume")).content.decode()
    assert "is in the past" in page and "next cron occurrence" in page


@oo_tx
def test_resume_can_move_an_overdue_next_run_to_the_next_cron_occurrence(as_operator, db_util):
    trigger = make_trigger(
        TriggerType.SCHEDULED, name="C", status=S.PAUSED, cron="0 6 * * *", next_run=soon_past()
    )
    response = as_operator.post(url(trigger, "resume"), {"choice": "cron"}, follow=True)
    assert response.status_code == 200
    child = ScheduledTrigger.objects.get(pk=trigger.pk)
    assert child.next_run > dt.datetime.now() and (child.next_run.hour, child.next_run.minute) == (
        6,
        0,
    )
    assert status_of(trigger) == S.IDLE
    assert pending_names(db_util) == set()


@oo_db
def test_resume_can_move_next_run_to_a_chosen_time(as_operator):
    trigger = make_trigger(TriggerType.SINGLE, status=S.KILLED, next_run=soon_past())
    chosen = (dt.datetime.now() + dt.timedelta(days=1)).replace(microsecond=0)
    as_operator.post(
        url(trigger, "resume"), {"choice": "at", "at": chosen.strftime("%Y-%m-%dT%H:%M:%S")}
    )
    assert SingleTrigger.objects.get(pk=trigger.pk).next_run == chosen
    assert status_of(trigger) == S.IDLE
    # "at" without a time is a form error, and nothing changes.
    other = make_trigger(TriggerType.SINGLE, status=S.PAUSED, next_run=soon_past())
    response = as_operator.post(url(other, "resume"), {"choice": "at"})
    assert response.status_code == 200 and "at" in response.context["form"].errors
    assert status_of(other) == S.PAUSED


@oo_db
def test_resume_keeping_an_overdue_time_warns(as_operator):
    trigger = make_trigger(TriggerType.SINGLE, status=S.PAUSED, next_run=soon_past())
    response = as_operator.post(url(trigger, "resume"), {"choice": "keep"}, follow=True)
    assert status_of(trigger) == S.IDLE
    assert "starts it at its next loop" in response.content.decode()


# --- Run now -------------------------------------------------------------------------------------


@oo_tx
@pytest.mark.parametrize("before", [S.IDLE, S.PAUSED, S.FAILED, S.DONE, S.KILLED])
def test_run_now_makes_it_pending_at_once(as_operator, db_util, before):
    later = dt.datetime.now() + dt.timedelta(days=3)
    single = make_trigger(TriggerType.SINGLE, name="S", status=before, next_run=later)
    sched = make_trigger(
        TriggerType.SCHEDULED, name="C", status=before, cron="0 6 * * *", next_run=later
    )
    assert pending_names(db_util) == set()
    for trigger in (single, sched):
        assert as_operator.post(url(trigger, "run")).status_code == 302
    assert pending_names(db_util) == {"S", "C"}
    assert db_util.begin_scheduled_trigger(sched.pk) is True
    assert db_util.get_trigger(sched.pk).next_run > dt.datetime.now()
    assert [e.outcome for e in audit_rows("trigger.run_now")] == ["ok", "ok"]


@oo_db
@pytest.mark.parametrize("before", [S.RUNNING, S.PAUSING, S.KILLING])
def test_run_now_refuses_while_a_process_may_run(as_operator, before):
    later = dt.datetime.now() + dt.timedelta(days=3)
    trigger = make_trigger(TriggerType.SINGLE, status=before, next_run=later)
    as_operator.post(url(trigger, "run"))
    assert status_of(trigger) == before
    assert SingleTrigger.objects.get(pk=trigger.pk).next_run == later


@oo_db
def test_run_now_is_not_offered_for_queue_triggers(as_operator):
    trigger = make_trigger(TriggerType.QUEUE, status=S.PAUSED)
    response = as_operator.post(url(trigger, "run"), follow=True)
    assert status_of(trigger) == S.PAUSED
    assert "cannot be run on demand" in response.content.decode()
    page = Controls(as_operator.get("/triggers/").content.decode())
    [run] = [b for b in page.buttons if b["text"] == "Run now"]  # in its place, disabled
    assert "disabled" in run and "cannot be run on demand" in run["title"]


# --- Kill ----------------------------------------------------------------------------------------


@oo_db
@pytest.mark.parametrize(
    ("before", "after"),
    [
        (S.RUNNING, S.KILLING),
        (S.PAUSING, S.KILLING),
        (S.IDLE, S.IDLE),
        (S.PAUSED, S.PAUSED),
        (S.KILLING, S.KILLING),
        (S.DONE, S.DONE),
    ],
)
def test_kill_only_running_or_pausing(as_operator, before, after):
    trigger = make_trigger(status=before)
    as_operator.post(url(trigger, "kill"))
    assert status_of(trigger) == after
    assert audit_rows("trigger.kill")[0].outcome == ("ok" if before != after else "refused")


@oo_db
def test_kill_explains_the_next_loop_and_warns_when_the_scheduler_is_offline(as_operator):
    now = dt.datetime.now()
    online = make_trigger(process="P1", status=S.RUNNING, last_run=now)
    make_scheduler("PC-ON", now=now, age_seconds=3)
    make_job("P1", scheduler="PC-ON", status=JobStatus.RUNNING, start=now)
    page = as_operator.post(url(online, "kill"), follow=True).content.decode()
    assert "PC-ON stops the process at its next loop" in page and "looks offline" not in page

    gone = make_trigger(process="P2", status=S.RUNNING, last_run=now - dt.timedelta(hours=1))
    make_scheduler("PC-OFF", now=now, age_seconds=900)
    make_job("P2", scheduler="PC-OFF", status=JobStatus.RUNNING, start=now - dt.timedelta(hours=1))
    page = as_operator.post(url(gone, "kill"), follow=True).content.decode()
    assert re.search(r"PC-OFF last pinged 15 min ago and looks offline", page)


# --- The Scheduler moves the trigger between page load and click ----------------------------------


@oo_tx
def test_actions_never_overwrite_what_the_scheduler_did_meanwhile(as_operator, db_util):
    due = soon_past()
    trigger = make_trigger(TriggerType.SINGLE, name="S", status=S.IDLE, next_run=due)
    assert as_operator.get("/triggers/").status_code == 200  # the page as the user saw it
    assert db_util.begin_single_trigger(trigger.pk) is True  # the Scheduler starts it

    as_operator.post(url(trigger, "run"))
    assert status_of(trigger) == S.RUNNING
    as_operator.post(url(trigger, "resume"), {"choice": "keep"})
    assert status_of(trigger) == S.RUNNING
    as_operator.post(url(trigger, "pause"))  # pausing a running trigger: PAUSING, not PAUSED
    assert status_of(trigger) == S.PAUSING

    db_util.set_trigger_status(trigger.pk, OOStatus.DONE)  # the process ended
    response = as_operator.post(url(trigger, "kill"), follow=True)
    assert status_of(trigger) == S.DONE
    assert "it is Done now" in response.content.decode()
    assert db_util.get_trigger(trigger.pk).process_status == OOStatus.DONE


# --- Role matrix ---------------------------------------------------------------------------------


ACTIONS = ["pause", "run", "kill"]


@oo_db
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", ["as_viewer", "as_outsider"])
def test_status_actions_require_operator(request, persona, action):
    trigger = make_trigger(status=S.RUNNING)
    client = request.getfixturevalue(persona)
    assert client.post(url(trigger, action)).status_code == 403
    assert client.post(url(trigger, "resume")).status_code == 403
    assert client.get(url(trigger, "resume")).status_code == 403
    assert status_of(trigger) == S.RUNNING


@oo_db
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", ["as_operator", "as_admin"])
def test_status_actions_are_post_only_and_allowed_for_operators(request, persona, action):
    trigger = make_trigger(status=S.RUNNING)
    client = request.getfixturevalue(persona)
    assert client.get(url(trigger, action)).status_code == 405
    assert status_of(trigger) == S.RUNNING
    assert client.post(url(trigger, action)).status_code == 302
    assert client.get(url(trigger, "resume")).status_code == 200


@oo_db
@pytest.mark.parametrize("action", [*ACTIONS, "resume", "reset", "delete"])
def test_unknown_trigger_is_404(as_admin, action):
    assert as_admin.post(f"/triggers/{uuid.uuid4()}/{action}/").status_code == 404
    assert as_admin.post(f"/triggers/{uuid.uuid4().hex[:10]}/{action}/").status_code == 404


@oo_db
def test_the_list_buttons_post_with_csrf_and_return_to_the_filtered_list(as_operator):
    trigger = make_trigger(status=S.PAUSED, next_run=dt.datetime.now() + dt.timedelta(hours=1))
    page = as_operator.get("/triggers/?status=PAUSED").content.decode()
    assert "csrfmiddlewaretoken" in page
    response = as_operator.post(url(trigger, "resume"), {"next": "/triggers/?status=PAUSED"})
    assert response.status_code == 302
    assert response["Location"] == f"/triggers/?status=PAUSED#trigger-{trigger.pk}"
    assert status_of(trigger) == S.IDLE
    # A foreign `next` is ignored.
    response = as_operator.post(url(trigger, "pause"), {"next": "https://evil.example/"})
    assert response["Location"] == trigger.get_absolute_url()


# --- An alembic-built PostgreSQL database: triggerstatus without KILLING/KILLED -----------------


@pytest.fixture
def alembic_built_enum():
    """The enum as OpenOrchestrator's alembic migration created it, first on the search path."""
    from django.core.cache import cache
    from django.db import connections

    from tests import settings as test_settings

    if test_settings.TEST_BACKEND != "postgresql":
        pytest.skip("only PostgreSQL has a native triggerstatus enum")
    with connections["orchestrator"].cursor() as cursor:
        cursor.execute("CREATE SCHEMA alembic_built")
        cursor.execute(
            "CREATE TYPE alembic_built.triggerstatus AS ENUM "
            "('IDLE', 'RUNNING', 'FAILED', 'DONE', 'PAUSED', 'PAUSING')"
        )
        cursor.execute("SET search_path TO alembic_built, public")
    cache.clear()
    yield
    with connections["orchestrator"].cursor() as cursor:
        cursor.execute("SET search_path TO public")
        cursor.execute("DROP SCHEMA alembic_built CASCADE")
    cache.clear()


@oo_db
def test_kill_is_refused_with_the_fix_where_the_enum_lacks_killing(as_operator, alembic_built_enum):
    trigger = make_trigger(name="Alembic", status=S.RUNNING)
    listing = as_operator.get("/triggers/").content.decode()
    assert "Kill Alembic" not in listing and "Pause Alembic" in listing
    page = as_operator.post(url(trigger, "kill"), follow=True).content.decode()
    assert "Alembic was not killed" in page
    assert "ALTER TYPE triggerstatus ADD VALUE &#x27;KILLING&#x27;" in page
    assert status_of(trigger) == S.RUNNING
    assert audit_rows("trigger.kill")[0].outcome == "refused"


@oo_db
def test_kill_is_offered_where_the_enum_has_killing(as_operator):
    make_trigger(name="Complete", status=S.RUNNING)
    assert "Kill Complete" in as_operator.get("/triggers/").content.decode()
