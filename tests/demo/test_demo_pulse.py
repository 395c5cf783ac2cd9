"""`manage.py demo_pulse`, beside waitress in `make run`: the demo's live Schedulers keep pinging,
their jobs progress and end, and the console sees them online."""

from __future__ import annotations

import datetime as dt
import random
import re
import sqlite3
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.db import connections
from OpenOrchestrator.database import db_util

from demo import builder, pulse
from orchestrator_site import clock
from orchestrator_site.oo_schema import create_sqlite_schema
from tests.helpers import NOW, make_scheduler, oo_db

BUILT = NOW - dt.timedelta(days=1)


@pytest.fixture
def demo_file(tmp_path, monkeypatch, django_db_blocker) -> Path:
    path = tmp_path / "demo.sqlite3"
    monkeypatch.setattr(clock, "now", lambda: BUILT)
    with django_db_blocker.unblock():
        call_command("demo_data", path=path, stdout=StringIO(), stderr=StringIO())
    return path


def rows(path: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(sql, params).fetchall()


def test_one_beat_pings_the_live_schedulers_as_openorchestrator_does(
    demo_file, monkeypatch, django_db_blocker
):
    beat_at = dt.datetime(2026, 11, 25, 10, 31)  # no fraction: still written with six digits
    monkeypatch.setattr(clock, "now", lambda: beat_at)
    out = StringIO()
    with django_db_blocker.unblock():
        call_command("demo_pulse", path=demo_file, once=True, stdout=out)
    assert "pinged RPA-SCHED-01, RPA-SCHED-02" in out.getvalue()
    pings = dict(rows(demo_file, "SELECT machine_name, last_update FROM Schedulers"))
    assert pings["RPA-SCHED-01"] == pings["RPA-SCHED-02"] == "2026-11-25 10:31:00.000000"
    # The silent ones keep their last ping: a stale Scheduler and a long-gone one.
    assert pings["RPA-SCHED-03"] == str(BUILT - dt.timedelta(seconds=190))
    assert pings["RPA-SCHED-OLD"] == str(BUILT - dt.timedelta(days=9))


def test_a_beat_on_a_scheduler_that_never_pinged_creates_its_row(demo_file, django_db_blocker):
    with django_db_blocker.unblock():
        alias = builder.sqlite_alias(str(demo_file), "demo_test")
        pulse.beat(alias, NOW, machines=["RPA-SCHED-NEW"])
        connections[alias].close()
    assert rows(
        demo_file, "SELECT last_update FROM Schedulers WHERE machine_name = 'RPA-SCHED-NEW'"
    ) == [("2026-11-25 10:30:15.123456",)]


def test_jobs_progress_end_and_start_while_the_demo_runs(demo_file, django_db_blocker):
    """Twenty minutes of beats, 30 s apart: no job of a live Scheduler looks stuck, and
    OpenOrchestrator's own code still reads every row the beats wrote."""
    start = BUILT + dt.timedelta(seconds=30)
    beats = [start + dt.timedelta(seconds=30 * i) for i in range(40)]
    rnd = random.Random(3)
    with django_db_blocker.unblock():
        alias = builder.sqlite_alias(str(demo_file), "demo_test")
        first = pulse.beat(alias, beats[0], rnd=rnd)
        longest_run = dt.timedelta(0)
        for at in beats[1:]:
            pulse.beat(alias, at, rnd=rnd)
            for (started,) in rows(
                demo_file,
                "SELECT start_time FROM Jobs WHERE status = 'RUNNING' AND scheduler_name IN (?, ?)",
                *builder.LIVE_SCHEDULERS,
            ):
                longest_run = max(longest_run, at - dt.datetime.fromisoformat(started))
        connections[alias].close()

    # The trigger being killed on a live Scheduler is killed at the first beat, as a Scheduler
    # does at its next loop; the job that had run for 12 minutes ends.
    assert first.killed == ["Kontanthjælp Kontrol"] and first.finished == ["Borgerservice Post"]
    assert rows(
        demo_file, "SELECT process_status FROM Triggers WHERE process_name = 'Kontanthjælp Kontrol'"
    ) == [("KILLED",)]
    assert longest_run <= dt.timedelta(minutes=12, seconds=30)
    started = rows(
        demo_file,
        "SELECT process_name, status, start_time FROM Jobs WHERE start_time > ?",
        str(BUILT),
    )
    assert len(started) >= 3 and {status for _p, status, _s in started} >= {"DONE"}
    # The stale Scheduler's job stays as it was: nobody supervises it (the console says "stale").
    assert rows(
        demo_file,
        "SELECT status FROM Jobs WHERE scheduler_name = 'RPA-SCHED-03' AND end_time IS NULL",
    ) == [("RUNNING",)]
    newest_log = rows(demo_file, "SELECT MAX(log_time) FROM Logs")[0][0]
    assert newest_log == beats[-1].strftime("%Y-%m-%d %H:%M:%S.%f")

    assert db_util.connect(f"sqlite:///{demo_file}")
    try:
        assert len(db_util.get_jobs()) == rows(demo_file, "SELECT COUNT(*) FROM Jobs")[0][0]
        for trigger in db_util.get_all_triggers():
            assert db_util.get_trigger(trigger.id).trigger_name == trigger.trigger_name
        assert db_util.get_logs(0, 100)
        for queue_name in db_util.get_queue_count():
            assert db_util.get_queue_elements(queue_name, limit=10)
    finally:
        db_util.disconnect()


def test_it_refuses_a_database_that_is_not_a_demo(tmp_path, django_db_blocker):
    path = tmp_path / "real.sqlite3"
    create_sqlite_schema(path)
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="not a demo database"):
        call_command("demo_pulse", path=path, once=True, stdout=StringIO())
    assert rows(path, "SELECT COUNT(*) FROM Schedulers") == [(0,)]


