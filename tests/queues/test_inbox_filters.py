"""The failed inbox's filter and count, "all matching" from it, undoing an acknowledgement, and the
dashboard panel's link (its number is the inbox's count)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orchestrator_site.models import AuditEntry
from queues.models import Acknowledgement, QueueElement, QueueStatus
from queues.services import acknowledge_elements
from tests.helpers import NOW, make_element, oo_db, oo_tx
from tests.queues.util import last_audit, messages_of, status_of

URL = reverse("queues:failed")
ALL = reverse("queues:failed_bulk")
H = dt.timedelta(hours=1)


def listed(response) -> list[str | None]:
    return [row.record.reference for row in response.context["table"].page.object_list]


def failed(queue: str, reference: str, *, ago: dt.timedelta = H, **fields) -> QueueElement:
    fields.setdefault("created_date", NOW - ago - H)
    fields.setdefault("end_date", NOW - ago)
    return make_element(queue, status=QueueStatus.FAILED, reference=reference, **fields)


def monday_inbox():
    """Failures of two queues, some timeouts, one already acknowledged, one old, one created by
    someone else; and elements that are not failed at all."""
    return {
        "a-timeout": failed("Fakturaer", "a-timeout", message="TimeoutError: portal slow"),
        "a-other": failed("Fakturaer", "a-other", message="KeyError: 'cpr'", ago=2 * H),
        "a-acked": failed("Fakturaer", "a-acked", message="Timeout waiting", ago=3 * H),
        "a-old": failed("Fakturaer", "a-old", message="timeout", ago=dt.timedelta(days=5)),
        "b-timeout": failed(
            "Post", "b-timeout", message="TIMEOUT in SAP", created_by="Robot B", ago=1.5 * H
        ),
        "b-undated": failed(
            "Post", "b-undated", message="timeout", created_date=NOW - 4 * H, end_date=None
        ),
        "c-done": make_element("Fakturaer", status=QueueStatus.DONE, reference="c-done"),
        "c-new": make_element("Post", reference="c-new", message="timeout"),
    }


@oo_db
def test_it_filters_by_queue_text_window_and_creator(as_viewer, operator_user):
    rows = monday_inbox()
    acknowledge_elements(user=operator_user, ids=[rows["a-acked"].pk])
    everything = as_viewer.get(URL)
    assert listed(everything) == ["a-timeout", "b-timeout", "a-other", "a-old", "b-undated"]
    assert str(everything.context["count"]) == "5"
    # The text is a case-insensitive substring of the message; queue is an exact name.
    timeouts = as_viewer.get(URL, {"text": "timeout", "queue": "Fakturaer"})
    assert listed(timeouts) == ["a-timeout", "a-old"]
    assert as_viewer.get(URL, {"queue": "fakturaer"}).context["table"].page.object_list == []
    both = as_viewer.get(URL, {"queue": ["Fakturaer", "Post"], "text": "TIMEOUT"})
    assert listed(both) == ["a-timeout", "b-timeout", "a-old", "b-undated"]
    # since/until are the failure time (end date; created date when there is none).
    window = as_viewer.get(
        URL, {"since": "2026-11-25T06:00:00", "until": "2026-11-25T09:30:15", "text": "timeout"}
    )
    assert listed(window) == ["a-timeout", "b-timeout", "b-undated"]
    assert listed(as_viewer.get(URL, {"created_by": "Robot B"})) == ["b-timeout"]
    # The form shows what it searched.
    page = window.content.decode()
    assert 'name="since" value="2026-11-25T06:00:00"' in page and 'value="timeout"' in page


@oo_db
def test_acknowledged_ones_are_shown_on_request_and_can_be_undone(as_operator, operator_user):
    rows = monday_inbox()
    acknowledge_elements(user=operator_user, ids=[rows["a-acked"].pk], comment="known")
    response = as_operator.get(URL, {"acknowledged": "1"})
    assert listed(response) == ["a-acked"] and str(response.context["count"]) == "1"
    page = response.content.decode()
    assert "Undo acknowledgement of selected" in page and "known" in page
    assert listed(as_operator.get(URL, {"acknowledged": "0"}))[0] == "a-timeout"
    undone = as_operator.post(
        reverse("queues:unacknowledge"),
        {"ids": [rows["a-acked"].pk], "next": f"{URL}?acknowledged=1"},
        follow=True,
    )
    assert "Acknowledgement undone for 1 of 1." in messages_of(undone)
    assert undone.redirect_chain[-1][0] == f"{URL}?acknowledged=1"
    assert not Acknowledgement.objects.exists()
    entry = last_audit("queues.unacknowledge")
    assert entry.count == 1 and str(rows["a-acked"].pk) in entry.target_ids
    assert "a-acked" in listed(as_operator.get(URL))


@oo_db
def test_the_element_page_offers_undo_and_never_says_selected(as_operator, operator_user):
    element = failed("Fakturaer", "one")
    page = as_operator.get(reverse("queues:element", args=[element.pk])).content.decode()
    assert "selected" not in page.lower()
    assert "Retry this element…" in page and "Acknowledge this element…" in page
    assert "Delete this element…" in page
    acknowledge_elements(user=operator_user, ids=[element.pk])
    page = as_operator.get(reverse("queues:element", args=[element.pk])).content.decode()
    assert "Undo acknowledgement" in page and "Acknowledge this element" not in page


@oo_db
def test_the_count_subtracts_only_acknowledgements_that_still_cover_a_match(
    as_viewer, operator_user
):
    """Acknowledgements live in another database: the count is SQL's minus those that cover a
    matching failure. One acknowledged element is outside the filter, one failed again since."""
    rows = monday_inbox()
    again = failed("Fakturaer", "again", message="timeout", ago=H / 2)
    acknowledge_elements(
        user=operator_user, ids=[rows["a-acked"].pk, rows["b-timeout"].pk, again.pk]
    )
    QueueElement.objects.filter(pk=again.pk).update(end_date=NOW + H)  # it failed again later
    for params, expected in [
        ({}, 5),
        ({"text": "timeout"}, 4),  # a-timeout, a-old, b-undated, again
        ({"queue": "Fakturaer"}, 4),
        ({"queue": "Fakturaer", "text": "timeout"}, 3),
        ({"since": "2026-11-25T08:00:00"}, 3),
        ({"acknowledged": "1"}, 2),
        ({"acknowledged": "1", "queue": "Post"}, 1),
    ]:
        response = as_viewer.get(URL, params)
        assert str(response.context["count"]) == str(expected), params
        assert len(listed(response)) == expected, params


@oo_tx
def test_the_count_is_exact_up_to_the_cap(as_viewer, operator_user, settings, recommended_indexes):
    settings.CONSOLE_COUNT_CAP = 100
    elements = [failed("Q", f"r{i}", ago=dt.timedelta(minutes=i + 1)) for i in range(103)]
    assert str(as_viewer.get(URL).context["count"]) == "100+"
    # Four acknowledged: 99 left, exact again, although SQL matches 103.
    acknowledge_elements(user=operator_user, ids=[e.pk for e in elements[:4]])
    response = as_viewer.get(URL)
    assert str(response.context["count"]) == "99"
    assert "<strong data-inbox-count>99</strong> unacknowledged failures match" in (
        response.content.decode()
    )


@oo_db
def test_without_the_status_index_the_count_goes_as_far_as_the_pages(
    as_viewer, as_operator, operator_user
):
    """As on a queue's page: a count would read the table again after the page's rows did. The
    last page is exact, and a bulk action's confirmation still counts every match."""
    elements = [failed("Q", f"r{i}", ago=dt.timedelta(minutes=i + 1)) for i in range(53)]
    response = as_viewer.get(URL)
    assert str(response.context["count"]) == "50+"
    assert "<strong data-inbox-count>50+</strong> unacknowledged failures match" in (
        response.content.decode()
    )
    assert str(as_viewer.get(URL, {"page": 2}).context["count"]) == "53"
    acknowledge_elements(user=operator_user, ids=[e.pk for e in elements[:4]])
    assert str(as_viewer.get(URL).context["count"]) == "49"  # one page holds them all
    preview = as_operator.get(ALL, {"action": "retry"})
    assert str(preview.context["matching"]) == "49"


