"""How a queue's list counts its matches: exactly where an index can answer, else as far as the
pages go (a second read of the queue's rows for a number would cost more than the page)."""

from __future__ import annotations

from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from queues.models import QueueStatus
from tests.helpers import make_element, oo_db, oo_tx

URL = reverse("queues:elements", args=["Queue A"])


def fill(failed: int = 60, new: int = 5) -> None:
    for i in range(failed):
        make_element("Queue A", status=QueueStatus.FAILED, reference=f"f{i}")
    for i in range(new):
        make_element("Queue A", reference=f"n{i}")


def counts(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]


@oo_db
def test_the_whole_queue_is_counted_exactly_from_openorchestrators_own_index(as_viewer):
    fill()
    response = as_viewer.get(URL)
    assert str(response.context["count"]) == "65"


@oo_db
def test_a_status_filter_without_the_recommended_index_counts_as_far_as_the_pages(as_viewer):
    fill()
    with CaptureQueriesContext(connections["orchestrator"]) as captured:
        response = as_viewer.get(URL, {"status": "FAILED"})
    assert str(response.context["count"]) == "50+"
    assert "Counted as far as the pages go" in response.content.decode()
    assert counts(captured) == []
    last = as_viewer.get(URL, {"status": "FAILED", "page": 2})
    assert str(last.context["count"]) == "60"  # the last page holds the rest


@oo_db
def test_a_page_that_holds_every_match_needs_no_count(as_viewer):
    fill(failed=7)
    with CaptureQueriesContext(connections["orchestrator"]) as captured:
        response = as_viewer.get(URL, {"status": "FAILED", "reference": "f3"})
    assert str(response.context["count"]) == "1" and counts(captured) == []


@oo_tx
def test_with_the_recommended_index_a_status_filter_is_counted_exactly(
    as_viewer, recommended_indexes
):
    fill()
    response = as_viewer.get(URL, {"status": "FAILED"})
    assert str(response.context["count"]) == "60"
    assert "Counted as far as the pages go" not in response.content.decode()
