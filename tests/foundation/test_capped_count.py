"""capped_count counts what the queryset holds, up to the cap, whatever its shape."""

from __future__ import annotations

import pytest
from django.db import connections
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from orchestrator_site.paging import capped_count
from queues.models import QueueElement, QueueStatus
from tests.helpers import make_element

pytestmark = pytest.mark.django_db(databases=["default", "orchestrator"])


@pytest.fixture
def elements():
    for i in range(7):
        make_element("Queue A", status=QueueStatus.FAILED if i % 2 else QueueStatus.NEW)
    for _ in range(3):
        make_element("Queue B", status=QueueStatus.DONE)


def test_a_filter_is_counted_exactly_below_the_cap(elements):
    count = capped_count(QueueElement.objects.filter(queue_name="Queue A"), cap=100)
    assert (count.value, count.capped, str(count)) == (7, False, "7")
    failed = QueueElement.objects.filter(queue_name="Queue A", status=QueueStatus.FAILED)
    assert capped_count(failed, cap=100).value == 3


def test_past_the_cap_it_says_so(elements):
    count = capped_count(QueueElement.objects.all(), cap=5)
    assert (count.value, count.capped, str(count)) == (5, True, "5+")
    assert str(capped_count(QueueElement.objects.all(), cap=10)) == "10"


def test_the_count_reads_no_primary_key(elements):
    """OpenOrchestrator's ids are in none of the indexes that serve a filter: counting a constant
    lets the database answer from the index alone."""
    with CaptureQueriesContext(connections["orchestrator"]) as queries:
        capped_count(QueueElement.objects.filter(queue_name="Queue A"), cap=100)
    (query,) = queries.captured_queries
    assert "LIMIT 101" in query["sql"] and '"id"' not in query["sql"]


def test_distinct_and_grouped_querysets_keep_their_meaning(elements):
    queues = QueueElement.objects.values("queue_name").distinct()
    assert capped_count(queues, cap=100).value == 2
    grouped = QueueElement.objects.values("queue_name").annotate(n=Count("id"))
    assert capped_count(grouped, cap=100).value == 2
