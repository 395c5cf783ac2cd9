"""LateRows reads a page's keys first only where that helps: where a recommended index gives the
page's order, the queue and process-log pages read their rows in one query, and on PostgreSQL
always (it keeps only a page's rows while it sorts); the rows are the same either way."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from logs.models import LogLevel
from queues.models import QueueStatus
from tests.helpers import NOW, make_element, make_log, oo_tx

KEYS_ONLY = re.compile(r'^SELECT "(Queues|Logs)"\."id"( AS "pk")? FROM', re.IGNORECASE)


def _sorts_whole_rows() -> bool:
    """SQLite sorts whole rows for an ORDER BY ... LIMIT no index serves; PostgreSQL does not."""
    return connections["orchestrator"].vendor == "sqlite"


def _reads(client, url: str, params: dict) -> tuple[list, int]:
    client.get(url, params)  # warm: the index check and the snapshots are cached
    with CaptureQueriesContext(connections["orchestrator"]) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    rows = [row.record.pk for row in response.context["table"].page.object_list]
    keys_queries = [q for q in captured.captured_queries if KEYS_ONLY.match(q["sql"])]
    return rows, len(keys_queries)


@oo_tx
@pytest.mark.parametrize(
    ("params", "keys_first"),
    [
        ({}, False),
        ({"status": "FAILED"}, False),
        ({"status": "FAILED", "created_from": "2026-11-20T00:00:00"}, False),
        ({"sort": "created_date"}, False),
        ({"status": ["FAILED", "DONE"]}, True),  # two statuses: no one index range
        ({"sort": "reference"}, True),
        ({"reference": "r1"}, True),
        ({"created_from": "2026-11-25T09:00:00", "created_to": "2026-11-25T10:30:00"}, False),
    ],
)
def test_the_queue_page(as_viewer, recommended_indexes, params, keys_first):
    for i in range(8):
        status = (QueueStatus.FAILED, QueueStatus.DONE)[i % 2]
        make_element(
            "Q", reference=f"r{i}", status=status, created_date=NOW - dt.timedelta(minutes=i)
        )
    url = reverse("queues:elements", args=["Q"])
    rows, keys = _reads(as_viewer, url, params)
    assert keys == int(keys_first and _sorts_whole_rows())
    assert rows


@oo_tx
@pytest.mark.parametrize(
    ("params", "keys_first"),
    [
        ({}, False),
        ({"level": "ERROR"}, False),
        ({"level": ["ERROR", "INFO"]}, True),
        ({"text": "x"}, True),
    ],
)
def test_the_process_logs_page(as_admin, recommended_indexes, params, keys_first):
    for i in range(8):
        level = (LogLevel.ERROR, LogLevel.INFO)[i % 2]
        make_log("P", level=level, message=f"x{i}", at=NOW - dt.timedelta(minutes=i))
    url = reverse("logs:process", args=["P"])
    rows, keys = _reads(as_admin, url, params)
    assert keys == int(keys_first and _sorts_whole_rows())
    assert rows


@oo_tx
def test_the_rows_are_the_same_either_way(as_viewer, recommended_indexes):
    """Newest first on both paths: one status through the index, two through the keys."""
    for i in range(55):
        make_element(
            "Q",
            reference=f"r{i}",
            status=QueueStatus.FAILED,
            created_date=NOW - dt.timedelta(minutes=i),
        )
    url = reverse("queues:elements", args=["Q"])
    direct, _ = _reads(as_viewer, url, {"status": "FAILED", "page": 2})
    by_keys, _ = _reads(as_viewer, url, {"status": ["FAILED", "NEW"], "page": 2})
    assert direct == by_keys and len(direct) == 5
