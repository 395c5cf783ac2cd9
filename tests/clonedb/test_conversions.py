"""The value conversions, on the values SQL Server drivers (pyodbc), psycopg and sqlite3 return."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from orchestrator_site import clone

pytestmark = pytest.mark.no_orchestrator_db

HEX = "72a03dfe457d43d7be9c9df619e54e62"


@pytest.mark.parametrize(
    "value",
    [
        "72A03DFE-457D-43D7-BE9C-9DF619E54E62",  # pyodbc's default for uniqueidentifier
        "72a03dfe-457d-43d7-be9c-9df619e54e62",
        "{72A03DFE-457D-43D7-BE9C-9DF619E54E62}",
        " 72A03DFE457D43D7BE9C9DF619E54E62 ",
        HEX,
        uuid.UUID(HEX),  # pyodbc.native_uuid = True, psycopg
        uuid.UUID(HEX).bytes_le,  # SQL Server's binary GUID layout
    ],
)
def test_uniqueidentifier_becomes_32_lowercase_hex(value):
    assert clone.to_uuid_hex(value) == HEX


def test_uuid_null_stays_null_and_garbage_is_refused():
    assert clone.to_uuid_hex(None) is None
    with pytest.raises(ValueError, match="not a UUID"):
        clone.to_uuid_hex("not-a-uuid")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, 1), (False, 0), (1, 1), (0, 0), ("1", 1), ("0", 0), ("False", 0), ("true", 1)],
)
def test_bit_becomes_integer_0_or_1(value, expected):
    result = clone.to_bool_int(value)
    assert result == expected and type(result) is int


def test_bit_refuses_null_and_nonsense():
    with pytest.raises(ValueError):
        clone.to_bool_int(None)
    with pytest.raises(ValueError):
        clone.to_bool_int("maybe")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # SQL Server DATETIME has 1/300 s precision; pyodbc returns the rounded milliseconds.
        (dt.datetime(2026, 11, 26, 18, 53, 16, 3000), "2026-11-26 18:53:16.003000"),
        (dt.datetime(2026, 11, 26, 18, 53, 16, 997000), "2026-11-26 18:53:16.997000"),
        (dt.datetime(2026, 11, 26, 18, 53, 16), "2026-11-26 18:53:16.000000"),
        (dt.datetime(2026, 1, 2, 3, 4, 5, 309659), "2026-01-02 03:04:05.309659"),
        ("2026-11-26 18:53:16.309659", "2026-11-26 18:53:16.309659"),
        ("2026-11-26T18:53:16", "2026-11-26 18:53:16.000000"),
        ("2026-11-26 18:53", "2026-11-26 18:53:00.000000"),
        (dt.date(2026, 11, 26), "2026-11-26 00:00:00.000000"),
    ],
)
def test_datetime_becomes_openorchestrators_sqlite_text(value, expected):
    assert clone.to_oo_datetime(value) == expected


def test_datetime_refuses_aware_values_and_keeps_null():
    assert clone.to_oo_datetime(None) is None
    with pytest.raises(ValueError, match="naive"):
        clone.to_oo_datetime(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValueError):
        clone.to_oo_datetime("yesterday")


@pytest.mark.parametrize(
    ("value", "names", "expected"),
    [
        ("IN_PROGRESS", clone.QUEUE_STATUSES, "IN_PROGRESS"),
        ("In Progress", clone.QUEUE_STATUSES, "IN_PROGRESS"),  # a display value
        ("failed", clone.QUEUE_STATUSES, "FAILED"),
        ("KILLING", clone.TRIGGER_STATUSES, "KILLING"),
        ("ERROR", clone.LOG_LEVELS, "ERROR"),
    ],
)
def test_enums_become_member_names(value, names, expected):
    assert clone.to_enum_name(value, names) == expected


def test_unknown_enum_value_is_refused():
    with pytest.raises(ValueError, match="none of"):
        clone.to_enum_name("Paused-ish", clone.TRIGGER_STATUSES)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("null", None),
        ("[]", "[]"),
        ('["SCHED-PC1","SCHED-PC2"]', '["SCHED-PC1", "SCHED-PC2"]'),
        ('["PC-Æ"]', '["PC-\\u00c6"]'),
        (["A"], '["A"]'),
    ],
)
def test_whitelist_becomes_json_dumps_text(value, expected):
    assert clone.to_whitelist_json(value) == expected


def test_whitelist_that_is_not_a_json_list_is_refused():
    for value in ("A,B", "", '{"a": 1}'):
        with pytest.raises(ValueError):
            clone.to_whitelist_json(value)


def test_varchar_text_is_kept_verbatim():
    assert clone.to_text("æøå  ") == "æøå  "  # trailing spaces are data
    assert clone.to_text(None) is None
    assert clone.to_text("Ærø".encode("cp1252")) == "Ærø"  # a Latin1 code page column as bytes
    assert clone.to_text("Ærø".encode()) == "Ærø"


def test_integers_accept_what_drivers_return():
    assert clone.to_int(5) == 5 and clone.to_int(Decimal("5")) == 5 and clone.to_int(5.0) == 5
    with pytest.raises(ValueError):
        clone.to_int(5.5)


def test_a_whole_sql_server_row_converts_in_named_column_order():
    spec = clone.SPECS["Triggers"]
    row = (
        "72A03DFE-457D-43D7-BE9C-9DF619E54E62",
        "Single T",
        "Proc Æ",
        None,
        "C:/robots/a/main.py",
        "",
        "IDLE",
        False,
        None,
        True,
        '["SCHED-PC1"]',
        5,
        "SINGLE",
    )
    assert clone.convert_row(spec, row) == (
        HEX,
        "Single T",
        "Proc Æ",
        None,
        "C:/robots/a/main.py",
        "",
        "IDLE",
        0,
        None,
        1,
        '["SCHED-PC1"]',
        5,
        "SINGLE",
    )


def test_a_bad_value_names_table_row_and_column():
    spec = clone.SPECS["Queues"]
    row = (HEX, "Q", "WEIRD", None, None, dt.datetime(2026, 1, 1), None, None, None, None)
    with pytest.raises(clone.CloneError, match=r"Queues row .*column status"):
        clone.convert_row(spec, row)


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (None, list(clone.TABLES)),
        (["logs"], ["Logs"]),
        (["Logs,Queues"], ["Logs", "Queues"]),
        (
            ["Single_Triggers"],
            ["Triggers", "Single_Triggers", "Scheduled_Triggers", "Queue_Triggers"],
        ),
    ],
)
def test_table_selection(requested, expected):
    assert clone.resolve_tables(requested)[0] == expected


def test_unknown_table_is_refused():
    with pytest.raises(clone.CloneError, match="Unknown table 'Robots'"):
        clone.resolve_tables(["Robots"])
