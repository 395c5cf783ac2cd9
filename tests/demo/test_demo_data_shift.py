"""`make run` on an existing demo database: `demo_data --if-missing` moves it to the present.

The demo is built relative to the moment it was made; opened later, its newest event must happen
"now" (the console's clock), nothing may lie in the future, and the data keeps its shape.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from demo import timeshift
from orchestrator_site import clock
from orchestrator_site.oo_schema import create_sqlite_schema
from tests.helpers import NOW

YESTERDAY = NOW - dt.timedelta(days=1)


def run_demo_data(path: Path, at: dt.datetime, monkeypatch, blocker, **options) -> str:
    monkeypatch.setattr(clock, "now", lambda: at)
    out = StringIO()
    with blocker.unblock():
        call_command("demo_data", path=path, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def times(path: Path, columns=timeshift.COLUMNS) -> dict[tuple[str, str, int], dt.datetime | None]:
    """Every value of the given datetime columns, by (table, column, rowid), as stored."""
    found = {}
    with sqlite3.connect(path) as db:
        for table, column in columns:
            for rowid, value in db.execute(f'SELECT rowid, "{column}" FROM "{table}"'):
                found[(table, column, rowid)] = dt.datetime.fromisoformat(value) if value else None
    return found


def newest(path: Path, table: str, column: str) -> dt.datetime:
    with sqlite3.connect(path) as db:
        (value,) = db.execute(f'SELECT MAX("{column}") FROM "{table}"').fetchone()
    return dt.datetime.fromisoformat(value)


@pytest.fixture
def built_yesterday(tmp_path, monkeypatch, django_db_blocker) -> Path:
    path = tmp_path / "demo.sqlite3"
    run_demo_data(path, YESTERDAY, monkeypatch, django_db_blocker)
    return path


def test_a_fresh_demo_has_nothing_in_the_future(built_yesterday):
    happened = times(built_yesterday, timeshift.HAPPENED)
    assert max(v for v in happened.values() if v) <= YESTERDAY
    assert newest(built_yesterday, "Logs", "log_time") >= YESTERDAY - dt.timedelta(minutes=15)


def test_a_demo_built_yesterday_opens_at_the_present(
    built_yesterday, monkeypatch, django_db_blocker
):
    out = run_demo_data(built_yesterday, NOW, monkeypatch, django_db_blocker, if_missing=True)
    assert "its times moved by 24 h so that its newest event happens now" in out
    happened = times(built_yesterday, timeshift.HAPPENED)
    # As built: the newest event (a Scheduler's ping) came 4 s before the demo's "now".
    assert max(v for v in happened.values() if v) == NOW - dt.timedelta(seconds=4)
    log_time = newest(built_yesterday, "Logs", "log_time")
    assert NOW - dt.timedelta(minutes=15) <= log_time <= NOW
    with sqlite3.connect(built_yesterday) as db:
        # Scheduler ages as built: two online, one stale, one offline for days.
        ages = {
            name: (NOW - dt.datetime.fromisoformat(at)).total_seconds()
            for name, at in db.execute("SELECT machine_name, last_update FROM Schedulers")
        }
    assert ages == {
        "RPA-SCHED-01": 4,
        "RPA-SCHED-02": 25,
        "RPA-SCHED-03": 190,
        "RPA-SCHED-OLD": 9 * 86400,
    }


def test_every_timestamp_moves_by_the_same_gap_to_the_microsecond(
    built_yesterday, monkeypatch, django_db_blocker
):
    before = times(built_yesterday)
    run_demo_data(built_yesterday, NOW, monkeypatch, django_db_blocker, if_missing=True)
    after = times(built_yesterday)
    assert after.keys() == before.keys()
    gaps = {after[k] - before[k] for k in before if before[k] is not None}
    assert gaps == {dt.timedelta(days=1)}
    assert {k for k, v in before.items() if v is None} == {k for k, v in after.items() if v is None}
    # Plans move too: a trigger that was due in 3 hours yesterday is due in 3 hours now.
    assert {table for table, _column, _row in before} >= {"Single_Triggers", "Scheduled_Triggers"}


def test_a_second_start_moves_it_only_by_the_time_the_demo_was_stopped(
    built_yesterday, monkeypatch, django_db_blocker
):
    run_demo_data(built_yesterday, NOW, monkeypatch, django_db_blocker, if_missing=True)
    # The demo then ran for half an hour: its live Scheduler's last ping is the newest event.
    stopped = NOW + dt.timedelta(minutes=30)
    with sqlite3.connect(built_yesterday) as db:
        db.execute(
            "UPDATE Schedulers SET last_update = ? WHERE machine_name = 'RPA-SCHED-01'",
            [stopped.strftime("%Y-%m-%d %H:%M:%S.%f")],
        )
    before = times(built_yesterday)
    restarted = NOW + dt.timedelta(hours=2)
    out = run_demo_data(built_yesterday, restarted, monkeypatch, django_db_blocker, if_missing=True)
    assert "moved by 1 h 30 min" in out
    after = times(built_yesterday)
    assert {after[k] - before[k] for k in before if before[k]} == {dt.timedelta(minutes=90)}
    assert max(v for v in times(built_yesterday, timeshift.HAPPENED).values() if v) == restarted


def test_a_current_demo_is_left_as_it_is(built_yesterday, monkeypatch, django_db_blocker):
    before = times(built_yesterday)
    out = run_demo_data(built_yesterday, YESTERDAY, monkeypatch, django_db_blocker, if_missing=True)
    assert "already exists and is current" in out
    assert times(built_yesterday) == before


def test_only_a_demo_database_is_ever_moved(tmp_path, monkeypatch, django_db_blocker):
    """A real OpenOrchestrator database (no marker) at the demo path is never touched."""
    path = tmp_path / "real.sqlite3"
    create_sqlite_schema(path)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO Logs VALUES ('0' || hex(randomblob(15)), '2020-01-01 00:00:00.000000', "
            "'INFO', 'P', NULL, 'old')"
        )
    out = run_demo_data(path, NOW, monkeypatch, django_db_blocker, if_missing=True)
    assert "is not a demo database" in out and "left as it is" in out
    assert times(path, [("Logs", "log_time")]) == {("Logs", "log_time", 1): dt.datetime(2020, 1, 1)}


def test_the_shift_covers_every_datetime_column_of_openorchestrators_schema(tmp_path):
    path = tmp_path / "schema.sqlite3"
    create_sqlite_schema(path)
    with sqlite3.connect(path) as db:
        tables = [
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        datetime_columns = {
            (table, column)
            for table in tables
            for _cid, column, kind, *_ in db.execute(f'PRAGMA table_info("{table}")')
            if kind.upper() == "DATETIME"
        }
    assert set(timeshift.COLUMNS) == datetime_columns
    assert len(timeshift.COLUMNS) == len(set(timeshift.COLUMNS))
