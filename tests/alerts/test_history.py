"""The history of sent alerts: what, to whom or where, when, and how it went."""

from __future__ import annotations

import datetime as dt

from alerts.models import Channel, Delivery, DeliveryStatus, Event
from tests.alerts.conftest import make_rule
from tests.helpers import NOW, oo_db

HISTORY = "/alerts/history/"


def delivery(rule, title: str, **fields) -> Delivery:
    values = {
        "rule": rule,
        "rule_name": rule.name,
        "subject": "Queue “Kø”",
        "event": Event.FIRING,
        "channel": Channel.EMAIL,
        "destination": "ops@example.com",
        "title": title,
        "created_at": NOW,
        **fields,
    }
    return Delivery.objects.create(**values)


@oo_db
def test_it_lists_what_was_sent_where_when_and_how_it_went(as_viewer):
    rule = make_rule(name="Invoices", email_to="ops@example.com")
    delivery(
        rule,
        "Queue “Kø”: 3 failed elements in the last 15 min",
        status=DeliveryStatus.OK,
        attempts=1,
        last_attempt_at=NOW,
        delivered_at=NOW,
    )
    delivery(
        rule,
        "Resolved: Queue “Kø”",
        event=Event.RESOLVED,
        channel=Channel.WEBHOOK,
        destination="https://hooks.example",
        status=DeliveryStatus.RETRYING,
        attempts=2,
        last_attempt_at=NOW,
        next_attempt_at=NOW + dt.timedelta(minutes=2),
        error="HTTP 500 Internal Server Error: <script>x</script>",
        created_at=NOW + dt.timedelta(seconds=1),
    )
    body = as_viewer.get(HISTORY).content.decode()
    assert body.index("Resolved: Queue “Kø”") < body.index("3 failed elements")  # newest first
    assert "ops@example.com" in body and "https://hooks.example" in body
    assert "Delivered" in body and "Failed, will retry at 25-11-2026 10:32:15" in body
    assert "HTTP 500 Internal Server Error: &lt;script&gt;x&lt;/script&gt;" in body
    assert "<script>x" not in body
    assert "25-11-2026 10:30:15" in body


@oo_db
def test_it_filters_by_rule_and_outcome(as_viewer):
    first = make_rule(name="First", email_to="a@example.com")
    second = make_rule(name="Second", email_to="a@example.com")
    delivery(first, "about first", status=DeliveryStatus.OK)
    delivery(second, "about second", status=DeliveryStatus.FAILED, error="refused")
    by_rule = as_viewer.get(HISTORY, {"rule": first.pk}).content.decode()
    failed = as_viewer.get(HISTORY, {"status": "failed"}).content.decode()
    assert "about first" in by_rule and "about second" not in by_rule
    assert "about second" in failed and "about first" not in failed


@oo_db
def test_a_bad_filter_shows_its_error_and_no_rows(as_viewer):
    rule = make_rule(name="First", email_to="a@example.com")
    delivery(rule, "about first")
    for query in ({"rule": "999"}, {"rule": "x"}, {"status": "lost"}, {"sort": "error"}):
        body = as_viewer.get(HISTORY, query).content.decode()
        assert "errorlist" in body and "about first" not in body, query


@oo_db
def test_the_history_needs_a_bounded_number_of_queries(as_viewer, django_assert_max_num_queries):
    rule = make_rule(name="First", email_to="a@example.com")
    for i in range(60):
        delivery(rule, f"n{i}")
    as_viewer.get(HISTORY)
    with django_assert_max_num_queries(8):
        assert as_viewer.get(HISTORY, {"per_page": "50"}).status_code == 200