def schedulers_panel(client) -> str:
    page = client.get("/").content.decode()
    return page.split(">Schedulers</h2>", 1)[1].split("</section>", 1)[0]


def online(panel: str) -> list[str]:
    """The machines whose row in the panel carries the "online" badge."""
    return [
        machine
        for machine, _age in builder.SCHEDULERS
        for row in re.findall(r"<tr>.*?</tr>", panel, flags=re.S)
        if f">{machine}<" in row and "badge-online" in row
    ]


@oo_db
def test_after_a_beat_the_dashboard_shows_the_live_schedulers_online(as_viewer, monkeypatch):
    for machine, age in builder.SCHEDULERS:  # the demo's Schedulers, a day after the build
        make_scheduler(machine, age_seconds=age + 86400)
    monkeypatch.setattr(clock, "now", lambda: NOW)
    assert online(schedulers_panel(as_viewer)) == []  # a day without pings: all offline

    pulse.beat("orchestrator", clock.now())
    caches["default"].clear()  # the header's and panels' ten-second copies of the pings
    panel = schedulers_panel(as_viewer)
    assert sorted(online(panel)) == ["RPA-SCHED-01", "RPA-SCHED-02"]
    assert "Schedulers not online: 2." in as_viewer.get("/").content.decode()


def test_seeded_beats_run_the_same_way_whatever_the_new_rows_ids(
    tmp_path, monkeypatch, django_db_blocker
):
    """Jobs, elements and logs get random uuid4 ids; with the same seed, two demos still start,
    end and log the same (a run length drawn from the job's id once made them differ)."""
    monkeypatch.setattr(clock, "now", lambda: BUILT)
    beats = [BUILT + dt.timedelta(seconds=30 * i) for i in range(1, 31)]
    runs = []
    for name in ("first", "second"):
        path = tmp_path / f"{name}.sqlite3"
        with django_db_blocker.unblock():
            call_command("demo_data", path=path, stdout=StringIO(), stderr=StringIO())
            alias = builder.sqlite_alias(str(path), "demo_test")
            rnd = random.Random(11)
            done = [pulse.beat(alias, at, rnd=rnd) for at in beats]
            connections[alias].close()
        logs = rows(path, "SELECT log_time, log_level, process_name FROM Logs ORDER BY 1, 2, 3")
        runs.append((done, logs))
    assert runs[0] == runs[1]
    done = runs[0][0]
    assert any(beat.finished for beat in done) and any(beat.started for beat in done)
