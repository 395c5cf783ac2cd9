"""`manage.py clonedb` against the test database (SQLite or PostgreSQL), read back by OpenOrchestrator."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connections
from OpenOrchestrator.database.jobs import JobStatus as OOJobStatus
from OpenOrchestrator.database.logs import Log as OOLog
from OpenOrchestrator.database.logs import LogLevel as OOLogLevel
from OpenOrchestrator.database.queues import QueueStatus as OOQueueStatus
from sqlalchemy import insert
from sqlalchemy import inspect as sa_inspect

from orchestrator_site import clone, health, indexes
from orchestrator_site.oo_schema import REVISION, TABLES
from tests import oo
from tests.helpers import oo_tx

# Enough rows to cross eight batches of 2,000 (and the last, partial one).
BULK_LOGS = 15_500


def columns(obj) -> dict:
    return {attr.key: getattr(obj, attr.key) for attr in sa_inspect(obj).mapper.column_attrs}


def snapshot(db_util) -> dict:
    """Every row of every table, as OpenOrchestrator's own db_util reads it (lookups by id/name)."""
    triggers = {t.id: columns(db_util.get_trigger(t.id)) for t in db_util.get_all_triggers()}
    elements = {}
    for queue_name in db_util.get_queue_count():
        for element in db_util.get_queue_elements(queue_name, limit=None):
            elements[element.id] = columns(db_util.get_queue_element(element.id))
    logs = {log.id: columns(log) for log in db_util.get_logs(0, 10_000_000)}
    jobs = {job.id: columns(db_util.get_job(job.id)) for job in db_util.get_jobs()}
    return {
        "triggers": triggers,
        "elements": elements,
        "logs": logs,
        "jobs": jobs,
        "credentials": {
            c.name: columns(db_util.get_credential(c.name)) for c in db_util.get_credentials()
        },
        "constants": {
            c.name: columns(db_util.get_constant(c.name)) for c in db_util.get_constants()
        },
        "schedulers": {s.machine_name: columns(s) for s in db_util.get_schedulers()},
    }


def fill(db_util, *, bulk_logs: int = 0) -> None:
    """Rows written by OpenOrchestrator's own code: non-ASCII text and NULL in every nullable column."""
    when = dt.datetime(2026, 11, 26, 19, 53, 16, 309659)
    single = db_util.create_single_trigger(
        "Single Æ", "Proc Æøå", when, "C:/robots/å/main.py", "arg1", False, True, 5, ["PC-Ø"], "dev"
    )
    # NULL process_args, git_branch, scheduler_whitelist and last_run:
    db_util.create_scheduled_trigger(
        "Sched T", "Proc B", "*/5 * * * *", when, "C:/b.py", None, True, False, -1, None, None
    )
    db_util.create_queue_trigger(
        "Queue T", "Proc C", "Kø én", "C:/c.py", "", False, True, 3, 2, [], ""
    )
    db_util.begin_single_trigger(single)  # last_run set, status RUNNING

    db_util.create_queue_element("Kø én")  # reference, data, created_by, dates, message all NULL
    full = db_util.create_queue_element("Kø én", "réf-1", '{"txt": "æøå ✓"}', "søren")
    db_util.set_queue_element_status(full.id, OOQueueStatus.IN_PROGRESS)
    db_util.set_queue_element_status(full.id, OOQueueStatus.FAILED, "fejl: ødelagt")
    db_util.bulk_create_queue_elements("Queue Two", ("a", None), ("x", None), "bulk")

    job = db_util.start_job("Proc Æøå", "SCHED-PC1")  # end_time NULL
    done = db_util.start_job("Proc B", "SCHED-PC2")
    db_util.set_job_status(done.id, OOJobStatus.DONE)
    db_util.create_log("Proc Æøå", OOLogLevel.ERROR, job.id, "Fejl i ærø ✓ " + "x" * 7000)
    db_util.create_log("Proc B", OOLogLevel.TRACE, None, "no job")  # job_id NULL

    db_util.create_constant("Konstant Ø", "værdi")
    db_util.create_credential("Login Å", "brugér", "hemmeligt ✓")
    db_util.send_ping_from_scheduler("SCHED-PC1")  # latest_trigger(_time) NULL
    db_util.start_trigger_from_machine("SCHED-PC2", "Single Æ")

    if bulk_logs:
        start = dt.datetime(2026, 1, 1, 0, 0, 0, 1)
        levels = list(OOLogLevel)
        rows = [
            {
                "id": uuid.uuid4(),
                "log_time": start + dt.timedelta(seconds=i, microseconds=i % 997),
                "log_level": levels[i % 3],
                "process_name": f"Bulk {i % 7} å",
                "job_id": job.id if i % 2 else None,
                "log_message": f"besked {i} ø",
            }
            for i in range(bulk_logs)
        ]
        with db_util._connection_engine.begin() as connection:
            connection.execute(insert(OOLog), rows)


