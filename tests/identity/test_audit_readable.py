"""The audit trail in words people read: targets by name with links to their pages (not bare ids),
the name they had when a row was written when they are gone since, edits as "field: old → new"
in the console's display formats, the acknowledge comment, and the filters by action and by
target name."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orchestrator_site import audit
from orchestrator_site.display import datetime_text
from orchestrator_site.models import AuditEntry
from queues.models import QueueStatus
from queues.services import acknowledge_elements, delete_elements, retry_elements
from tests.helpers import NOW, make_constant, make_credential, make_element, make_trigger, oo_db
from tests.triggers.util import edit_data
from triggers import services as trigger_services
from triggers.models import Trigger, TriggerStatus, TriggerType
from vault.models import Credential


@pytest.fixture
def otto(db) -> User:
    return User.objects.create(username="test\\otto")


def audit_page(client, **params) -> str:
    response = client.get(reverse("audit"), params)
    assert response.status_code == 200
    return response.content.decode()


def listed(client, **params) -> list[AuditEntry]:
    response = client.get(reverse("audit"), params)
    return [row.record for row in response.context["table"].page.object_list]


def by_hand(target_type: str, *target_ids: str, action: str = "trigger.pause") -> AuditEntry:
    """A row as the console wrote them before it recorded names: ids only."""
    return AuditEntry.objects.create(
        at=NOW, username="test\\otto", action=action, target_type=target_type,
        target_ids="\n".join(target_ids),
    )  # fmt: skip


# --- Targets by name, with links -----------------------------------------------------------------


@oo_db
def test_a_trigger_is_named_and_linked_not_shown_as_its_id(as_operator, as_viewer):
    trigger = make_trigger(name="Nightly", status=TriggerStatus.IDLE)
    as_operator.post(f"/triggers/{trigger.pk}/pause/")
    body = audit_page(as_viewer)
    link = f'href="/triggers/{trigger.pk}/"'
    assert f"trigger <a {link}>Nightly</a>" in body
    assert body.count(str(trigger.pk)) == body.count(link)  # the id only inside its link


@oo_db
def test_a_deleted_trigger_keeps_the_name_it_had_without_a_dead_link(as_admin, as_viewer):
    trigger = make_trigger(name="Nightly", status=TriggerStatus.PAUSED)
    assert as_admin.post(f"/triggers/{trigger.pk}/delete/").status_code == 302
    assert not Trigger.objects.filter(pk=trigger.pk).exists()
    body = audit_page(as_viewer)
    assert "trigger Nightly (deleted)" in body
    assert f'href="/triggers/{trigger.pk}/"' not in body


@oo_db
def test_older_rows_without_names_are_named_now_or_said_to_be_deleted(as_viewer):
    trigger = make_trigger(name="Still here")
    gone = uuid.UUID("1a2b3c4d-0000-4000-8000-000000000000")
    by_hand("trigger", str(trigger.pk))
    by_hand("trigger", str(gone))
    body = audit_page(as_viewer)
    assert f'trigger <a href="/triggers/{trigger.pk}/">Still here</a>' in body
    assert "deleted trigger 1a2b3c4d" in body and str(gone) not in body


@oo_db
def test_a_renamed_trigger_shows_the_name_it_had_and_the_name_it_has(as_viewer, otto):
    trigger = make_trigger(name="Old name", status=TriggerStatus.FAILED)
    trigger_services.pause_trigger(user=otto, trigger=trigger)
    Trigger.objects.filter(pk=trigger.pk).update(trigger_name="New name")
    body = audit_page(as_viewer)
    assert f'<a href="/triggers/{trigger.pk}/">Old name</a> (now “New name”)' in body


@oo_db
def test_queue_elements_show_reference_and_queue_and_stay_named_once_deleted(as_viewer, otto):
    kept = make_element("Queue A", status=QueueStatus.FAILED, reference="INV-1")
    doomed = make_element("Queue A", status=QueueStatus.FAILED, reference="INV-2")
    retry_elements(user=otto, ids=[kept.pk, doomed.pk])
    delete_elements(user=otto, ids=[doomed.pk])
    body = audit_page(as_viewer)
    queue = f'<a href="{reverse("queues:elements", args=["Queue A"])}">Queue A</a>'
    element = reverse("queues:element", args=[kept.pk])
    assert f'2 queue elements: <a href="{element}">INV-1</a> in {queue}, INV-2 (deleted) in' in body
    assert f"queue element INV-2 (deleted) in {queue}" in body  # the delete's own row


@oo_db
def test_bulk_rows_name_their_first_targets_and_count_the_rest(as_viewer, otto):
    elements = [
        make_element(status=QueueStatus.FAILED, reference=f"R{i}", created_date=NOW)
        for i in range(5)
    ]
    retry_elements(user=otto, ids=[e.pk for e in elements])
    body = audit_page(as_viewer)
    assert "5 queue elements: " in body and " and 2 more" in body
    assert sum(f">R{i}</a>" in body for i in range(5)) == 3


@oo_db
def test_credentials_constants_and_processes_link_to_their_pages(as_viewer):
    make_credential("Mail")
    make_constant("Path")
    by_hand("credential", "Mail", action="credential.change")
    by_hand("credential", "Gone", action="credential.delete")
    by_hand("constant", "Path", action="constant.change")
    by_hand("process", "Robot A", action="logs.export")
    body = audit_page(as_viewer)
    assert 'credential <a href="/vault/credentials/?q=Mail">Mail</a>' in body
    assert "credential Gone (deleted)" in body and "?q=Gone" not in body
    assert 'constant <a href="/vault/constants/?q=Path">Path</a>' in body
    process = reverse("logs:process", args=["Robot A"])
    assert f'process <a href="{process}">Robot A</a>' in body


@oo_db
def test_names_are_escaped_and_a_blank_name_still_shows(as_viewer, otto):
    hostile = make_trigger(name="<script>alert(1)</script>", status=TriggerStatus.FAILED)
    blank = make_trigger(status=TriggerStatus.FAILED)
    Trigger.objects.filter(pk=blank.pk).update(trigger_name="")  # make_trigger names it
    blank.trigger_name = ""
    trigger_services.pause_trigger(user=otto, trigger=hostile)
    trigger_services.pause_trigger(user=otto, trigger=blank)
    body = audit_page(as_viewer)
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</a>" in body
    assert f'<a href="/triggers/{blank.pk}/">(no name)</a>' in body


@oo_db
def test_names_round_trip_exactly_even_with_line_breaks(otto):
    plain = make_trigger(name="Plain", status=TriggerStatus.FAILED)
    twin = make_trigger(name="Plain\n", status=TriggerStatus.FAILED)
    trigger_services.pause_trigger(user=otto, trigger=plain)
    trigger_services.pause_trigger(user=otto, trigger=twin)
    rows = AuditEntry.objects.order_by("id")
    assert [audit.recorded_names(row) for row in rows] == [["Plain"], ["Plain\n"]]


@oo_db
def test_a_page_names_its_targets_with_one_query_per_kind_not_per_row(as_viewer):
    def orchestrator_queries() -> int:
        with CaptureQueriesContext(connections["orchestrator"]) as queries:
            audit_page(as_viewer)
        return len(queries)

    by_hand("process", "Robot A", action="logs.export")
    audit_page(as_viewer)  # signed in; the schema check cached
    baseline = orchestrator_queries()  # no kind on the page needs a lookup
    for _ in range(3):
        by_hand("trigger", str(make_trigger().pk))
        by_hand("queue element", str(make_element().pk), action="queues.retry")
        by_hand("credential", make_credential(f"C{uuid.uuid4().hex[:6]}").pk)
    three_kinds = orchestrator_queries()
    assert three_kinds == baseline + 3
    for _ in range(9):
        by_hand("trigger", str(make_trigger().pk))
        by_hand("queue element", str(make_element().pk), action="queues.retry")
    assert orchestrator_queries() == three_kinds


# --- Edits: field: old → new ---------------------------------------------------------------------


@oo_db
def test_an_edit_shows_only_the_changed_fields_old_and_new_in_display_format(as_admin, as_viewer):
    old_run = dt.datetime(2026, 11, 30, 6, 30)
    trigger = make_trigger(TriggerType.SINGLE, name="Nightly", next_run=old_run)
    edit = f"/triggers/{trigger.pk}/edit/"
    data = edit_data(as_admin.get(edit))
    data.update(next_run="2026-12-01T07:45:00", priority="5")
    assert as_admin.post(edit, data).status_code == 302
    new_run = dt.datetime(2026, 12, 1, 7, 45)
    (entry,) = AuditEntry.objects.filter(action="trigger.edit")
    assert [c["field"] for c in entry.changes] == ["priority", "next_run"]
    expected = [
        "priority: 0 → 5",
        f"next run: {datetime_text(old_run)} → {datetime_text(new_run)}",
    ]
    assert [audit.change_text(c) for c in entry.changes] == expected
    for body in (audit_page(as_viewer), as_viewer.get(trigger.get_absolute_url()).content.decode()):
        assert "<br>".join(expected) in body  # the trail, and the trigger page's history
        assert "datetime.datetime" not in body and "next_run=" not in body


@oo_db
def test_a_new_trigger_records_its_values_in_words(as_admin, as_viewer):
    from tests.triggers.util import form_data

    data = form_data("scheduled", trigger_name="Morning", process_args="--fast")
    assert as_admin.post("/triggers/new/scheduled/", data).status_code == 302
    (entry,) = AuditEntry.objects.filter(action="trigger.create")
    words = [audit.change_text(c) for c in entry.changes]
    assert "type: Scheduled" in words and "cron expr: “0 6 * * MON-FRI”" in words
    assert "trigger name: “Morning”" in words and "process args: “--fast”" in words
    assert not any("git branch" in w for w in words)  # empty values are left out
    assert "next_run=" not in audit_page(as_viewer)


@oo_db
def test_a_resume_that_moves_the_next_run_shows_old_and_new(as_viewer, otto, monkeypatch):
    monkeypatch.setattr("orchestrator_site.clock.now", lambda: NOW)
    old_run = NOW - dt.timedelta(hours=2)
    trigger = make_trigger(name="Late", status=TriggerStatus.PAUSED, next_run=old_run)
    new_run = NOW + dt.timedelta(hours=1)
    trigger = Trigger.objects.with_children().get(pk=trigger.pk)
    trigger_services.resume_trigger(user=otto, trigger=trigger, next_run=new_run)
    (entry,) = AuditEntry.objects.filter(action="trigger.resume")
    expected = f"next run: {datetime_text(old_run)} → {datetime_text(new_run)}"
    assert [audit.change_text(c) for c in entry.changes] == [expected]
    assert expected in audit_page(as_viewer)


@oo_db
def test_a_password_change_reads_changed_and_records_no_secret(as_admin, as_viewer):
    make_credential("Mail", "robot", "old-s3cret")
    response = as_admin.post(
        "/vault/credentials/Mail/edit/",
        {"username": "robot2", "password": "new-s3cret", "password_again": "new-s3cret"},
    )
    assert response.status_code == 302
    token = Credential.objects.get(pk="Mail").password
    (entry,) = AuditEntry.objects.filter(action="credential.change")
    assert [audit.change_text(c) for c in entry.changes] == [
        "username: “robot” → “robot2”",
        "password: changed",
    ]
    stored = json.dumps([entry.changes, entry.detail, entry.target_names, entry.reason])
    for secret in ("old-s3cret", "new-s3cret", token, token[:20]):
        assert secret not in stored
    body = audit_page(as_viewer)
    assert "password: changed" in body and "new-s3cret" not in body


@oo_db
def test_a_constant_edit_shows_the_value_before_and_after(as_admin, as_viewer):
    make_constant("Path", "C:\\old")
    as_admin.post("/vault/constants/Path/edit/", {"value": " C:\\new "})
    assert "value: “C:\\old” → “ C:\\new ”" in audit_page(as_viewer)


@oo_db
def test_the_acknowledge_comment_is_shown(as_viewer, otto):
    failed = make_element(status=QueueStatus.FAILED, reference="INV-9")
    acknowledge_elements(user=otto, ids=[failed.pk], comment="Known outage <b>")
    body = audit_page(as_viewer)
    assert "Comment: Known outage &lt;b&gt;" in body and ">INV-9</a>" in body


# --- Filters -------------------------------------------------------------------------------------


@oo_db
def test_the_action_filter_offers_the_audited_actions(as_viewer, otto):
    trigger = make_trigger(status=TriggerStatus.FAILED)
    trigger_services.pause_trigger(user=otto, trigger=trigger)
    trigger_services.resume_trigger(user=otto, trigger=trigger)
    form = as_viewer.get(reverse("audit")).context["filter"].form
    offered = {value for value, _label in form.fields["action"].choices}
    assert {"trigger.pause", "queues.acknowledge", "credential.reveal", "user.block"} <= offered
    assert [e.action for e in listed(as_viewer, action="trigger.pause")] == ["trigger.pause"]
    response = as_viewer.get(reverse("audit"), {"action": "trigger.pause_everything"})
    assert not list(response.context["table"].page.object_list)
    assert "errorlist" in response.content.decode()


@oo_db
def test_the_target_name_filter_finds_recorded_names_and_names_that_are_ids(as_viewer, otto):
    for name in ("Fakturaø", 'Say "hi"', "Other"):
        trigger_services.pause_trigger(
            user=otto, trigger=make_trigger(name=name, status=TriggerStatus.FAILED)
        )
    element = make_element(status=QueueStatus.FAILED, reference="INV-7")
    retry_elements(user=otto, ids=[element.pk])
    by_hand("credential", "Mail", action="credential.change")  # written before names were kept

    def names(text: str) -> list:
        return [
            audit.recorded_names(e) or e.target_ids for e in listed(as_viewer, target_name=text)
        ]

    assert names("aktura") == [["Fakturaø"]]
    assert names("ø") == [["Fakturaø"]]
    assert names('y "h') == [['Say "hi"']]
    assert names("inv-7") == [[("INV-7", "Queue A")]]
    assert names("mai") == ["Mail"]
    assert names("nobody") == []


@oo_db
def test_the_target_filter_is_exact_and_the_page_says_which_target(as_viewer):
    make_credential("Mail")
    mine = by_hand("credential", "Mail", action="credential.change")
    by_hand("credential", "Mailbox", action="credential.change")
    both = by_hand("credential", "Other", "Mail", action="credential.delete")
    by_hand("constant", "Mail", action="constant.change")
    response = as_viewer.get(reverse("audit"), {"target_type": "credential", "target": "Mail"})
    assert [row.record for row in response.context["table"].page.object_list] == [both, mine]
    body = response.content.decode()
    assert (
        'Only the entries about credential <a href="/vault/credentials/?q=Mail">Mail</a>.' in body
    )
