"""Django admin: the same status actions through the same services; schedulers forgotten with audit."""

from __future__ import annotations

import pytest

from tests.helpers import make_scheduler, make_trigger, oo_db
from tests.triggers.util import audit_rows, status_of
from triggers.models import Scheduler, TriggerStatus, TriggerType

CHANGELIST = "/admin/triggers/trigger/"


def act(client, action: str, *triggers):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(t.pk) for t in triggers]},
        follow=True,
    )


@oo_db
def test_operator_pauses_and_resumes_through_the_services(as_operator):
    running = make_trigger(name="R", status=TriggerStatus.RUNNING)
    idle = make_trigger(name="I", status=TriggerStatus.IDLE)
    response = act(as_operator, "pause", running, idle)
    assert response.status_code == 200
    assert status_of(running) == TriggerStatus.PAUSING and status_of(idle) == TriggerStatus.PAUSED
    assert "Paused 2 of 2." in response.content.decode()
    response = act(as_operator, "resume", running, idle)
    assert status_of(running) == TriggerStatus.PAUSING and status_of(idle) == TriggerStatus.IDLE
    assert "Resumed 1 of 2." in response.content.decode()
    assert len(audit_rows("trigger.pause")) == 2 and len(audit_rows("trigger.resume")) == 2


@oo_db
def test_run_now_and_kill_actions(as_admin):
    queue = make_trigger(TriggerType.QUEUE, name="Q", status=TriggerStatus.PAUSED)
    single = make_trigger(TriggerType.SINGLE, name="S", status=TriggerStatus.FAILED)
    page = act(as_admin, "run_now", queue, single).content.decode()
    assert "Started 1 of 2." in page and "cannot be run on demand" in page
    assert status_of(single) == TriggerStatus.IDLE and status_of(queue) == TriggerStatus.PAUSED
    running = make_trigger(name="Run", status=TriggerStatus.RUNNING)
    act(as_admin, "kill", running, single)
    assert status_of(running) == TriggerStatus.KILLING and status_of(single) == TriggerStatus.IDLE


@oo_db
def test_triggers_are_read_only_in_the_admin(as_admin):
    trigger = make_trigger(name="A")
    page = as_admin.get(f"{CHANGELIST}{trigger.pk}/change/")
    assert page.status_code == 200
    as_admin.post(f"{CHANGELIST}{trigger.pk}/change/", {"trigger_name": "B"})
    assert as_admin.get(f"{CHANGELIST}add/").status_code == 403
    assert as_admin.post(f"{CHANGELIST}{trigger.pk}/delete/").status_code == 403
    from triggers.models import Trigger

    assert Trigger.objects.get(pk=trigger.pk).trigger_name == "A"


@oo_db
def test_viewer_cannot_use_the_admin_actions(as_viewer):
    trigger = make_trigger(status=TriggerStatus.RUNNING)
    response = act(as_viewer, "pause", trigger)  # sent on to the admin's refusal page
    assert response.redirect_chain[0][0].startswith("/admin/login/")
    assert response.status_code == 403 and b"Access denied" in response.content
    assert status_of(trigger) == TriggerStatus.RUNNING


@oo_db
def test_schedulers_admin_forgets_through_the_service(as_admin):
    make_scheduler("OLD-PC", age_seconds=99999)
    response = as_admin.post(
        "/admin/triggers/scheduler/",
        {"action": "delete_selected", "_selected_action": ["OLD-PC"], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert not Scheduler.objects.filter(pk="OLD-PC").exists()
    assert audit_rows("scheduler.forget")[0].target_ids == "OLD-PC"


@oo_db
@pytest.mark.parametrize("persona", ["as_operator"])
def test_operator_cannot_forget_in_the_admin(request, persona):
    make_scheduler("PC-1")
    client = request.getfixturevalue(persona)
    client.post(
        "/admin/triggers/scheduler/",
        {"action": "delete_selected", "_selected_action": ["PC-1"], "post": "yes"},
    )
    assert Scheduler.objects.filter(pk="PC-1").exists()
