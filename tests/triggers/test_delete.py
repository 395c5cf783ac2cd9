"""Delete: Automation admin, confirmation with the name, refused while a process may run."""

from __future__ import annotations

import pytest
from OpenOrchestrator.database.triggers import TriggerStatus as OOStatus

from tests.helpers import make_trigger, oo_db, oo_tx
from tests.triggers.util import audit_rows, status_of
from triggers.models import QueueTrigger, ScheduledTrigger, SingleTrigger, Trigger, TriggerStatus
from triggers.models import TriggerType as T


def delete_url(trigger) -> str:
    return f"/triggers/{trigger.pk}/delete/"


@oo_tx
@pytest.mark.parametrize(
    ("kind", "child"),
    [(T.SINGLE, SingleTrigger), (T.SCHEDULED, ScheduledTrigger), (T.QUEUE, QueueTrigger)],
)
def test_it_confirms_then_deletes_child_and_parent(as_admin, db_util, kind, child):
    trigger = make_trigger(kind, name="Old <robot>", status=TriggerStatus.FAILED)
    keep = make_trigger(kind, name="Keep")
    page = as_admin.get(delete_url(trigger)).content.decode()
    assert "Yes, delete Old &lt;robot&gt;" in page
    response = as_admin.post(delete_url(trigger))
    assert response.status_code == 302 and response["Location"] == "/triggers/"
    assert not Trigger.objects.filter(pk=trigger.pk).exists()
    assert not child.objects.filter(pk=trigger.pk).exists()
    assert [t.trigger_name for t in db_util.get_all_triggers()] == ["Keep"]
    assert keep.pk
    [entry] = audit_rows("trigger.delete")
    assert entry.outcome == "ok" and entry.target_ids == str(trigger.pk)


@oo_db
@pytest.mark.parametrize(
    "status", [TriggerStatus.RUNNING, TriggerStatus.PAUSING, TriggerStatus.KILLING]
)
def test_it_refuses_while_a_process_may_run(as_admin, status):
    trigger = make_trigger(status=status)
    assert "cannot be deleted" in as_admin.get(delete_url(trigger)).content.decode()
    response = as_admin.post(delete_url(trigger), follow=True)
    assert Trigger.objects.filter(pk=trigger.pk).exists()
    assert SingleTrigger.objects.filter(pk=trigger.pk).exists()
    assert "was not deleted" in response.content.decode()
    assert audit_rows("trigger.delete")[0].outcome == "refused"


@oo_tx
def test_a_trigger_started_after_the_confirmation_page_is_not_deleted(as_admin, db_util):
    trigger = make_trigger(T.SINGLE, name="S")
    as_admin.get(delete_url(trigger))
    db_util.begin_single_trigger(trigger.pk)
    as_admin.post(delete_url(trigger))
    assert db_util.get_trigger(trigger.pk).process_status == OOStatus.RUNNING
    assert status_of(trigger) == TriggerStatus.RUNNING


@oo_db
@pytest.mark.parametrize("persona", ["as_viewer", "as_operator", "as_outsider"])
def test_it_requires_automation_admin(request, persona):
    trigger = make_trigger()
    client = request.getfixturevalue(persona)
    assert client.get(delete_url(trigger)).status_code == 403
    assert client.post(delete_url(trigger)).status_code == 403
    assert Trigger.objects.filter(pk=trigger.pk).exists()