def run_clone(*args: str) -> str:
    out = StringIO()
    call_command("clonedb", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def files_in(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


@pytest.fixture(autouse=True)
def fresh_status():
    health.forget_status()
    indexes.forget()
    yield
    health.forget_status()


@oo_tx
def test_openorchestrator_reads_every_row_of_the_copy_back_identical(db_util, oo_url, tmp_path):
    fill(db_util, bulk_logs=BULK_LOGS)
    before = snapshot(db_util)
    assert len(before["logs"]) == BULK_LOGS + 2

    output = tmp_path / "copy.db"
    printed = run_clone("--output", str(output), "--batch-size", "2000")

    progress = [line for line in printed.splitlines() if line.startswith("Logs ")]
    assert progress[0] == "Logs 0/15,502" and progress[-1] == "Logs 15,502/15,502"
    assert {"Logs 2,000/15,502", "Logs 14,000/15,502"} <= set(progress)  # batch by batch
    assert f"Copied {BULK_LOGS + 18:,} rows in 10 tables" in printed
    assert files_in(tmp_path) == ["copy.db"]

    oo.connect(f"sqlite:///{output}")
    try:
        assert db_util.check_database_revision() is True
        after = snapshot(db_util)
        assert db_util.get_credential("Login Å").password == "hemmeligt ✓"
    finally:
        oo.connect(oo_url)
    assert after == before

    raw = sqlite3.connect(output)
    try:
        trigger = raw.execute(
            "SELECT id, is_git_repo, is_blocking, last_run, process_status FROM Triggers "
            "WHERE trigger_name = 'Single Æ'"
        ).fetchone()
        assert len(trigger[0]) == 32 and trigger[0] == trigger[0].lower()
        assert trigger[1:3] == (0, 1) and trigger[4] == "RUNNING"
        assert len(trigger[3]) == 26  # YYYY-MM-DD HH:MM:SS.ffffff
        whitelist = raw.execute(
            "SELECT scheduler_whitelist FROM Triggers WHERE trigger_name = 'Single Æ'"
        ).fetchone()[0]
        assert whitelist == '["PC-\\u00d8"]'
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [(REVISION,)]
        names = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {spec.name for spec in indexes.RECOMMENDED} <= names
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        raw.close()


@oo_tx
def test_since_and_tables_limit_the_copy_and_counts_match_the_filtered_source(
    db_util, oo_url, tmp_path, monkeypatch
):
    fill(db_util)
    old = dt.datetime(2020, 1, 1, 8, 0)
    with db_util._connection_engine.begin() as connection:
        connection.execute(
            insert(OOLog),
            [
                {
                    "id": uuid.uuid4(),
                    "log_time": old,
                    "log_level": OOLogLevel.INFO,
                    "process_name": "Old",
                    "job_id": None,
                    "log_message": "old",
                }
            ],
        )
    output = tmp_path / "recent.db"
    printed = run_clone(
        "--output",
        str(output),
        "--since",
        "30",
        "--tables",
        "Logs",
        "Single_Triggers",
        "--no-indexes",
    )
    assert "Also copying Triggers, Scheduled_Triggers, Queue_Triggers" in printed
    raw = sqlite3.connect(output)
    try:
        counts = {t: raw.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in TABLES}
        names = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    finally:
        raw.close()
    assert counts["Logs"] == 2  # the 2020 row is older than 30 days
    assert counts["Triggers"] == 3 and counts["Single_Triggers"] == 1
    assert counts["Queues"] == counts["Jobs"] == counts["Credentials"] == 0
    assert not any(name.startswith(indexes.PREFIX) for name in names)


@oo_tx
@pytest.mark.parametrize("mode", ["skip", "blank"])
def test_credentials_can_be_left_out_or_blanked(db_util, oo_url, tmp_path, mode):
    fill(db_util)
    output = tmp_path / "nocred.db"
    run_clone("--output", str(output), "--exclude-credentials", mode)
    oo.connect(f"sqlite:///{output}")
    try:
        credentials = db_util.get_credentials()
        if mode == "skip":
            assert credentials == ()
        else:
            assert [c.username for c in credentials] == ["brugér"]
            assert db_util.get_credential("Login Å").password == ""
    finally:
        oo.connect(oo_url)


# --- Refusals: a clear message, the original untouched, no temporary file ---------------------


@pytest.fixture
def existing(tmp_path) -> Path:
    path = tmp_path / "pyorchestrator_test.db"
    path.write_bytes(b"the original file")
    return path


def assert_untouched(existing: Path) -> None:
    assert existing.read_bytes() == b"the original file"
    assert files_in(existing.parent) == [existing.name]


@oo_tx
def test_it_refuses_an_existing_output_without_force(db_util, existing, monkeypatch):
    monkeypatch.chdir(existing.parent)
    with pytest.raises(CommandError, match="already exists; pass --force"):
        run_clone()  # the default output name
    assert_untouched(existing)


@oo_tx
def test_force_replaces_the_existing_file(db_util, existing):
    fill(db_util)
    run_clone("--output", str(existing), "--force")
    assert files_in(existing.parent) == [existing.name]
    raw = sqlite3.connect(existing)
    try:
        assert raw.execute('SELECT COUNT(*) FROM "Triggers"').fetchone()[0] == 3
    finally:
        raw.close()


@oo_tx
def test_it_refuses_a_source_at_another_revision(db_util, existing):
    with connections["orchestrator"].cursor() as cursor:
        cursor.execute("UPDATE alembic_version SET version_num = 'b67b7649b282'")
    try:
        with pytest.raises(CommandError, match="revision 'b67b7649b282', not '1c87ed320c78'"):
            run_clone("--output", str(existing), "--force")
    finally:
        with connections["orchestrator"].cursor() as cursor:
            cursor.execute("UPDATE alembic_version SET version_num = %s", [REVISION])
    assert_untouched(existing)


@oo_tx
def test_it_refuses_an_unreachable_source(db_util, existing, monkeypatch):
    def refuse():
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(connections["orchestrator"], "ensure_connection", refuse)
    with pytest.raises(CommandError, match="The OpenOrchestrator database cannot be reached"):
        run_clone("--output", str(existing), "--force")
    assert_untouched(existing)


@oo_tx
def test_it_refuses_a_missing_or_unwritable_directory(db_util, tmp_path, monkeypatch):
    with pytest.raises(CommandError, match="does not exist"):
        run_clone("--output", str(tmp_path / "nowhere" / "copy.db"))
    monkeypatch.setattr(clone.os, "access", lambda path, mode: False)  # root ignores chmod
    with pytest.raises(CommandError, match="is not writable"):
        run_clone("--output", str(tmp_path / "copy.db"))
    monkeypatch.undo()

    def no_permission(**kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(clone.tempfile, "mkstemp", no_permission)
    with pytest.raises(CommandError, match="Cannot create a file in .*Permission denied"):
        run_clone("--output", str(tmp_path / "copy.db"))
    assert files_in(tmp_path) == []


@oo_tx
def test_a_full_disk_leaves_nothing_behind(db_util, existing, monkeypatch):
    fill(db_util, bulk_logs=3000)
    opened = clone._open_target

    def small_disk(path):
        target = opened(path)
        pages = target.execute("PRAGMA page_count").fetchone()[0]
        target.execute(f"PRAGMA max_page_count = {pages + 20}")
        return target

    monkeypatch.setattr(clone, "_open_target", small_disk)
    with pytest.raises(CommandError, match="is full .*database or disk is full"):
        run_clone("--output", str(existing), "--force", "--batch-size", "500")
    assert_untouched(existing)


@oo_tx
def test_an_interrupt_leaves_nothing_behind(db_util, existing, monkeypatch):
    fill(db_util, bulk_logs=2000)
    real = clone.convert_row
    calls = {"n": 0}

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1500:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(clone, "convert_row", interrupted)
    with pytest.raises(CommandError, match="Interrupted"):
        run_clone("--output", str(existing), "--force", "--batch-size", "100")
    assert_untouched(existing)


@oo_tx
def test_a_row_openorchestrator_could_not_read_stops_the_copy(db_util, existing):
    fill(db_util)
    with connections["orchestrator"].cursor() as cursor:
        cursor.execute("UPDATE \"Triggers\" SET scheduler_whitelist = 'PC1,PC2'")
    with pytest.raises(CommandError, match="column scheduler_whitelist: .*not JSON"):
        run_clone("--output", str(existing), "--force")
    assert_untouched(existing)


@oo_tx
def test_a_count_mismatch_refuses_the_rename(db_util, existing, monkeypatch):
    fill(db_util)
    real = clone.source_count
    calls = {"n": 0}

    def growing(alias, spec, cutoff):
        calls["n"] += 1
        return real(alias, spec, cutoff) + (1 if spec.name == "Logs" and calls["n"] == 2 else 0)

    monkeypatch.setattr(clone, "source_count", growing)
    with pytest.raises(CommandError, match=r"Logs: the source had 2 rows \(now 3\)"):
        run_clone("--output", str(existing), "--force")
    assert_untouched(existing)


def test_bad_numbers_are_refused(tmp_path):
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        run_clone("--output", str(tmp_path / "x.db"), "--batch-size", "0")
    with pytest.raises(CommandError, match="--since must be"):
        run_clone("--output", str(tmp_path / "x.db"), "--since", "-1")
    assert files_in(tmp_path) == []


@oo_tx
def test_a_source_failing_mid_copy_leaves_nothing_behind(db_util, existing, monkeypatch):
    fill(db_util)
    real = clone._stream

    def failing(alias, spec, cutoff, batch_size):
        if spec.name == "Queues":
            raise OperationalError("server closed the connection unexpectedly")
        return real(alias, spec, cutoff, batch_size)

    monkeypatch.setattr(clone, "_stream", failing)
    with pytest.raises(
        CommandError, match="Reading the source failed. The OpenOrchestrator database cannot be"
    ):
        run_clone("--output", str(existing), "--force")
    assert_untouched(existing)