@oo_db
def test_all_matching_from_the_inbox_goes_through_the_confirmation(as_operator, operator_user):
    rows = monday_inbox()
    acknowledge_elements(user=operator_user, ids=[rows["a-acked"].pk])
    inbox = as_operator.get(URL, {"text": "timeout"}).content.decode()
    # The bar at the top submits the filter form to the confirmation page.
    bar = inbox.index("Retry all matching…")
    assert bar < inbox.index("<table")
    assert f'formaction="{ALL}"' in inbox and 'form="inbox-filter"' in inbox
    preview = as_operator.get(ALL, {"text": "timeout", "action": "retry"})
    assert str(preview.context["matching"]) == "4"
    assert preview.context["left_alone"] == 1  # a-acked matches too, and is left alone
    assert sorted(e.reference for e in preview.context["sample"]) == sorted(
        ["a-timeout", "b-timeout", "a-old", "b-undated"]
    )
    page = unescape(preview.content.decode())
    assert "<strong>1</strong> acknowledged failure also matches: left alone" in page
    assert "Apply to all 4 matching" in page
    assert status_of(rows["a-timeout"]) == QueueStatus.FAILED  # a preview changes nothing


@oo_db
def test_retry_all_matching_in_batches_with_one_audit_row_and_skips(
    as_operator, operator_user, settings
):
    settings.CONSOLE_BULK_BATCH_SIZE = 2
    rows = monday_inbox()
    acknowledge_elements(user=operator_user, ids=[rows["a-acked"].pk])
    query = "?text=timeout&since=2026-11-24T00%3A00%3A00"

    undated = rows["b-undated"].pk

    def robot_takes_one(execute, sql, params, many, context):
        # After its batch was read and before it is retried, someone else retries b-undated.
        mine = sql.startswith("UPDATE") and any(
            str(p) in (undated.hex, str(undated)) for p in params
        )
        if mine and not robot_takes_one.done:
            robot_takes_one.done = True
            QueueElement.objects.filter(pk=undated).update(status=QueueStatus.NEW)
        return execute(sql, params, many, context)

    robot_takes_one.done = False
    with (
        CaptureQueriesContext(connections["orchestrator"]) as queries,
        connections["orchestrator"].execute_wrapper(robot_takes_one),
    ):
        response = as_operator.post(ALL + query, {"action": "retry"}, follow=True)
    updates = [q for q in queries.captured_queries if '"status" IN' in q["sql"]]
    assert len(updates) == 2  # 3 elements to retry, 2 per batch
    assert {r: status_of(e) for r, e in rows.items()} == {
        "a-timeout": QueueStatus.NEW,
        "a-other": QueueStatus.FAILED,
        "a-acked": QueueStatus.FAILED,  # acknowledged: left alone
        "a-old": QueueStatus.FAILED,  # outside the window
        "b-timeout": QueueStatus.NEW,
        "b-undated": QueueStatus.NEW,
        "c-done": QueueStatus.DONE,
        "c-new": QueueStatus.NEW,
    }
    assert "Retried 2 of 3; 1 was no longer failed or abandoned." in messages_of(response)
    assert response.redirect_chain[-1][0] == URL + query
    entries = AuditEntry.objects.filter(action__startswith="queues.").order_by("id")
    assert [e.action for e in entries] == ["queues.acknowledge", "queues.retry_all"]
    entry = entries.get(action="queues.retry_all")
    assert entry.count == 2 and "asked 3, changed 2" in entry.detail
    assert "status=FAILED; text=timeout; since=2026-11-24 00:00:00" in entry.filter_used
    assert "not acknowledged" in entry.filter_used


