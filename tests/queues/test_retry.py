"""Retry: FAILED/ABANDONED freely, DONE only when asked, IN_PROGRESS only when stale and asked."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.urls import reverse

from orchestrator_site.models import AuditEntry
from queues.models import QueueStatus
from tests.helpers import NOW, make_element, make_trigger, oo_db
from tests.queues.util import last_audit, messages_of, reload
from triggers.models import TriggerStatus, TriggerType

URL = reverse("queues:retry")
NEXT = reverse("queues:elements", args=["Queue A"])


def post(client, elements, **extra):
    data = {"ids": [str(e.pk) for e in elements], "next": NEXT, "confirmed": "True", **extra}
    return client.post(URL, data, follow=True)


@oo_db
def test_it_sets_new_and_clears_dates_but_keeps_created_date_and_message(as_operator):
    failed = make_element(status=QueueStatus.FAILED, message="boom")
    abandoned = make_element(status=QueueStatus.ABANDONED, message="gave up")
    response = post(as_operator, [failed, abandoned])
    assert response.status_code == 200
    for before in (failed, abandoned):
        after = reload(before)
        assert after.status == QueueStatus.NEW
        assert after.start_date is None and after.end_date is None
        assert after.created_date == before.created_date and after.message == before.message
    assert "Retried 2 of 2." in messages_of(response)


@oo_db
def test_it_reports_how_many_were_no_longer_failed(as_operator):
    failed = [make_element(status=QueueStatus.FAILED) for _ in range(3)]
    taken = make_element(status=QueueStatus.IN_PROGRESS, start_date=NOW)
    done = make_element(status=QueueStatus.DONE)
    response = post(as_operator, [*failed, taken, done])
    assert "Retried 3 of 5; 2 were no longer failed or abandoned." in messages_of(response)
    assert reload(taken).status == QueueStatus.IN_PROGRESS and reload(taken).start_date == NOW
    assert reload(done).status == QueueStatus.DONE
    entry = last_audit("queues.retry")
    assert entry.count == 3 and entry.outcome == AuditEntry.Outcome.PARTIAL
    assert entry.username == "test\\otto" and str(failed[0].pk) in entry.target_ids


@oo_db
def test_the_message_is_a_warning_when_some_were_skipped_and_an_error_when_all_were(as_operator):
    failed = make_element(status=QueueStatus.FAILED)
    done = make_element(status=QueueStatus.DONE)
    levels = {m.message: m.level for m in post(as_operator, [failed, done]).context["messages"]}
    assert levels == {"Retried 1 of 2; 1 was no longer failed or abandoned.": messages.WARNING}
    levels = {m.message: m.level for m in post(as_operator, [done]).context["messages"]}
    assert levels == {"Retried 0 of 1; 1 was no longer failed or abandoned.": messages.ERROR}


@oo_db
def test_done_needs_the_extra_confirmation(as_operator):
    done = make_element(status=QueueStatus.DONE, message="ok")
    post(as_operator, [done])
    assert reload(done).status == QueueStatus.DONE
    response = post(as_operator, [done], include_done="on")
    assert reload(done).status == QueueStatus.NEW and reload(done).message == "ok"
    assert "Retried 1 of 1." in messages_of(response)
    assert "include_done" in last_audit("queues.retry").detail


@oo_db
def test_in_progress_is_never_retried_unless_stale_and_confirmed(as_operator, settings):
    settings.CONSOLE_STALE_ELEMENT_MINUTES = 60
    fresh = make_element(status=QueueStatus.IN_PROGRESS, start_date=NOW - dt.timedelta(minutes=59))
    stale = make_element(status=QueueStatus.IN_PROGRESS, start_date=NOW - dt.timedelta(minutes=61))
    post(as_operator, [fresh, stale])
    assert reload(stale).status == QueueStatus.IN_PROGRESS
    response = post(as_operator, [fresh, stale], include_stale="on")
    assert reload(stale).status == QueueStatus.NEW and reload(stale).start_date is None
    assert reload(fresh).status == QueueStatus.IN_PROGRESS
    assert "Retried 1 of 2; 1 was no longer failed or abandoned." in messages_of(response)


@oo_db
def test_without_confirmation_it_shows_what_would_happen_and_changes_nothing(as_operator):
    failed = make_element(status=QueueStatus.FAILED, reference="<script>alert(1)</script>")
    done = make_element(status=QueueStatus.DONE)
    stale = make_element(status=QueueStatus.IN_PROGRESS, start_date=NOW - dt.timedelta(days=1))
    response = as_operator.post(URL, {"ids": [failed.pk, done.pk, stale.pk], "next": NEXT})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Retry 3 elements?" in page
    assert 'name="include_done"' in page and 'name="include_stale"' in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert reload(failed).status == QueueStatus.FAILED
    assert not AuditEntry.objects.filter(action="queues.retry").exists()


@oo_db
def test_it_warns_when_new_elements_reach_a_queue_triggers_min_batch_size(as_operator):
    make_trigger(TriggerType.QUEUE, name="Robot T", queue_name="Queue A", min_batch_size=3)
    make_element(status=QueueStatus.NEW)
    one = make_element(status=QueueStatus.FAILED)
    two = make_element(status=QueueStatus.FAILED)
    response = post(as_operator, [one])
    assert not [m for m in messages_of(response) if "minimum batch size" in m]
    response = post(as_operator, [two])
    warning = [m for m in messages_of(response) if "minimum batch size" in m]
    assert warning and "Robot T" in warning[0] and "Queue A" in warning[0]


@oo_db
def test_no_warning_for_a_paused_queue_trigger(as_operator):
    make_trigger(
        TriggerType.QUEUE, queue_name="Queue A", min_batch_size=1, status=TriggerStatus.PAUSED
    )
    response = post(as_operator, [make_element(status=QueueStatus.FAILED)])
    assert not [m for m in messages_of(response) if "minimum batch size" in m]


@oo_db
def test_bad_selection_changes_nothing(as_operator):
    failed = make_element(status=QueueStatus.FAILED)
    response = as_operator.post(URL, {"ids": ["not-a-uuid", str(failed.pk)]}, follow=True)
    assert any("is not a valid element id" in m for m in messages_of(response))
    response = as_operator.post(URL, {"confirmed": "True"}, follow=True)
    assert any("Select at least one element" in m for m in messages_of(response))
    assert reload(failed).status == QueueStatus.FAILED


@oo_db
def test_it_redirects_only_to_this_site(as_operator):
    failed = make_element(status=QueueStatus.FAILED)
    response = as_operator.post(
        URL, {"ids": [failed.pk], "confirmed": "True", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("queues:overview")
