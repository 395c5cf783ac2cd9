"""The Django admin for queue elements: read-only rows, no full count, actions via the services."""

from __future__ import annotations

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from queues.models import Acknowledgement, QueueElement, QueueStatus
from tests.helpers import NOW, make_element, oo_db
from tests.queues.util import last_audit, messages_of

CHANGELIST = reverse("admin:queues_queueelement_changelist")


@oo_db
def test_the_changelist_filters_searches_and_never_counts_the_table(as_operator, settings):
    settings.CONSOLE_COUNT_CAP = 100
    make_element("Queue A", status=QueueStatus.FAILED, reference="INV-1")
    make_element("Queue B", status=QueueStatus.DONE, reference="INV-2")
    as_operator.get(CHANGELIST)
    with CaptureQueriesContext(connections["orchestrator"]) as queries:
        response = as_operator.get(CHANGELIST, {"status__exact": "FAILED"})
    assert response.status_code == 200
    assert [e.reference for e in response.context["cl"].result_list] == ["INV-1"]
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)
    response = as_operator.get(CHANGELIST, {"q": "INV-2"})
    assert [e.reference for e in response.context["cl"].result_list] == ["INV-2"]
    response = as_operator.get(CHANGELIST, {"queue_name": "Queue B"})
    assert [e.reference for e in response.context["cl"].result_list] == ["INV-2"]
    assert "delete_selected" not in response.content.decode()


def confirm_in_admin(client, action: str, elements, flag: str = "confirmed", **extra):
    """Choose the admin action (its confirmation page: the console's own), then say yes there."""
    ids = [e.pk for e in elements]
    page = client.post(CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: ids})
    assert page.status_code == 200
    assert QueueElement.objects.filter(pk__in=ids).count() == len(ids)  # nothing changed yet
    assert page.context["next"] == CHANGELIST and page.context["asked"] == len(ids)
    form_action = {"confirmed": "queues:retry", "delete_confirmed": "queues:delete"}[flag]
    if action == "acknowledge_selected":
        form_action = "queues:acknowledge"
    assert f'action="{reverse(form_action)}"' in page.content.decode()
    done = client.post(
        reverse(form_action), {"ids": ids, "next": CHANGELIST, flag: "True", **extra}, follow=True
    )
    assert done.redirect_chain[-1][0] == CHANGELIST
    return page, done


@oo_db
def test_the_retry_action_confirms_on_the_consoles_page_and_uses_the_service(as_operator):
    failed = make_element(status=QueueStatus.FAILED)
    busy = make_element(status=QueueStatus.IN_PROGRESS, start_date=NOW)
    page, done = confirm_in_admin(as_operator, "retry_selected", [failed, busy])
    assert "Retry 2 elements?" in page.content.decode()
    assert page.context["retryable"] == 1 and page.context["busy"] == 1
    assert QueueElement.objects.get(pk=failed.pk).status == QueueStatus.NEW
    assert QueueElement.objects.get(pk=busy.pk).status == QueueStatus.IN_PROGRESS
    assert "Retried 1 of 2; 1 was no longer failed or abandoned." in messages_of(done)
    assert last_audit("queues.retry").count == 1


@oo_db
def test_the_acknowledge_action_confirms_first(as_operator):
    failed = make_element(status=QueueStatus.FAILED)
    new = make_element(status=QueueStatus.NEW)
    page, done = confirm_in_admin(
        as_operator, "acknowledge_selected", [failed, new], comment="from the admin"
    )
    assert "Acknowledge 1 of 2 elements?" in page.content.decode()
    assert Acknowledgement.objects.get(element_id=failed.pk).comment == "from the admin"
    assert not Acknowledgement.objects.filter(element_id=new.pk).exists()
    assert "Acknowledged 1 of 2; 1 was not failed or abandoned (or gone)." in messages_of(done)
    assert last_audit("queues.acknowledge").count == 1


@oo_db
def test_the_delete_action_asks_first_and_spares_elements_in_progress(as_operator):
    failed = make_element(status=QueueStatus.FAILED, reference="gone-soon")
    busy = make_element(status=QueueStatus.IN_PROGRESS, start_date=NOW)
    page, done = confirm_in_admin(
        as_operator, "delete_elements", [failed, busy], flag="delete_confirmed"
    )
    assert "gone-soon" in page.content.decode()
    assert list(QueueElement.objects.values_list("pk", flat=True)) == [busy.pk]
    assert "Deleted 1 of 2; 1 was in progress or already gone." in messages_of(done)
    assert last_audit("queues.delete").count == 1


@oo_db
def test_viewers_cannot_use_the_admin_and_elements_cannot_be_edited(as_viewer, as_operator):
    element = make_element()
    refused = as_viewer.get(CHANGELIST, follow=True)
    assert refused.redirect_chain[0][0].startswith(reverse("admin:login"))
    assert refused.status_code == 403 and b"Access denied" in refused.content
    change = reverse("admin:queues_queueelement_change", args=[element.pk])
    response = as_operator.post(change, {"status": "DONE"})
    assert QueueElement.objects.get(pk=element.pk).status == QueueStatus.NEW
    assert response.status_code == 403


@oo_db
def test_the_changelist_searches_messages_and_shows_them_cut_and_escaped(as_operator):
    long_message = "Timeout " + "x" * 200
    make_element(status=QueueStatus.FAILED, reference="INV-1", message=long_message)
    make_element(status=QueueStatus.FAILED, reference="INV-2", message="<script>alert(1)</script>")
    make_element(status=QueueStatus.DONE, reference="TIMEOUT-REF", message="fine")

    def found(term: str) -> list[str]:
        response = as_operator.get(CHANGELIST, {"q": term})
        return sorted(e.reference for e in response.context["cl"].result_list)

    assert found("timeout") == ["INV-1", "TIMEOUT-REF"]  # a message, or a reference's start
    assert found("alert(") == ["INV-2"]
    assert found("NV-") == []  # a reference matches by its start only (its index)
    body = as_operator.get(CHANGELIST).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert" not in body
    assert "Timeout " + "x" * 111 + "…" in body and "x" * 113 not in body


@oo_db
def test_an_elements_history_is_its_audit_trail(as_operator):
    failed = make_element(status=QueueStatus.FAILED, reference="INV-1")
    other = make_element(status=QueueStatus.FAILED, reference="INV-2")
    confirm_in_admin(as_operator, "retry_selected", [failed, other])
    history = reverse("admin:queues_queueelement_history", args=[failed.pk])
    response = as_operator.get(history, follow=True)
    assert response.redirect_chain[0][0] == f"/audit/?target_type=queue+element&target={failed.pk}"
    assert [row.record.action for row in response.context["table"].page.object_list] == [
        "queues.retry"
    ]
