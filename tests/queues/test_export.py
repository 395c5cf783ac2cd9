"""CSV export of the filtered elements: streamed, capped, formula-safe, audited."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.urls import reverse

from queues.models import QueueStatus
from tests.helpers import NOW, make_element, oo_db
from tests.queues.util import last_audit

URL = reverse("queues:export", args=["Queue A"])


def read(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


@oo_db
def test_it_streams_the_filtered_elements(as_viewer):
    make_element(status=QueueStatus.FAILED, reference="f1", data='{"a": "æ"}', message="boom")
    make_element(status=QueueStatus.DONE, reference="d1")
    make_element("Queue B", status=QueueStatus.FAILED, reference="other")
    response = as_viewer.get(URL, {"status": "FAILED"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="queue-Queue_A-20261125-103015.csv"' in response["Content-Disposition"]
    rows = read(response)
    assert rows[0][:5] == ["id", "queue_name", "status", "reference", "data"]
    assert [r[3] for r in rows[1:]] == ["f1"]
    assert rows[1][4] == '{"a": "æ"}' and rows[1][8] == "boom"
    assert rows[1][5] == (NOW - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    entry = last_audit("queues.export")
    assert entry.target_ids == "Queue A"
    assert "status=FAILED" in entry.filter_used


@oo_db
def test_it_stops_at_the_configured_row_limit(as_viewer, settings):
    settings.CONSOLE_CSV_MAX_ROWS = 3
    for i in range(5):
        make_element(reference=f"r{i}")
    assert len(read(as_viewer.get(URL))) == 1 + 3


@oo_db
def test_formulas_are_neutralised(as_viewer):
    make_element(reference='=HYPERLINK("http://x")', data="+1+1", message="@SUM(A1)")
    row = read(as_viewer.get(URL))[1]
    assert row[3].startswith("'=") and row[4] == "'+1+1" and row[8] == "'@SUM(A1)"


@oo_db
def test_a_bad_filter_goes_back_to_the_list_with_the_error(as_viewer):
    response = as_viewer.get(URL, {"status": "BOGUS"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("queues:elements", args=["Queue A"]))