@oo_db
def test_acknowledge_and_delete_all_matching(as_operator):
    rows = monday_inbox()
    response = as_operator.post(
        ALL + "?queue=Post", {"action": "acknowledge", "comment": "SAP down"}, follow=True
    )
    assert "Acknowledged 2 of 2." in messages_of(response)
    assert set(Acknowledgement.objects.values_list("element_id", flat=True)) == {
        rows["b-timeout"].pk,
        rows["b-undated"].pk,
    }
    assert last_audit("queues.acknowledge_all").filter_used == (
        "status=FAILED; queue=Post; not acknowledged"
    )
    response = as_operator.post(ALL + "?queue=Fakturaer&text=KeyError", {"action": "delete"})
    assert not QueueElement.objects.filter(pk=rows["a-other"].pk).exists()
    assert QueueElement.objects.filter(queue_name="Fakturaer").count() == 4


@oo_db
def test_above_the_threshold_failed_inbox_must_be_typed(as_operator, settings):
    settings.CONSOLE_BULK_CONFIRM_THRESHOLD = 2
    for i in range(3):
        failed("Q", f"r{i}")
    response = as_operator.post(ALL, {"action": "retry", "typed": "Q"})
    assert response.status_code == 200 and "typed" in response.context["form"].errors
    assert "type “failed inbox” to confirm" in response.content.decode()
    assert QueueElement.objects.filter(status=QueueStatus.FAILED).count() == 3
    as_operator.post(ALL, {"action": "retry", "typed": "failed inbox"})
    assert QueueElement.objects.filter(status=QueueStatus.FAILED).count() == 0


