"""Failed elements by cause: signatures kept in the console's database, the groups page, the
narrowing function the inbox calls for its `group` parameter."""

from __future__ import annotations

import datetime as dt

from django.core.cache import caches
from django.db import connections
from django.urls import reverse

from orchestrator_site import groupstore
from orchestrator_site.signatures import signature
from orchestrator_site.snapshots import SHARED_CACHE
from queues import filters, groups
from queues.models import Acknowledgement, ElementSignature, QueueElement, QueueStatus
from queues.services import acknowledge_elements
from tests.helpers import NOW, make_element, oo_db
from tests.queues.util import last_audit, messages_of, status_of

URL = reverse("queues:failed_groups")
TIMEOUT = "TimeoutError: The page did not load within 30 seconds."
KEYERROR = (
    "An uncaught error ocurred during the process:\nKeyError: 'beløb'\nTraceback (most recent "
    "call last):\n  File \"main.py\", line 88, in process\n    amount = row['beløb']\nKeyError: 'beløb'"
)


def failed(queue: str = "Queue A", message: str = TIMEOUT, hours: float = 1, **fields):
    return make_element(
        queue,
        status=QueueStatus.FAILED,
        message=message,
        end_date=NOW - dt.timedelta(hours=hours),
        **fields,
    )


def shown(response) -> list[tuple[str, int]]:
    return [(item.group.text, item.group.count) for item in response.context["groups"]]


@oo_db
def test_fill_signs_new_failures_once_and_again_is_a_no_op():
    one, two = failed(hours=2), failed(message="Sag KVI-00284 fejlede", hours=1)
    make_element(status=QueueStatus.DONE, end_date=NOW)
    assert groupstore.fill(groups.SOURCE, NOW) == 2
    stored = {s.element_id: s for s in ElementSignature.objects.all()}
    assert stored[one.pk].key == signature(TIMEOUT).key
    assert stored[two.pk].signature == "Sag <ref> fejlede"
    assert stored[one.pk].failed_at == one.end_date
    assert groupstore.fill(groups.SOURCE, NOW) == 0  # nothing new: no message read, no write
    three = failed(hours=0.5)
    assert groupstore.fill(groups.SOURCE, NOW) == 1
    assert ElementSignature.objects.filter(element_id=three.pk).exists()


@oo_db
def test_fill_is_bounded_per_pass_and_catches_up():
    for k in range(5):
        failed(hours=3 - k * 0.1)
    assert groupstore.fill(groups.SOURCE, NOW, limit=2) == 2
    assert groupstore.fill(groups.SOURCE, NOW, limit=2) == 2
    assert groupstore.fill(groups.SOURCE, NOW, limit=2) == 1
    assert ElementSignature.objects.count() == 5


@oo_db
def test_the_page_groups_failures_by_cause_most_first(as_viewer):
    for k in range(3):
        failed("Queue A", TIMEOUT.replace("30", str(30 + k)), hours=k + 1)
    failed("Queue B", KEYERROR, hours=2)
    failed("Queue B", "KeyError: 'navn'", hours=3)
    failed("Queue B", TIMEOUT, hours=4)
    make_element("Queue A", status=QueueStatus.DONE, message=TIMEOUT, end_date=NOW)
    response = as_viewer.get(URL)
    assert response.status_code == 200
    assert shown(response) == [
        ("TimeoutError: The page did not load within <n> seconds.", 4),
        ("KeyError: '<value>'", 2),
    ]
    timeout = response.context["groups"][0]
    assert timeout.scopes[0][:2] == ("Queue A", 3) and timeout.scopes[1][:2] == ("Queue B", 1)
    assert timeout.group.first == NOW - dt.timedelta(hours=4)
    assert timeout.group.last == NOW - dt.timedelta(hours=1)
    assert sum(timeout.group.trend) == 4
    page = response.content.decode()
    assert "<svg" in page and 'role="img"' in page
    assert "Why grouped: OpenOrchestrator&#x27;s generic first line dropped" in page


