"""Act on everything a filter matches: preview, typed confirmation, batches, one audit row."""

from __future__ import annotations

import datetime as dt

from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orchestrator_site.models import AuditEntry
from queues.models import Acknowledgement, QueueElement, QueueStatus
from tests.helpers import NOW, make_element, oo_db
from tests.queues.util import messages_of

URL = reverse("queues:bulk", args=["Queue A"])
LIST = reverse("queues:elements", args=["Queue A"])


def statuses(queue="Queue A") -> dict:
    return dict(QueueElement.objects.filter(queue_name=queue).values_list("reference", "status"))


@oo_db
def test_the_preview_shows_capped_counts_and_a_sample(as_operator, settings):
    settings.CONSOLE_COUNT_CAP = 100
    for i in range(105):
        make_element(status=QueueStatus.FAILED, reference=f"f{i}")
    make_element(status=QueueStatus.DONE, reference="<b>done</b>")
    response = as_operator.get(URL, {"status": ["FAILED", "DONE"], "action": "retry"})
    page = response.content.decode()
    assert response.status_code == 200
    assert str(response.context["matching"]) == "100+"
    assert str(response.context["retryable"]) == "100+" and str(response.context["done"]) == "1"
    assert "type the queue name" in page and "status=FAILED,DONE" in page
    assert len(response.context["sample"]) == 10
    assert response.context["form"].initial["action"] == "retry"
    assert QueueElement.objects.filter(status=QueueStatus.NEW).count() == 0


@oo_db
def test_it_retries_all_matching_in_batches_with_one_audit_row(as_operator, settings):
    settings.CONSOLE_BULK_BATCH_SIZE = 2
    for i in range(5):
        make_element(status=QueueStatus.FAILED, reference=f"f{i}")
    make_element(status=QueueStatus.DONE, reference="done")
    make_element(
        status=QueueStatus.FAILED, reference="old", created_date=NOW - dt.timedelta(days=9)
    )
    make_element("Queue B", status=QueueStatus.FAILED, reference="other")
    query = "?created_from=2026-11-20T00:00:00"
    with CaptureQueriesContext(connections["orchestrator"]) as queries:
        response = as_operator.post(URL + query, {"action": "retry"}, follow=True)
    updates = [q for q in queries.captured_queries if q["sql"].upper().startswith("UPDATE")]
    assert len(updates) == 3  # 6 matching rows, 2 per batch
    assert all('"status" IN' in q["sql"] for q in updates)
    found = statuses()
    assert [found[f"f{i}"] for i in range(5)] == [QueueStatus.NEW] * 5
    assert found["done"] == QueueStatus.DONE and found["old"] == QueueStatus.FAILED
    assert statuses("Queue B")["other"] == QueueStatus.FAILED
    assert "Retried 5 of 6; 1 was no longer failed or abandoned." in messages_of(response)
    assert response.redirect_chain[-1][0] == LIST + "?created_from=2026-11-20T00%3A00%3A00"
    entry = AuditEntry.objects.get(action="queues.retry_all")
    assert entry.count == 5 and "asked 6, changed 5" in entry.detail
    assert "queue=Queue A" in entry.filter_used and "created_from=2026-11-20" in entry.filter_used


@oo_db
def test_above_the_threshold_the_queue_name_must_be_typed(as_operator, settings):
    settings.CONSOLE_BULK_CONFIRM_THRESHOLD = 2
    for i in range(3):
        make_element(status=QueueStatus.NEW, reference=f"n{i}")
    response = as_operator.post(URL, {"action": "delete", "typed": "queue a"})
    assert response.status_code == 200 and "typed" in response.context["form"].errors
    assert QueueElement.objects.count() == 3
    assert not AuditEntry.objects.filter(action="queues.delete_all").exists()
    response = as_operator.post(URL, {"action": "delete", "typed": "Queue A"}, follow=True)
    assert QueueElement.objects.count() == 0
    assert "Deleted 3 of 3." in messages_of(response)


@oo_db
def test_bulk_delete_spares_elements_in_progress_and_bulk_acknowledge_comments(as_operator):
    make_element(status=QueueStatus.FAILED, reference="f")
    make_element(
        status=QueueStatus.IN_PROGRESS, start_date=NOW - dt.timedelta(days=1), reference="busy"
    )
    as_operator.post(URL, {"action": "acknowledge", "comment": "bulk ok"})
    assert list(Acknowledgement.objects.values_list("comment", flat=True)) == ["bulk ok"]
    as_operator.post(URL, {"action": "delete"})
    assert statuses() == {"busy": QueueStatus.IN_PROGRESS}
    as_operator.post(URL, {"action": "delete", "include_stale": "on"})
    assert statuses() == {}
    entry = AuditEntry.objects.filter(action="queues.delete_all").order_by("-id").first()
    assert "include_stale" in entry.detail and entry.count == 1


@oo_db
def test_a_bad_filter_or_action_acts_on_nothing(as_operator):
    make_element(status=QueueStatus.FAILED, reference="f")
    response = as_operator.post(URL + "?status=NOPE", {"action": "delete"})
    assert response.status_code == 302 and statuses() == {"f": QueueStatus.FAILED}
    response = as_operator.post(URL, {"action": "explode"})
    assert response.status_code == 200 and "action" in response.context["form"].errors
    assert statuses() == {"f": QueueStatus.FAILED}


@oo_db
def test_the_action_s_own_permission_is_checked(as_viewer):
    make_element(status=QueueStatus.FAILED, reference="f")
    assert as_viewer.get(URL).status_code == 200  # the preview is a read
    assert as_viewer.post(URL, {"action": "retry"}).status_code == 403
    assert statuses() == {"f": QueueStatus.FAILED}


@oo_db
def test_the_typed_queue_name_and_the_comment_are_kept_exactly(as_operator, settings):
    settings.CONSOLE_BULK_CONFIRM_THRESHOLD = 1
    url = reverse("queues:bulk", args=["Kø "])
    for i in range(2):
        make_element("Kø ", status=QueueStatus.FAILED, reference=f"f{i}")
    make_element("Kø", status=QueueStatus.FAILED, reference="other queue")
    response = as_operator.post(url, {"action": "acknowledge", "typed": "Kø", "comment": "x"})
    assert "typed" in response.context["form"].errors  # 'Kø' is another queue
    as_operator.post(url, {"action": "acknowledge", "typed": "Kø ", "comment": "  see INC-1 \t"})
    comments = dict(Acknowledgement.objects.values_list("queue_name", "comment").distinct())
    assert comments == {"Kø ": "  see INC-1 \t"}