@oo_db
def test_a_viewer_sees_no_action_bar_and_cannot_act(as_viewer):
    failed("Q", "r")
    assert "Retry all matching" not in as_viewer.get(URL).content.decode()
    assert as_viewer.post(ALL, {"action": "retry"}).status_code == 403
    assert status_of(QueueElement.objects.get()) == QueueStatus.FAILED


@oo_db
def test_bad_filters_show_the_error_and_no_rows(as_viewer):
    failed("Q", "visible")
    for params in (
        {"since": "yesterday"},
        {"since": "2026-11-25T10:00", "until": "2026-11-24T10:00"},
        {"text": "x" * 201},
        {"queue": "q" * 101},
    ):
        response = as_viewer.get(URL, params)
        assert response.status_code == 200, params
        assert listed(response) == [] and response.context["count"] is None, params
        assert response.context["filter"].form.errors, params


@oo_db
def test_the_dashboard_links_to_the_inbox_with_its_window_and_the_numbers_agree(
    as_viewer, operator_user
):
    rows = monday_inbox()
    acknowledge_elements(user=operator_user, ids=[rows["a-acked"].pk])
    # At the window's edge: failed within the second the window starts (NOW has microseconds).
    failed("Q", "edge", end_date=NOW - dt.timedelta(hours=48, microseconds=100_000))
    failed("Q", "outside", end_date=NOW - dt.timedelta(hours=48, seconds=1))
    home = as_viewer.get("/").content.decode()
    panel_total = int(re.search(r'data-live-summary="Failed queue elements: (\d+)\.', home)[1])
    link = unescape(re.search(r'href="([^"]+)" data-failed-inbox', home)[1])
    assert link == f"{URL}?since=2026-11-23T10%3A30%3A15"
    inbox = as_viewer.get(link)
    assert str(inbox.context["count"]) == str(panel_total) == "5"
    assert "edge" in listed(inbox) and "outside" not in listed(inbox)
    assert "a-old" not in listed(inbox)


@oo_db
def test_each_queue_of_the_dashboard_panel_links_to_its_own_inbox_count(as_viewer):
    monday_inbox()
    failed("Kø & co/1", "odd name")
    home = as_viewer.get("/").content.decode()
    per_queue = re.findall(
        r'<a href="[^"]*">([^<]+)</a>: <a href="([^"]+)" title="[^"]*" data-inbox-queue>(\d+)</a>',
        home,
    )
    assert {unescape(name): int(n) for name, _, n in per_queue} == {
        "Fakturaer": 3,
        "Post": 2,
        "Kø & co/1": 1,
    }
    for name, href, n in per_queue:
        inbox = as_viewer.get(unescape(href))
        assert inbox.context["filter"].form.cleaned_data["queue"] == [unescape(name)]
        assert str(inbox.context["count"]) == n


@oo_db
def test_a_new_failing_queue_can_be_chosen_before_the_overview_recounts(as_viewer, settings):
    """The queue choices come from the overview's counts, which may be older than a robot's first
    failure in a new queue: the queues of the failures shown are offered too."""
    settings.CONSOLE_OVERVIEW_CACHE_SECONDS = 600
    make_element("Old queue", status=QueueStatus.FAILED)
    as_viewer.get(URL)  # the overview's counts are taken now, without "New queue"
    make_element("New queue", status=QueueStatus.FAILED)
    choices = dict(as_viewer.get(URL).context["filter"].form.fields["queue"].choices)
    assert "Old queue" in choices and "New queue" in choices
    narrowed = as_viewer.get(URL, {"queue": "New queue"})
    assert [row.record.queue_name for row in narrowed.context["table"].page.object_list] == [
        "New queue"
    ]
