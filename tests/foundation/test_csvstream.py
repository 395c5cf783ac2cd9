"""CSV downloads: streamed in batches, every row intact, formulas defused."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from orchestrator_site.csvstream import BATCH_ROWS, csv_response, csv_safe

pytestmark = pytest.mark.no_orchestrator_db


def test_rows_arrive_in_batches_and_read_back_intact():
    rows = ([i, f'line {i}\nsecond, "quoted"', None] for i in range(BATCH_ROWS * 2 + 1))
    response = csv_response(["n", "text", "empty"], rows, "x.csv")
    chunks = list(response.streaming_content)
    assert len(chunks) == 3  # two full batches, then the last row
    parsed = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert parsed[0] == ["n", "text", "empty"]
    assert parsed[1:] == [
        [str(i), f'line {i}\nsecond, "quoted"', ""] for i in range(BATCH_ROWS * 2 + 1)
    ]
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'


def test_it_defuses_spreadsheet_formulas_and_keeps_microseconds():
    assert csv_safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [csv_safe(v) for v in ("+1", "-1", "@SUM(A1)", "\tx", "plain")] == [
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "plain",
    ]
    assert csv_safe(dt.datetime(2026, 1, 2, 3, 4, 5, 6)) == "2026-01-02 03:04:05.000006"
