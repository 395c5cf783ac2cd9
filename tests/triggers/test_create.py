"""Creating triggers: one form per type, validated as the Scheduler will read the rows."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connections
from OpenOrchestrator.database.triggers import TriggerStatus as OOStatus

from tests.helpers import make_element, make_scheduler, oo_db, oo_tx
from tests.triggers.util import audit_rows, form_data
from triggers.models import QueueTrigger, ScheduledTrigger, SingleTrigger, Trigger

CREATE = "/triggers/new/{}/"


@oo_tx
def test_it_creates_each_type_so_openorchestrator_loads_and_polls_them(as_admin, db_util):
    past = (dt.datetime.now() - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    r1 = as_admin.post(
        CREATE.format("single"),
        form_data("single", trigger_name="S due", next_run=past, confirm_past="on"),
    )
    r2 = as_admin.post(
        CREATE.format("scheduled"),
        form_data("scheduled", trigger_name="C", cron_expr="*/5 * * * *", priority="-3"),
    )
    r3 = as_admin.post(
        CREATE.format("queue"),
        form_data("queue", trigger_name="Q", queue_name="Invoices", min_batch_size="2"),
    )
    assert [r.status_code for r in (r1, r2, r3)] == [302, 302, 302]

    loaded = {t.trigger_name: t for t in db_util.get_all_triggers()}
    assert set(loaded) == {"S due", "C", "Q"}
    assert all(t.process_status == OOStatus.IDLE and t.last_run is None for t in loaded.values())
    assert loaded["C"].priority == -3 and loaded["S due"].is_blocking is True
    assert all(t.process_args == "" for t in loaded.values())
    assert [t.trigger_name for t in db_util.get_pending_single_triggers()] == ["S due"]
    # The scheduled trigger's next run is its next cron occurrence: not due yet.
    assert db_util.get_pending_scheduled_triggers() == []
    assert db_util.get_pending_queue_triggers() == []
    make_element("Invoices")
    make_element("Invoices")
    assert [t.trigger_name for t in db_util.get_pending_queue_triggers()] == ["Q"]
    # The Scheduler accepts the cron when it starts the trigger.
    assert db_util.begin_scheduled_trigger(loaded["C"].id) is True
    assert db_util.get_trigger(loaded["C"].id).next_run > dt.datetime.now()


@oo_db
def test_it_stores_openorchestrator_formats(as_admin):
    make_scheduler("PC-1")
    response = as_admin.post(
        CREATE.format("single"),
        form_data(
            "single",
            trigger_name="Fmt",
            whitelist_known=["PC-1"],
            whitelist_other="PC-2, PC-1",
            process_args="",
            is_blocking=None,
            is_git_repo="on",
            git_branch="main",
            priority="7",
        ),
    )
    assert response.status_code == 302
    trigger = Trigger.objects.get(trigger_name="Fmt")
    assert response["Location"] == trigger.get_absolute_url()
    with connections["orchestrator"].cursor() as cursor:
        cursor.execute(
            "SELECT scheduler_whitelist, process_args, process_status, type, last_run, is_blocking "
            'FROM "Triggers" WHERE trigger_name = %s',
            ["Fmt"],
        )
        whitelist, args, status, kind, last_run, blocking = cursor.fetchone()
    assert whitelist == json.dumps(["PC-1", "PC-2"])
    assert args == "" and str(status) == "IDLE" and str(kind) == "SINGLE" and last_run is None
    assert not blocking
    assert trigger.is_git_repo and trigger.git_branch == "main" and trigger.priority == 7
    assert SingleTrigger.objects.filter(pk=trigger.pk).exists()
    [entry] = audit_rows("trigger.create")
    assert entry.target_ids == str(trigger.pk) and entry.username.lower() == "test\\ada"


@oo_db
def test_blocking_is_on_by_default(as_admin):
    response = as_admin.get(CREATE.format("single"))
    assert response.status_code == 200
    assert response.context["form"]["is_blocking"].value() is True
    assert 'name="is_blocking"' in response.content.decode()


@oo_db
def test_type_comes_from_the_url_not_the_form(as_admin):
    as_admin.post(CREATE.format("queue"), form_data("queue", type="SINGLE", trigger_name="T"))
    trigger = Trigger.objects.get(trigger_name="T")
    assert trigger.type == "QUEUE" and QueueTrigger.objects.filter(pk=trigger.pk).exists()
    assert as_admin.get(CREATE.format("bogus")).status_code == 404


@oo_db
def test_scheduled_next_run_defaults_to_the_next_occurrence(as_admin):
    as_admin.post(CREATE.format("scheduled"), form_data("scheduled", cron_expr="0 6 * * *"))
    child = ScheduledTrigger.objects.get()
    now = dt.datetime.now()
    assert child.next_run > now and child.next_run.hour == 6 and child.next_run.minute == 0
    assert child.next_run - now <= dt.timedelta(days=1)


@oo_db
def test_preview_shows_five_runs_and_writes_nothing(as_admin):
    response = as_admin.post(
        CREATE.format("scheduled"), form_data("scheduled", cron_expr="0 6 * * *", preview="1")
    )
    assert response.status_code == 200
    assert len(response.context["preview"]) == 5
    assert not Trigger.objects.exists()


BAD_INPUT = [
    ("scheduled", {"cron_expr": "0 0 30 2 *"}, "cron_expr"),
    ("scheduled", {"cron_expr": "@daily"}, "cron_expr"),
    ("scheduled", {"cron_expr": "0 6 * * * *"}, "cron_expr"),
    ("scheduled", {"cron_expr": "61 * * * *"}, "cron_expr"),
    ("single", {"trigger_name": ""}, "trigger_name"),
    ("single", {"trigger_name": "   "}, "trigger_name"),
    ("single", {"trigger_name": "x" * 101}, "trigger_name"),
    ("single", {"process_name": ""}, "process_name"),
    ("single", {"process_path": "p" * 251}, "process_path"),
    ("single", {"process_args": "a" * 1001}, "process_args"),
    ("single", {"git_branch": "b" * 101}, "git_branch"),
    ("single", {"priority": "1.5"}, "priority"),
    ("single", {"priority": "high"}, "priority"),
    ("single", {"priority": ""}, "priority"),
    ("single", {"next_run": ""}, "next_run"),
    ("single", {"next_run": "tomorrow"}, "next_run"),
    (
        "single",
        {"whitelist_other": ",".join(f"SCHEDULER-PC-{i:03}" for i in range(15))},
        "whitelist_other",
    ),
    ("queue", {"min_batch_size": "0"}, "min_batch_size"),
    ("queue", {"min_batch_size": "-1"}, "min_batch_size"),
    ("queue", {"queue_name": ""}, "queue_name"),
    ("queue", {"queue_name": "q" * 201}, "queue_name"),
]


@oo_db
@pytest.mark.parametrize(("kind", "change", "field"), BAD_INPUT)
def test_bad_input_rerenders_with_messages_and_writes_nothing(as_admin, kind, change, field):
    response = as_admin.post(CREATE.format(kind), form_data(kind, **change))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert "Nothing was saved" in response.content.decode()
    assert not Trigger.objects.exists()
    assert not audit_rows("trigger.create")


@oo_db
def test_negative_priority_is_allowed(as_admin):
    as_admin.post(CREATE.format("single"), form_data("single", priority="-5"))
    assert Trigger.objects.get().priority == -5


@oo_db
def test_a_past_next_run_needs_confirmation(as_admin):
    past = (dt.datetime.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    response = as_admin.post(CREATE.format("single"), form_data("single", next_run=past))
    assert response.status_code == 200 and "in the past" in response.content.decode()
    assert not Trigger.objects.exists()

    response = as_admin.post(
        CREATE.format("single"), form_data("single", next_run=past, confirm_past="on"), follow=True
    )
    assert Trigger.objects.count() == 1
    assert "runs at once" in response.content.decode()


@oo_db
def test_queue_form_offers_existing_queue_names(as_admin):
    make_element("Invoices")
    make_element("Payroll æ")
    response = as_admin.get(CREATE.format("queue"))
    assert response.context["queues"] == ["Invoices", "Payroll æ"]
    assert '<datalist id="queue-names">' in response.content.decode()


@oo_db
@pytest.mark.parametrize("persona", ["as_viewer", "as_operator", "as_outsider"])
def test_it_requires_automation_admin(request, persona):
    client = request.getfixturevalue(persona)
    assert client.get(CREATE.format("single")).status_code == 403
    assert client.post(CREATE.format("single"), form_data("single")).status_code == 403
    assert not Trigger.objects.exists()


@oo_db
def test_a_duplicate_name_is_saved_with_a_warning(as_admin):
    as_admin.post(CREATE.format("single"), form_data("single", trigger_name="Twin"))
    response = as_admin.post(
        CREATE.format("queue"), form_data("queue", trigger_name="Twin"), follow=True
    )
    assert Trigger.objects.filter(trigger_name="Twin").count() == 2
    assert "Another trigger is also called Twin" in response.content.decode()
