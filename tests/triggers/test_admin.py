"""Django admin: the same status actions through the same services; schedulers forgotten with audit."""

from __future__ import annotations

import pytest
from django.contrib import messages

from tests.helpers import make_scheduler, make_trigger, oo_db
from tests.triggers.util import audit_rows, status_of
from triggers.models import Scheduler, TriggerStatus, TriggerType

CHANGELIST = "/admin/triggers/trigger/"
PAST_RUN = "Its next run is in the past, so a Scheduler starts it at its next loop."


def act(client, action: str, *triggers):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(t.pk) for t in triggers]},
        follow=True,
    )


def reported(response) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in response.context["messages"]]


@oo_db
def test_operator_pauses_and_resumes_through_the_services(as_operator):
    running = make_trigger(name="R", status=TriggerStatus.RUNNING)
    idle = make_trigger(name="I", status=TriggerStatus.IDLE)
    response = act(as_operator, "pause", running, idle)
    assert response.status_code == 200
    assert status_of(running) == TriggerStatus.PAUSING and status_of(idle) == TriggerStatus.PAUSED
    assert reported(response) == [(messages.SUCCESS, "Paused 2 of 2 triggers.")]
    response = act(as_operator, "resume", running, idle)
    assert status_of(running) == TriggerStatus.PAUSING and status_of(idle) == TriggerStatus.IDLE
    assert reported(response) == [
        (
            messages.WARNING,
            "Resumed 1 of 2 triggers; 1 skipped: R was not resumed: it is Pausing now "
            "(only paused, failed, done or killed triggers resume).",
        ),
        (messages.WARNING, f"I: {PAST_RUN}"),
    ]
    assert len(audit_rows("trigger.pause")) == 2 and len(audit_rows("trigger.resume")) == 2


@oo_db
def test_run_now_and_kill_actions(as_admin):
    queue = make_trigger(TriggerType.QUEUE, name="Q", status=TriggerStatus.PAUSED)
    single = make_trigger(TriggerType.SINGLE, name="S", status=TriggerStatus.FAILED)
    ((level, message),) = reported(act(as_admin, "run_now", queue, single))
    assert level == messages.WARNING
    assert message.startswith("Started 1 of 2 triggers; 1 skipped: Q is a queue trigger")
    assert "cannot be run on demand" in message
    assert status_of(single) == TriggerStatus.IDLE and status_of(queue) == TriggerStatus.PAUSED
    running = make_trigger(name="Run", status=TriggerStatus.RUNNING)
    act(as_admin, "kill", running, single)
    assert status_of(running) == TriggerStatus.KILLING and status_of(single) == TriggerStatus.IDLE


@oo_db
def test_an_action_that_changes_none_is_one_error_naming_each_reason(as_operator):
    paused = [make_trigger(name=f"P{i}", status=TriggerStatus.PAUSED) for i in range(12)]
    ((level, message),) = reported(act(as_operator, "pause", *paused))
    assert level == messages.ERROR
    assert message.startswith("Paused 0 of 12 triggers; 12 skipped: P0 was not paused")
    assert message.count("was not paused") == 10 and message.endswith(" And 2 more.")
    assert len(audit_rows("trigger.pause")) == 12


@oo_db
def test_each_warning_follows_the_one_message_naming_its_trigger(as_operator):
    triggers = [make_trigger(name=n, status=TriggerStatus.PAUSED) for n in ("A", "B")]
    assert reported(act(as_operator, "resume", *triggers)) == [
        (messages.SUCCESS, "Resumed 2 of 2 triggers."),
        (messages.WARNING, f"A: {PAST_RUN}"),
        (messages.WARNING, f"B: {PAST_RUN}"),
    ]


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
