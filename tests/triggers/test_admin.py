"""Django admin: the same status actions through the same services; schedulers forgotten with audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import messages
from django.db import connections

from orchestrator_site.display import datetime_text
from tests.helpers import NOW, make_scheduler, make_trigger, oo_db
from tests.triggers.util import audit_rows, status_of
from triggers.models import Scheduler, Trigger, TriggerStatus, TriggerType

CHANGELIST = "/admin/triggers/trigger/"
PAST_RUN = "Its next run is in the past, so a Scheduler starts it at its next loop."


def act(client, action: str, *triggers, confirmed: bool = False):
    """Choose an admin action for `triggers`; `confirmed`: as the confirmation page's Yes posts."""
    data = {"action": action, "_selected_action": [str(t.pk) for t in triggers]}
    if confirmed:
        data["post"] = "yes"
    return client.post(CHANGELIST, data, follow=True)


def asks(response, question: str) -> bool:
    """The admin's confirmation page, asking `question`, with a Yes that posts the action again."""
    body = response.content.decode()
    return (
        response.templates[0].name == "orchestrator_site/admin_confirm_action.html"
        and f"<h1>{question}</h1>" in body
        and '<input type="hidden" name="post" value="yes">' in body
    )


def reported(response) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in response.context["messages"]]


