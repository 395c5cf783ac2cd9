"""CSV export of the filtered logs: streamed, capped, the cap said on the page."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.urls import reverse

from logs.models import LogLevel
from tests.helpers import NOW, make_log, oo_db


def export(client, process="Proc A", **query):
    response = client.get(reverse("logs:export", args=[process]), query)
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode()
    return response, list(csv.reader(io.StringIO(text)))


@oo_db
def test_it_streams_the_filtered_logs_newest_first(as_viewer):
    make_log(level=LogLevel.ERROR, message="line 1\nline 2, with comma", at=NOW)
    make_log(level=LogLevel.INFO, message="info", at=NOW - dt.timedelta(minutes=1))
    make_log(level=LogLevel.ERROR, message="older", at=NOW - dt.timedelta(minutes=2))
    make_log("Proc B", level=LogLevel.ERROR, message="other")
    response, rows = export(as_viewer, level="ERROR")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert rows[0][:5] == ["log_time", "log_level", "process_name", "job_id", "log_message"]
    assert [r[4] for r in rows[1:]] == ["line 1\nline 2, with comma", "older"]
    assert rows[1][0] == "2026-11-25 10:30:15.123456"


@oo_db
def test_it_stops_at_the_row_cap_and_says_so(as_viewer, settings):
    settings.CONSOLE_CSV_MAX_ROWS = 3
    for i in range(5):
        make_log(message=f"m{i}", at=NOW - dt.timedelta(seconds=i))
    _, rows = export(as_viewer)
    assert [r[4] for r in rows[1:4]] == ["m0", "m1", "m2"]
    assert rows[4][0].startswith("(truncated: only the newest 3")
    page = as_viewer.get(reverse("logs:process", args=["Proc A"])).content.decode()
    assert "at most 3 rows" in page


@oo_db
def test_formula_like_cells_are_neutralised(as_viewer):
    make_log(message='=HYPERLINK("http://evil.example")')
    _, rows = export(as_viewer)
    assert rows[1][4] == '\'=HYPERLINK("http://evil.example")'


@oo_db
def test_an_invalid_filter_goes_back_to_the_page(as_viewer):
    response = as_viewer.get(reverse("logs:export", args=["Proc A"]), {"start": "bad"})
    assert response.status_code == 302 and "start=bad" in response["Location"]


@oo_db
def test_it_keeps_non_ascii_and_requires_permission(as_viewer, as_outsider):
    make_log("Robot æøå", message="Grüße 東京")
    _, rows = export(as_viewer, process="Robot æøå")
    assert rows[1][2:5:2] == ["Robot æøå", "Grüße 東京"]
    assert as_outsider.get(reverse("logs:export", args=["Proc A"])).status_code == 403
