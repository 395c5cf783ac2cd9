"""CSV downloads: streamed in batches, every row intact, formulas defused."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from orchestrator_site.csvstream import (
    BATCH_ROWS,
    EXCEL,
    csv_response,
    csv_safe,
    export_filename,
)

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


TRICKY = 'Kø; "citat"\nanden linje, æøå ÆØÅ'


def test_the_excel_dialect_is_what_danish_excel_opens_with_columns_and_letters_intact():
    response = csv_response(
        ["reference", "data"], [["r;1", TRICKY], ["r2", None]], "x.csv", dialect=EXCEL
    )
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark: Excel reads æøå as UTF-8
    assert raw.startswith("\ufeffreference;data\r\n".encode())
    text = raw.decode("utf-8-sig")
    # Every record ends with CRLF; the line break inside a value stays as it was.
    assert text.endswith("\r\n") and text.count("\r\n") == 3
    parsed = list(csv.reader(io.StringIO(text, newline=""), dialect="excel", delimiter=";"))
    assert parsed == [["reference", "data"], ["r;1", TRICKY], ["r2", ""]]


def test_standard_csv_has_no_byte_order_mark_and_commas():
    response = csv_response(["a", "b"], [["x;y", TRICKY]], "x.csv")
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"a,b\r\n")
    parsed = list(csv.reader(io.StringIO(raw.decode(), newline="")))
    assert parsed == [["a", "b"], ["x;y", TRICKY]]


@pytest.mark.parametrize(
    "kind, name, expected",
    [
        ("queue", "Faktura ind", "queue-Faktura_ind-20261128-155100.csv"),
        ("logs", 'Proc/A: "x"\n', "logs-Proc_A___x__-20261128-155100.csv"),
        ("queue", "", "queue-_-20261128-155100.csv"),
        ("queue", "q" * 100, f"queue-{'q' * 60}-20261128-155100.csv"),
    ],
)
def test_export_file_names_follow_one_pattern(kind, name, expected):
    assert export_filename(kind, name, dt.datetime(2026, 11, 28, 15, 51)) == expected


def test_a_danish_file_name_reaches_the_browser_intact():
    name = export_filename("queue", "Kø", dt.datetime(2026, 11, 28, 15, 51))
    response = csv_response(["a"], [], name)
    # RFC 6266: browsers decode filename* (a plain filename="" header would be read as Latin-1).
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''queue-K%C3%B8-20261128-155100.csv"
    )
