"""Delete: always a confirmation page (count and sample); IN_PROGRESS only when stale and confirmed."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from orchestrator_site.models import AuditEntry
from queues.models import Acknowledgement, QueueElement, QueueStatus
from queues.services import acknowledge_elements
from tests.helpers import NOW, make_element, oo_db
from tests.queues.util import last_audit, messages_of, status_of

URL = reverse("queues:delete")
NEXT = reverse("queues:elements", args=["Queue A"])


def confirm(client, elements, **extra):
    data = {"ids": [str(e.pk) for e in elements], "next": NEXT, "delete_confirmed": "True"}
    return client.post(URL, {**data, **extra}, follow=True)


@oo_db
def test_first_it_shows_the_count_and_a_sample_and_deletes_nothing(as_operator):
    elements = [make_element(status=QueueStatus.FAILED, reference=f"ref-{i}") for i in range(12)]
    busy = make_element(
        status=QueueStatus.IN_PROGRESS, start_date=NOW, created_date=NOW - dt.timedelta(hours=3)
    )
    response = as_operator.post(URL, {"ids": [e.pk for e in [*elements, busy]], "next": NEXT})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Delete 12 of 13 selected elements?" in page
    assert "1 element in progress will not be deleted" in page
    assert page.count("ref-") == 10  # a sample, not everything
    assert QueueElement.objects.count() == 13
    assert not AuditEntry.objects.filter(action="queues.delete").exists()


@oo_db
def test_the_inbox_one_click_confirmation_does_not_confirm_a_delete(as_operator):
    failed = make_element(status=QueueStatus.FAILED)
    response = as_operator.post(URL, {"ids": [failed.pk], "confirmed": "True"})
    assert response.status_code == 200 and status_of(failed) == QueueStatus.FAILED


@oo_db
def test_it_deletes_everything_but_elements_in_progress(as_operator):
    doomed = [
        make_element(status=status)
        for status in (QueueStatus.NEW, QueueStatus.DONE, QueueStatus.FAILED, QueueStatus.ABANDONED)
    ]
    busy = make_element(status=QueueStatus.IN_PROGRESS, start_date=NOW - dt.timedelta(days=2))
    response = confirm(as_operator, [*doomed, busy])
    assert list(QueueElement.objects.values_list("pk", flat=True)) == [busy.pk]
    assert "Deleted 4 of 5; 1 was in progress or already gone." in messages_of(response)
    entry = last_audit("queues.delete")
    assert entry.count == 4 and entry.outcome == AuditEntry.Outcome.PARTIAL
    assert all(str(e.pk) in entry.target_ids for e in doomed)


@oo_db
def test_stale_in_progress_only_with_the_confirmation(as_operator, settings):
    settings.CONSOLE_STALE_ELEMENT_MINUTES = 30
    fresh = make_element(status=QueueStatus.IN_PROGRESS, start_date=NOW - dt.timedelta(minutes=29))
    stale = make_element(status=QueueStatus.IN_PROGRESS, start_date=NOW - dt.timedelta(minutes=31))
    page = as_operator.post(URL, {"ids": [fresh.pk, stale.pk]}).content.decode()
    assert 'name="include_stale"' in page
    confirm(as_operator, [fresh, stale])
    assert status_of(stale) == QueueStatus.IN_PROGRESS
    confirm(as_operator, [fresh, stale], include_stale="on")
    assert status_of(stale) is None and status_of(fresh) == QueueStatus.IN_PROGRESS


@oo_db
def test_it_forgets_the_acknowledgements_of_deleted_elements(as_operator, operator_user):
    failed = make_element(status=QueueStatus.FAILED)
    acknowledge_elements(user=operator_user, ids=[failed.pk])
    confirm(as_operator, [failed])
    assert not Acknowledgement.objects.filter(element_id=failed.pk).exists()


@oo_db
def test_from_the_detail_page_it_returns_to_the_queue(as_operator):
    failed = make_element("Queue B", status=QueueStatus.FAILED)
    response = as_operator.post(
        URL,
        {
            "ids": [failed.pk],
            "delete_confirmed": "True",
            "next": reverse("queues:element", args=[failed.pk]),
            "next_after_delete": reverse("queues:elements", args=["Queue B"]),
        },
    )
    assert response["Location"] == reverse("queues:elements", args=["Queue B"])


@oo_db
def test_the_delete_is_one_conditional_statement(as_operator):
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    elements = [make_element(status=QueueStatus.FAILED) for _ in range(3)]
    with CaptureQueriesContext(connections["orchestrator"]) as queries:
        confirm(as_operator, elements)
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].upper().startswith("DELETE")]
    assert len(deletes) == 1 and '"status" IN' in deletes[0]
    assert not QueueElement.objects.exists()
