"""Editing: only changed columns, never status/last_run/type, never over a Scheduler's change."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from OpenOrchestrator.database.triggers import TriggerStatus as OOStatus

from orchestrator_site.audit import change_text
from tests.helpers import make_scheduler, make_trigger, oo_db, oo_tx
from tests.triggers.util import audit_rows, edit_data
from triggers.models import ScheduledTrigger, SingleTrigger, Trigger, TriggerStatus, TriggerType


def edit_url(trigger) -> str:
    return f"/triggers/{trigger.pk}/edit/"


@oo_tx
def test_edits_load_in_openorchestrator_and_the_scheduler_accepts_the_cron(as_admin, db_util):
    future = dt.datetime.now() + dt.timedelta(days=1)
    trigger = make_trigger(TriggerType.SCHEDULED, name="C", cron="0 6 * * *", next_run=future)
    data = edit_data(as_admin.get(edit_url(trigger)))
    data.update(cron_expr="*/10 * * * *", priority="-2", whitelist_other="PC-9")
    response = as_admin.post(edit_url(trigger), data)
    assert response.status_code == 302

    [loaded] = db_util.get_all_triggers()
    assert loaded.cron_expr == "*/10 * * * *" and loaded.priority == -2
    assert loaded.scheduler_whitelist == ["PC-9"]
    # The expression changed and next run was left alone: next run follows the new expression.
    assert loaded.next_run <= dt.datetime.now() + dt.timedelta(minutes=10)
    db_util.set_trigger_status(trigger.pk, OOStatus.IDLE)
    assert db_util.begin_scheduled_trigger(trigger.pk) is True


@oo_db
def test_it_writes_only_the_changed_columns(as_admin):
    trigger = make_trigger(TriggerType.SINGLE, name="Old", status=TriggerStatus.FAILED)
    data = edit_data(as_admin.get(edit_url(trigger)))
    data["trigger_name"] = "New"
    with CaptureQueriesContext(connections["orchestrator"]) as queries:
        response = as_admin.post(edit_url(trigger), data)
    assert response.status_code == 302
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 2  # the locking no-op, then the one changed column
    assert "trigger_name" in updates[1]
    for column in ('process_status" =', "last_run", '"type"', "next_run", "priority"):
        assert column not in updates[1]
    assert not any("Single_Triggers" in sql for sql in updates)
    refreshed = Trigger.objects.get(pk=trigger.pk)
    assert refreshed.trigger_name == "New" and refreshed.process_status == TriggerStatus.FAILED
    [entry] = audit_rows("trigger.edit")
    assert entry.outcome == "ok"
    assert [change_text(c) for c in entry.changes] == ["trigger name: “Old” → “New”"]


@oo_db
def test_unchanged_form_writes_nothing(as_admin):
    trigger = make_trigger(TriggerType.QUEUE, name="Q")
    data = edit_data(as_admin.get(edit_url(trigger)))
    with CaptureQueriesContext(connections["orchestrator"]) as queries:
        response = as_admin.post(edit_url(trigger), data, follow=True)
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    assert "unchanged" in response.content.decode()


@oo_tx
def test_a_next_run_moved_by_the_scheduler_is_never_overwritten(as_admin, db_util):
    due = dt.datetime.now() - dt.timedelta(minutes=1)
    trigger = make_trigger(TriggerType.SCHEDULED, name="C", cron="*/5 * * * *", next_run=due)
    data = edit_data(as_admin.get(edit_url(trigger)))
    assert db_util.begin_scheduled_trigger(trigger.pk) is True  # between page load and click
    moved = ScheduledTrigger.objects.get(pk=trigger.pk).next_run

    # Renaming only: saved, and the Scheduler's next_run and status stay.
    renamed = {**data, "trigger_name": "C renamed"}
    assert as_admin.post(edit_url(trigger), renamed).status_code == 302
    assert ScheduledTrigger.objects.get(pk=trigger.pk).next_run == moved
    assert Trigger.objects.get(pk=trigger.pk).process_status == TriggerStatus.RUNNING
    assert Trigger.objects.get(pk=trigger.pk).trigger_name == "C renamed"

    # Changing next run from the stale page: refused, nothing written.
    later = (dt.datetime.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")
    stale = {**data, "next_run": later, "trigger_name": "C renamed"}
    response = as_admin.post(edit_url(trigger), stale)
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "This trigger was changed by someone else (or the Scheduler) while you edited it: "
        f"next run is now {moved:%d-%m-%Y %H:%M:%S}. Nothing was saved; reload the page"
    ) in page
    assert "correct the fields marked below" not in page and "Reload the current values" in page
    assert response.context["form"]["next_run"].value() == later  # what was typed stays on screen
    assert ScheduledTrigger.objects.get(pk=trigger.pk).next_run == moved
    assert audit_rows("trigger.edit")[-1].outcome == "refused"


@oo_db
def test_a_name_changed_by_someone_else_is_not_overwritten(as_admin):
    trigger = make_trigger(TriggerType.SINGLE, name="A", priority=1)
    data = edit_data(as_admin.get(edit_url(trigger)))
    Trigger.objects.filter(pk=trigger.pk).update(trigger_name="B ")
    data.update(trigger_name="C", priority="5")
    response = as_admin.post(edit_url(trigger), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "This trigger was changed by someone else (or the Scheduler) while you edited it: "
        "trigger name is now “B ”. Nothing was saved; reload the page"
    ) in page
    assert "correct the fields marked below" not in page
    stored = Trigger.objects.get(pk=trigger.pk)
    assert (stored.trigger_name, stored.priority) == ("B ", 1)
    assert audit_rows("trigger.edit")[-1].outcome == "refused"


@oo_db
def test_the_same_change_made_meanwhile_is_no_conflict(as_admin):
    trigger = make_trigger(TriggerType.SINGLE, name="A", priority=1)
    data = edit_data(as_admin.get(edit_url(trigger)))
    Trigger.objects.filter(pk=trigger.pk).update(trigger_name="B")
    data.update(trigger_name="B", priority="5")
    assert as_admin.post(edit_url(trigger), data).status_code == 302
    stored = Trigger.objects.get(pk=trigger.pk)
    assert (stored.trigger_name, stored.priority) == ("B", 5)


@oo_db
def test_whitelist_keeps_unknown_machines_as_free_entries(as_admin):
    make_scheduler("PC-1")
    trigger = make_trigger(TriggerType.SINGLE, scheduler_whitelist=["PC-1", "OLD-PC"])
    form = as_admin.get(edit_url(trigger)).context["form"]
    assert form["whitelist_known"].value() == ["PC-1"]
    assert form["whitelist_other"].value() == "OLD-PC"


@oo_db
def test_a_tampered_snapshot_is_refused(as_admin):
    trigger = make_trigger(TriggerType.SINGLE, name="A")
    data = edit_data(as_admin.get(edit_url(trigger)))
    data.update(trigger_name="B", loaded="forged")
    response = as_admin.post(edit_url(trigger), data)
    assert response.status_code == 200 and "loaded" in response.context["form"].errors
    page = response.content.decode()
    # Said where it can be read: the hidden field cannot mark itself.
    assert "This form is out of date or was altered. Reload the page" in page
    assert "correct the fields marked below" not in page
    assert Trigger.objects.get(pk=trigger.pk).trigger_name == "A"


@oo_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cron_expr": "0 0 31 4 *"}, "cron_expr"),
        ({"priority": "x"}, "priority"),
        ({"trigger_name": ""}, "trigger_name"),
        ({"whitelist_other": "M" * 260}, "whitelist_other"),
    ],
)
def test_bad_edits_rerender_and_write_nothing(as_admin, change, field):
    trigger = make_trigger(TriggerType.SCHEDULED, name="A", cron="0 6 * * *")
    data = {**edit_data(as_admin.get(edit_url(trigger))), **change}
    response = as_admin.post(edit_url(trigger), data)
    assert response.status_code == 200 and field in response.context["form"].errors
    stored = Trigger.objects.select_related("scheduled").get(pk=trigger.pk)
    assert stored.trigger_name == "A" and stored.scheduled.cron_expr == "0 6 * * *"
    assert not audit_rows("trigger.edit")


@oo_db
def test_editing_a_single_trigger_to_a_past_time_needs_confirmation(as_admin):
    trigger = make_trigger(TriggerType.SINGLE, next_run=dt.datetime.now() + dt.timedelta(hours=1))
    data = edit_data(as_admin.get(edit_url(trigger)))
    past = (dt.datetime.now() - dt.timedelta(hours=1)).replace(microsecond=0)
    data["next_run"] = past.strftime("%Y-%m-%dT%H:%M:%S")
    assert as_admin.post(edit_url(trigger), data).status_code == 200
    data["confirm_past"] = "on"
    assert as_admin.post(edit_url(trigger), data).status_code == 302
    assert SingleTrigger.objects.get(pk=trigger.pk).next_run == past


@oo_db
def test_unknown_and_malformed_ids_are_404(as_admin):
    assert as_admin.get(f"/triggers/{uuid.uuid4()}/edit/").status_code == 404
    assert as_admin.get("/triggers/not-a-uuid/edit/").status_code == 404
    assert as_admin.get("/triggers/12345/").status_code == 404


@oo_db
@pytest.mark.parametrize("persona", ["as_viewer", "as_operator", "as_outsider"])
def test_it_requires_automation_admin(request, persona):
    trigger = make_trigger(TriggerType.SINGLE, name="A")
    client = request.getfixturevalue(persona)
    assert client.get(edit_url(trigger)).status_code == 403
    assert client.post(edit_url(trigger), {"trigger_name": "B"}).status_code == 403
    assert Trigger.objects.get(pk=trigger.pk).trigger_name == "A"


@oo_tx
def test_edited_single_and_queue_triggers_load_and_poll_in_openorchestrator(as_admin, db_util):
    later = dt.datetime.now() + dt.timedelta(days=1)
    single = make_trigger(TriggerType.SINGLE, name="S", next_run=later)
    queue = make_trigger(TriggerType.QUEUE, name="Q", queue_name="Old", min_batch_size=5)
    data = edit_data(as_admin.get(edit_url(single)))
    past = (dt.datetime.now() - dt.timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%S")
    data.update(next_run=past, confirm_past="on", process_args="--fast", is_blocking="")
    data.pop("is_blocking")
    assert as_admin.post(edit_url(single), data).status_code == 302
    data = edit_data(as_admin.get(edit_url(queue)))
    data.update(queue_name="Invoices", min_batch_size="1")
    assert as_admin.post(edit_url(queue), data).status_code == 302

    loaded = {t.trigger_name: t for t in db_util.get_all_triggers()}
    assert loaded["S"].process_args == "--fast" and loaded["S"].is_blocking is False
    assert loaded["Q"].queue_name == "Invoices" and loaded["Q"].min_batch_size == 1
    assert [t.trigger_name for t in db_util.get_pending_single_triggers()] == ["S"]
    db_util.create_queue_element("Invoices")
    assert [t.trigger_name for t in db_util.get_pending_queue_triggers()] == ["Q"]


@oo_db
def test_preview_on_edit_writes_nothing(as_admin):
    trigger = make_trigger(TriggerType.SCHEDULED, name="A", cron="0 6 * * *")
    data = {**edit_data(as_admin.get(edit_url(trigger))), "cron_expr": "30 7 * * 1", "preview": "1"}
    response = as_admin.post(edit_url(trigger), data)
    assert response.status_code == 200
    assert [(r.weekday(), r.hour, r.minute) for r in response.context["preview"]] == [
        (0, 7, 30)
    ] * 5
    assert ScheduledTrigger.objects.get(pk=trigger.pk).cron_expr == "0 6 * * *"
