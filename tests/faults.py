"""Real database faults for tests: a database locked by another connection, a file that is no
database, a PostgreSQL server that went away. Nothing here fakes an exception: each helper makes
the condition, and the console's own code meets it through the real drivers."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.utils import load_backend

from orchestrator_site import health
from orchestrator_site.dburl import parse_connection_string
from orchestrator_site.oo_schema import create_sqlite_schema


def sqlite_entry(path: Path, *, timeout: float = 0.3) -> dict:
    """A DATABASES entry for an OpenOrchestrator SQLite file, exactly as settings.py makes it, with
    a short busy timeout so that a test waits a moment, not 20 s."""
    entry = parse_connection_string(
        f"sqlite:///{path}", variable="OpenOrchestratorSQL", base_dir=path.parent, must_exist=True
    )
    entry["OPTIONS"]["timeout"] = timeout
    return entry


@contextlib.contextmanager
def database_on(alias: str, entry: dict, *, monkeypatch=None):
    """Serve `alias` from `entry` (a new connection) for this thread; with `monkeypatch`,
    settings.DATABASES says so too. Everything is put back afterwards."""
    full = connections.configure_settings({"default": {}, alias: dict(entry)})[alias]
    wrapper = load_backend(full["ENGINE"]).DatabaseWrapper(full, alias)
    original = connections[alias]
    connections[alias] = wrapper
    if monkeypatch is not None:
        monkeypatch.setitem(settings.DATABASES, alias, full)
    health.forget_status()
    try:
        yield wrapper
    finally:
        with contextlib.suppress(Exception):
            wrapper.close()
        connections[alias] = original
        health.forget_status()


def orchestrator_sqlite(folder: Path) -> Path:
    """A new OpenOrchestrator 3.0 SQLite database in `folder`."""
    path = folder / "orchestrator.sqlite3"
    create_sqlite_schema(path)
    return path


@contextlib.contextmanager
def write_locked(path: Path, *, exclusive: bool = True):
    """Another program holding a write transaction on a SQLite file (as a robot in the middle of a
    commit does). EXCLUSIVE also keeps readers out in rollback-journal mode; RESERVED (IMMEDIATE)
    lets them read but not write."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN IMMEDIATE")
    try:
        yield holder
    finally:
        holder.execute("ROLLBACK")
        holder.close()


class RobotLogger(threading.Thread):
    """A robot writing log lines with OpenOrchestrator's own db_util, in a loop, until stopped.

    Every failure it meets (OpenOrchestrator would crash the robot on one) is kept in `errors`.
    """

    def __init__(self, oo_url: str, *, process: str = "Robot") -> None:
        super().__init__(daemon=True)
        self.oo_url = oo_url
        self.process = process
        self.written = 0
        self.errors: list[BaseException] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        from OpenOrchestrator.database import db_util
        from OpenOrchestrator.database.logs import LogLevel

        # db_util keeps one module-wide engine; the test's own db_util fixture made it already.
        while not self._stop_event.is_set():
            try:
                db_util.create_log(self.process, LogLevel.INFO, None, f"line {self.written}")
                self.written += 1
            except Exception as exc:  # noqa: BLE001 - a robot would die of any of them
                self.errors.append(exc)
                return

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=30)


def write_old_logs(db_util, count: int, *, at, process: str = "Old Proc") -> None:
    """`count` log lines at `at`, inserted in one go through OpenOrchestrator's own engine.

    On PostgreSQL the table is analyzed afterwards, as autovacuum does after a bulk load: the test
    database's statistics otherwise still say "empty" (autovacuum analyzed it between tests), and
    the planner then deletes each batch with a nested loop over every row (15 s per batch, not 10 ms).
    """
    import uuid

    from OpenOrchestrator.database.logs import Log, LogLevel
    from sqlalchemy import insert, text

    rows = [
        {
            "id": uuid.uuid4(),
            "log_time": at,
            "log_level": LogLevel.INFO,
            "process_name": process,
            "job_id": None,
            "log_message": f"old line {i}",
        }
        for i in range(count)
    ]
    with db_util._connection_engine.begin() as connection:
        connection.execute(insert(Log), rows)
        if connection.dialect.name == "postgresql":
            connection.execute(text('ANALYZE "Logs"'))