@oo_db
def test_filters_by_queue_and_window(as_viewer):
    failed("Queue A", hours=1)
    failed("Queue B", hours=1)
    failed("Queue B", hours=50)
    failed("Queue C", hours=24 * 10)
    response = as_viewer.get(URL, {"queue": ["Queue B", "Queue C"]})
    assert shown(response) == [("TimeoutError: The page did not load within <n> seconds.", 2)]
    since = (NOW - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S")
    response = as_viewer.get(URL, {"since": since})
    assert shown(response)[0][1] == 2
    response = as_viewer.get(URL, {"since": (NOW - dt.timedelta(days=20)).isoformat()})
    assert shown(response)[0][1] == 4


@oo_db
def test_bad_input_shows_errors_not_a_500(as_viewer):
    failed()
    for query in (
        {"since": "yesterday"},
        {"since": "2026-11-25T10:00", "until": "2026-11-20T10:00"},
        {"since": "2001-01-01T00:00"},
        {"queue": "x" * 101},
    ):
        response = as_viewer.get(URL, query)
        assert response.status_code == 200
        assert response.context["form"].errors and response.context["groups"] == []


@oo_db
def test_acknowledged_failures_are_not_counted(as_viewer, operator_user):
    first, _second = failed(hours=1), failed(hours=2)
    acknowledge_elements(user=operator_user, ids=[first.pk])
    assert shown(as_viewer.get(URL))[0][1] == 1


@oo_db
def test_a_retried_element_that_fails_again_moves_to_its_new_cause(as_viewer):
    element = failed(message=TIMEOUT, hours=5)
    failed(message=TIMEOUT, hours=4)
    assert shown(as_viewer.get(URL)) == [(signature(TIMEOUT).text, 2)]
    # A robot's writes are seen when the snapshot is recounted (here: at once, as if it aged).
    QueueElement.objects.filter(pk=element.pk).update(status=QueueStatus.NEW, message=None)
    caches[SHARED_CACHE].clear()
    assert shown(as_viewer.get(URL)) == [(signature(TIMEOUT).text, 1)]
    QueueElement.objects.filter(pk=element.pk).update(
        status=QueueStatus.FAILED, message=KEYERROR, end_date=NOW - dt.timedelta(minutes=5)
    )
    caches[SHARED_CACHE].clear()
    assert sorted(shown(as_viewer.get(URL))) == [
        ("KeyError: '<value>'", 1),
        (signature(TIMEOUT).text, 1),
    ]
    assert ElementSignature.objects.get(element_id=element.pk).key == signature(KEYERROR).key


@oo_db
def test_each_group_links_to_the_inbox_narrowed_to_it(as_viewer):
    timeouts = [failed(hours=1), failed(hours=2)]
    failed(message=KEYERROR, hours=1)
    response = as_viewer.get(URL, {"queue": "Queue A"})
    item = response.context["groups"][0]
    key = signature(TIMEOUT).key
    assert item.link.startswith(reverse("queues:failed") + "?group=" + key + "&since=")
    assert "queue=Queue+A" in item.link
    narrowed = groups.narrow_to_group(
        QueueElement.objects.filter(status=QueueStatus.FAILED),
        key,
        NOW - dt.timedelta(days=7),
        NOW,
    )
    assert sorted(e.pk for e in narrowed) == sorted(e.pk for e in timeouts)
    assert item.group.count == len(timeouts)


@oo_db
def test_hostile_text_is_escaped(as_viewer):
    failed("<b>Queue</b>", "<script>alert('x')</script> was in the reply.")
    page = as_viewer.get(URL).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;&lt;value&gt;&#x27;)" in page
    assert "<b>Queue</b>" not in page and "&lt;b&gt;Queue&lt;/b&gt;" in page


@oo_db
def test_the_dashboard_shows_the_top_causes_with_links(as_viewer):
    failed(hours=1)
    failed(hours=2)
    failed(message=KEYERROR, hours=3)
    response = as_viewer.get(reverse("dashboard:fragment", args=["groups"]))
    top = response.context["groups"].top
    assert [(g.text, g.count) for g, _link in top] == [
        (signature(TIMEOUT).text, 2),
        ("KeyError: '<value>'", 1),
    ]
    assert top[0][1] in response.content.decode().replace("&amp;", "&")


@oo_db
def test_it_requires_view_permission(as_outsider):
    assert as_outsider.get(URL).status_code == 403


INBOX = reverse("queues:failed")
ALL = reverse("queues:failed_bulk")


def inbox_refs(response) -> list[str | None]:
    return [row.record.reference for row in response.context["table"].page.object_list]


def a_group_world():
    """Timeouts in two queues (one acknowledged, one before the window), KeyErrors, a DONE one."""
    world = {
        "t1": failed("Queue A", reference="t1", hours=1),
        "t2": failed("Queue B", TIMEOUT.replace("30", "45"), reference="t2", hours=2),
        "t-acked": failed("Queue A", reference="t-acked", hours=3),
        "t-old": failed("Queue A", reference="t-old", hours=24 * 9),
        "k1": failed("Queue A", KEYERROR, reference="k1", hours=1),
        "k2": failed("Queue B", "KeyError: 'navn'", reference="k2", hours=5),
        "done": make_element("Queue A", status=QueueStatus.DONE, message=TIMEOUT, end_date=NOW),
    }
    return world


@oo_db
def test_the_inbox_narrowed_to_a_group_lists_and_counts_what_the_groups_page_counted(
    as_operator, operator_user
):
    world = a_group_world()
    acknowledge_elements(user=operator_user, ids=[world["t-acked"].pk])
    page = as_operator.get(URL)
    timeout = next(i for i in page.context["groups"] if i.group.key == signature(TIMEOUT).key)
    inbox = as_operator.get(timeout.link)
    assert inbox.status_code == 200
    assert sorted(inbox_refs(inbox)) == ["t1", "t2"]
    assert inbox.context["count"].value == timeout.group.count == 2
    assert (
        "One cause only: <code>TimeoutError: The page did not load within &lt;n&gt; seconds.</code>"
        in (inbox.content.decode())
    )
    # The same group over 30 days reaches the older one; other causes never.
    wide = as_operator.get(INBOX, {"group": signature(TIMEOUT).key})
    assert sorted(inbox_refs(wide)) == ["t-old", "t1", "t2"]


@oo_db
def test_retry_all_matching_of_a_group_retries_exactly_it_and_audits_its_signature(
    as_operator, operator_user
):
    world = a_group_world()
    acknowledge_elements(user=operator_user, ids=[world["t-acked"].pk])
    key = signature(TIMEOUT).key
    since = (NOW - dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S")
    query = f"?group={key}&since={since}"
    preview = as_operator.get(ALL + query + "&action=retry")
    assert preview.context["matching"].value == 2
    response = as_operator.post(ALL + query, {"action": "retry"}, follow=True)
    assert "Retried 2 of 2" in " ".join(messages_of(response))
    statuses = {name: status_of(e) for name, e in world.items()}
    assert statuses == {
        "t1": QueueStatus.NEW,
        "t2": QueueStatus.NEW,
        "t-acked": QueueStatus.FAILED,
        "t-old": QueueStatus.FAILED,
        "k1": QueueStatus.FAILED,
        "k2": QueueStatus.FAILED,
        "done": QueueStatus.DONE,
    }
    entry = last_audit("queues.retry_all")
    assert f"group={key} “TimeoutError: The page did not load within <n> seconds.”" in (
        entry.filter_used
    )


@oo_db
def test_a_group_bigger_than_one_statement_is_acted_on_in_batches(
    as_operator, monkeypatch, settings
):
    monkeypatch.setattr(filters, "GROUP_SQL_MAX", 2)
    settings.CONSOLE_BULK_BATCH_SIZE = 2
    timeouts = [failed("Queue A", reference=f"t{k:02}", hours=1 + k / 10) for k in range(15)]
    others = [failed("Queue A", KEYERROR, reference=f"k{k}", hours=1 + k / 10) for k in range(4)]
    query = f"?group={signature(TIMEOUT).key}"
    inbox = as_operator.get(INBOX + query)
    assert inbox_refs(inbox) == [f"t{k:02}" for k in range(15)]  # newest failure first
    assert inbox.context["count"].value == 15
    bound: list[int] = []  # parameters of each statement on OpenOrchestrator's database

    def count_params(execute, sql, params, many, context):
        bound.append(len(params or ()))
        return execute(sql, params, many, context)

    with connections["orchestrator"].execute_wrapper(count_params):
        as_operator.post(ALL + query, {"action": "acknowledge", "comment": "portal down"})
    assert bound and max(bound) <= 2 + 10  # a batch of ids, never the whole group
    acknowledged = set(Acknowledgement.objects.values_list("element_id", flat=True))
    assert acknowledged == {e.pk for e in timeouts}
    assert not acknowledged & {e.pk for e in others}


@oo_db
def test_a_bad_group_key_is_a_form_error_with_no_rows(as_operator):
    failed(reference="t1")
    for key in ("xyz", "3A9BF9D8002B", "0" * 13, "'; drop table", "\x00" * 12):
        response = as_operator.get(INBOX, {"group": key})
        assert response.status_code == 200
        assert response.context["filter"].form.errors["group"]
        assert inbox_refs(response) == []
    unknown = as_operator.get(INBOX, {"group": "0" * 12})
    assert unknown.status_code == 200 and inbox_refs(unknown) == []
    assert unknown.context["count"].value == 0
    assert "no failure has this cause" in unknown.content.decode()


@oo_db
def test_the_groups_pages_say_how_often_they_are_recounted(as_viewer, settings):
    """They follow CONSOLE_GROUPS_CACHE_SECONDS, not the overviews' setting."""
    settings.CONSOLE_GROUPS_CACHE_SECONDS = 60
    settings.CONSOLE_OVERVIEW_CACHE_SECONDS = 15
    for url in (reverse("queues:failed_groups"), reverse("logs:error_groups")):
        page = as_viewer.get(url).content.decode()
        assert "recounted in the background when older than 1 min" in page, url
