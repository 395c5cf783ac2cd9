"""The failed inbox and acknowledging: FAILED elements nobody has handled yet, newest first."""

from __future__ import annotations

import datetime as dt

from django.db import connections
from django.urls import reverse

from orchestrator_site import indexes
from queues.models import Acknowledgement, QueueStatus
from queues.services import acknowledge_elements, retry_elements
from tests.helpers import NOW, make_element, oo_db
from tests.queues.util import last_audit, messages_of

URL = reverse("queues:failed")
ACK = reverse("queues:acknowledge")


def listed(response) -> list:
    return [row.record.pk for row in response.context["table"].page.object_list]


@oo_db
def test_it_lists_unacknowledged_failures_of_all_queues_newest_first(as_viewer, operator_user):
    old = make_element("Queue A", status=QueueStatus.FAILED, end_date=NOW - dt.timedelta(hours=5))
    new = make_element("Queue B", status=QueueStatus.FAILED, end_date=NOW - dt.timedelta(hours=1))
    handled = make_element(
        "Queue A", status=QueueStatus.FAILED, end_date=NOW - dt.timedelta(hours=2)
    )
    make_element("Queue A", status=QueueStatus.DONE)
    make_element("Queue A", status=QueueStatus.ABANDONED)
    acknowledge_elements(user=operator_user, ids=[handled.pk])
    response = as_viewer.get(URL)
    assert listed(response) == [new.pk, old.pk]


@oo_db
def test_it_shows_the_message_inline_escaped(as_viewer):
    make_element(status=QueueStatus.FAILED, message="<script>alert('x')</script> Timeout in step 3")
    page = as_viewer.get(URL).content.decode()
    assert "Timeout in step 3" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


@oo_db
def test_acknowledge_with_a_comment_hides_it_and_is_audited(as_operator):
    failed = make_element(status=QueueStatus.FAILED)
    page = as_operator.post(ACK, {"ids": [failed.pk], "comment": "Known outage", "next": URL})
    assert "Acknowledge 1 of 1 element?" in page.content.decode()
    assert 'value="Known outage"' in page.content.decode()
    assert not Acknowledgement.objects.exists()  # the confirmation page changes nothing
    response = as_operator.post(
        ACK,
        {"ids": [failed.pk], "comment": "Known outage", "next": URL, "confirmed": "True"},
        follow=True,
    )
    assert "Acknowledged 1 of 1." in messages_of(response)
    ack = Acknowledgement.objects.get(element_id=failed.pk)
    assert ack.comment == "Known outage" and ack.acknowledged_by_name == "test\\otto"
    assert ack.queue_name == "Queue A" and ack.acknowledged_at == NOW
    assert listed(response) == []
    entry = last_audit("queues.acknowledge")
    assert (
        entry.count == 1 and str(failed.pk) in entry.target_ids and "Known outage" in entry.detail
    )


@oo_db
def test_only_failed_or_abandoned_elements_are_acknowledged(as_operator):
    failed = make_element(status=QueueStatus.FAILED)
    new = make_element(status=QueueStatus.NEW)
    response = as_operator.post(ACK, {"ids": [failed.pk, new.pk], "confirmed": "True"}, follow=True)
    assert "Acknowledged 1 of 2; 1 was not failed or abandoned (or gone)." in messages_of(response)
    assert not Acknowledgement.objects.filter(element_id=new.pk).exists()


@oo_db
def test_acknowledging_again_updates_the_one_acknowledgement(as_operator):
    failed = make_element(status=QueueStatus.FAILED)
    as_operator.post(ACK, {"ids": [failed.pk], "comment": "first", "confirmed": "True"})
    as_operator.post(ACK, {"ids": [failed.pk], "comment": "second", "confirmed": "True"})
    assert list(Acknowledgement.objects.values_list("comment", flat=True)) == ["second"]


@oo_db
def test_an_element_that_fails_again_after_a_retry_is_back_in_the_inbox(as_viewer, operator_user):
    failed = make_element(status=QueueStatus.FAILED, end_date=NOW - dt.timedelta(hours=1))
    acknowledge_elements(user=operator_user, ids=[failed.pk])
    assert listed(as_viewer.get(URL)) == []
    retry_elements(user=operator_user, ids=[failed.pk])
    # A robot takes it and it fails again, after the acknowledgement.
    type(failed).objects.filter(pk=failed.pk).update(
        status=QueueStatus.FAILED, start_date=NOW, end_date=NOW + dt.timedelta(minutes=1)
    )
    assert listed(as_viewer.get(URL)) == [failed.pk]


@oo_db
def test_the_comment_is_limited_and_retry_from_the_inbox_asks_first(as_operator):
    failed = make_element(status=QueueStatus.FAILED)
    response = as_operator.post(
        ACK, {"ids": [failed.pk], "comment": "x" * 501, "confirmed": "True"}, follow=True
    )
    assert any("at most 500" in m for m in messages_of(response))
    assert not Acknowledgement.objects.exists()
    # The inbox's buttons lead to the same confirmation page as everywhere else.
    page = as_operator.get(URL).content.decode()
    assert 'name="confirmed"' not in page and "Retry selected…" in page
    response = as_operator.post(reverse("queues:retry"), {"ids": [failed.pk], "next": URL})
    assert response.status_code == 200 and "Retry 1 element?" in response.content.decode()
    assert type(failed).objects.get(pk=failed.pk).status == QueueStatus.FAILED


@oo_db
def test_query_count_is_bounded(as_viewer, operator_user, django_assert_max_num_queries):
    for i in range(60):
        make_element(f"Queue {i % 3}", status=QueueStatus.FAILED, reference=f"r{i}")
    as_viewer.get(URL)
    # The test database has no recommended index: a page's keys, then its rows, then the count.
    assert not indexes.present("ix_console_queues_status_end")
    with django_assert_max_num_queries(3, connection=connections["orchestrator"]):
        response = as_viewer.get(URL)
    assert len(listed(response)) == 50
    with django_assert_max_num_queries(8):
        as_viewer.get(URL, {"page": 2})


@oo_db
def test_a_bad_page_number_says_so_and_a_page_past_the_end_shows_the_last(as_viewer):
    make_element(status=QueueStatus.FAILED, reference="only-failed-row")
    for page in ("x", "0", "-3", "100000"):
        response = as_viewer.get(URL, {"page": page})
        html = response.content.decode()
        assert response.status_code == 200, page
        assert "Page must be a whole number from 1 to 100." in html, page
        assert "only-failed-row" not in html, page
    assert "only-failed-row" in as_viewer.get(URL, {"page": "2"}).content.decode()


@oo_db
def test_an_acknowledge_comment_is_kept_as_typed(as_operator):
    failed = make_element(status=QueueStatus.FAILED)
    as_operator.post(
        ACK, {"ids": [failed.pk], "comment": " INC-7:\tdisk fuld ", "confirmed": "True"}
    )
    assert Acknowledgement.objects.get(element_id=failed.pk).comment == " INC-7:\tdisk fuld "