@oo_db
def test_operator_pauses_and_resumes_through_the_services(as_operator):
    running = make_trigger(name="R", status=TriggerStatus.RUNNING)
    idle = make_trigger(name="I", status=TriggerStatus.IDLE)
    # Pausing a running trigger asks first, as the page's button does; nothing changes yet.
    question = act(as_operator, "pause", running, idle)
    assert asks(question, "Pause 2 triggers?") and "“R” is running" in question.content.decode()
    assert status_of(running) == TriggerStatus.RUNNING and status_of(idle) == TriggerStatus.IDLE
    response = act(as_operator, "pause", running, idle, confirmed=True)
    assert response.status_code == 200
    assert status_of(running) == TriggerStatus.PAUSING and status_of(idle) == TriggerStatus.PAUSED
    assert reported(response) == [(messages.SUCCESS, "Paused 2 of 2 triggers.")]
    # I's next run is past: resumed as it is it runs at once, so the admin asks first.
    assert asks(act(as_operator, "resume", running, idle), "Resume 2 triggers?")
    assert status_of(idle) == TriggerStatus.PAUSED
    response = act(as_operator, "resume", running, idle, confirmed=True)
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
    assert asks(act(as_admin, "run_now", queue, single), "Run 2 triggers now?")
    assert status_of(single) == TriggerStatus.FAILED
    ((level, message),) = reported(act(as_admin, "run_now", queue, single, confirmed=True))
    assert level == messages.WARNING
    assert message.startswith("Started 1 of 2 triggers; 1 skipped: Q is a queue trigger")
    assert "cannot be run on demand" in message
    assert status_of(single) == TriggerStatus.IDLE and status_of(queue) == TriggerStatus.PAUSED
    running = make_trigger(name="Run", status=TriggerStatus.RUNNING)
    assert asks(act(as_admin, "kill", running, single), "Kill the running process of 1 trigger?")
    assert status_of(running) == TriggerStatus.RUNNING
    act(as_admin, "kill", running, single, confirmed=True)
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
    assert reported(act(as_operator, "resume", *triggers, confirmed=True)) == [
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


@oo_db
def test_the_list_shows_type_status_cron_next_run_queue_and_whitelist(as_operator):
    at = dt.datetime(2026, 12, 1, 6, 30)
    make_trigger(TriggerType.SCHEDULED, name="Cron", cron="30 6 * * MON", next_run=at)
    make_trigger(TriggerType.QUEUE, name="Q", queue_name="Invoices", min_batch_size=5)
    make_trigger(TriggerType.SINGLE, name="Once", scheduler_whitelist=["PC-1", "PC-2"])
    response = as_operator.get(CHANGELIST)
    rows = {
        row.trigger_name: row
        for row in response.context["cl"].result_list  # the child rows came with the parents
    }
    admin = response.context["cl"].model_admin
    assert admin.cron(rows["Cron"]) == "30 6 * * MON" and admin.cron(rows["Q"]) == "-"
    assert admin.next_run_shown(rows["Cron"]) == datetime_text(at)
    assert admin.queue_shown(rows["Q"]) == "Invoices (at least 5 new)"
    assert admin.whitelist(rows["Once"]) == "PC-1, PC-2"
    assert admin.whitelist(rows["Cron"]) == "any Scheduler"
    body = response.content.decode()
    for text in ("30 6 * * MON", datetime_text(at), "Invoices (at least 5 new)", "PC-1, PC-2"):
        assert text in body
    assert "Scheduled" in body and "Idle" in body


@oo_db
def test_the_list_reads_the_children_with_the_parents(as_operator, django_assert_max_num_queries):
    for kind in (TriggerType.SINGLE, TriggerType.SCHEDULED, TriggerType.QUEUE) * 5:
        make_trigger(kind)
    as_operator.get(CHANGELIST)
    with django_assert_max_num_queries(3, connection=connections["orchestrator"]):
        assert as_operator.get(CHANGELIST).status_code == 200


@oo_db
def test_resuming_one_overdue_trigger_opens_the_consoles_page_and_comes_back(as_operator):
    late = make_trigger(name="Late", status=TriggerStatus.PAUSED, next_run=NOW)
    response = as_operator.post(CHANGELIST, {"action": "resume", "_selected_action": [late.pk]})
    page = f"/triggers/{late.pk}/resume/"
    assert response.status_code == 302 and response["Location"].startswith(page + "?next=")
    assert status_of(late) == TriggerStatus.PAUSED  # nothing changed yet
    choices = as_operator.get(response["Location"])
    assert choices.context["next"] == CHANGELIST
    done = as_operator.post(page, {"choice": "keep", "next": CHANGELIST})
    assert done["Location"] == f"{CHANGELIST}#trigger-{late.pk}"
    assert status_of(late) == TriggerStatus.IDLE
    assert len(audit_rows("trigger.resume")) == 1


@oo_db
def test_reset_opens_the_consoles_reset_page_for_one_active_trigger(as_operator):
    stuck = make_trigger(name="Stuck", status=TriggerStatus.RUNNING)
    idle = make_trigger(name="Fine", status=TriggerStatus.IDLE)
    response = as_operator.post(CHANGELIST, {"action": "reset", "_selected_action": [stuck.pk]})
    assert (
        response["Location"] == f"/triggers/{stuck.pk}/reset/?next=%2Fadmin%2Ftriggers%2Ftrigger%2F"
    )
    assert as_operator.get(response["Location"]).context["next"] == CHANGELIST
    both = act(as_operator, "reset", stuck, idle)
    assert reported(both) == [(messages.ERROR, "Reset one trigger at a time: select just one.")]
    ((level, message),) = reported(act(as_operator, "reset", idle))
    assert level == messages.ERROR and message.startswith("Fine is Idle: only a running")
    assert status_of(stuck) == TriggerStatus.RUNNING and not audit_rows("trigger.reset")


@oo_db
def test_delete_opens_the_consoles_delete_page_for_automation_admins_only(as_admin, as_operator):
    trigger = make_trigger(name="Old", status=TriggerStatus.PAUSED)
    response = as_admin.post(
        CHANGELIST, {"action": "delete_trigger", "_selected_action": [trigger.pk]}
    )
    assert response["Location"].startswith(f"/triggers/{trigger.pk}/delete/")
    assert Trigger.objects.filter(pk=trigger.pk).exists()  # the page asks first
    listing = as_operator.get(CHANGELIST)
    admin = listing.context["cl"].model_admin
    offered = [name for name, _label in admin.get_action_choices(listing.wsgi_request)]
    assert "delete_trigger" not in offered and "pause" in offered
    refused = as_operator.post(
        CHANGELIST, {"action": "delete_trigger", "_selected_action": [trigger.pk]}, follow=True
    )
    assert refused.redirect_chain == [(CHANGELIST, 302)]  # "No action selected", not the page
    assert Trigger.objects.filter(pk=trigger.pk).exists()


@oo_db
def test_a_triggers_history_is_its_audit_trail(as_operator):
    trigger = make_trigger(name="Nightly", status=TriggerStatus.IDLE)
    act(as_operator, "pause", trigger)
    change = as_operator.get(f"{CHANGELIST}{trigger.pk}/change/").content.decode()
    assert f'href="{CHANGELIST}{trigger.pk}/history/" class="historylink">Audit trail</a>' in change
    response = as_operator.get(f"{CHANGELIST}{trigger.pk}/history/", follow=True)
    assert response.redirect_chain == [(f"/audit/?target_type=trigger&target={trigger.pk}", 302)]
    assert [row.record.action for row in response.context["table"].page.object_list] == [
        "trigger.pause"
    ]
    assert "Only the entries about trigger" in response.content.decode()
