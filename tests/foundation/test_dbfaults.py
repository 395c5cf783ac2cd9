"""One classifier names every database fault the same way, from the real drivers' errors; every
command that reads OpenOrchestrator's database turns one into a single line."""

from __future__ import annotations

import sqlite3
from io import StringIO

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import DatabaseError

from orchestrator_site.dbfaults import DbState, classify, describe
from tests.faults import database_on, orchestrator_sqlite, sqlite_entry, write_locked
from tests.helpers import oo_db


def sqlite_error(path, sql: str, *, timeout: float = 0.1) -> sqlite3.Error:
    connection = sqlite3.connect(path, timeout=timeout)
    try:
        connection.execute(sql)
    except sqlite3.Error as exc:
        return exc
    finally:
        connection.close()
    raise AssertionError(f"{sql} did not fail")


def test_sqlite_errors(tmp_path):
    good = orchestrator_sqlite(tmp_path)
    with write_locked(good):
        assert classify(sqlite_error(good, 'SELECT * FROM "Logs"')) == DbState.BUSY
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database " * 100)
    assert classify(sqlite_error(junk, "SELECT 1 FROM sqlite_master")) == DbState.NOT_A_DATABASE
    missing = f"file:{tmp_path}/no/such/dir.db?mode=rw"
    with pytest.raises(sqlite3.Error) as opened:
        sqlite3.connect(missing, uri=True).execute("SELECT 1")
    assert classify(opened.value) == DbState.UNREACHABLE
    assert classify(sqlite_error(good, "SELECT * FROM nothing_here")) == DbState.WRONG_SCHEMA
    # SQLite raises OperationalError for a syntax error too: that is a bug, not a fault.
    assert classify(sqlite_error(good, "SELEKT 1")) is None


@oo_db
def test_errors_through_django_keep_their_state(tmp_path):
    path = orchestrator_sqlite(tmp_path)
    with database_on("orchestrator", sqlite_entry(path, timeout=0.1)) as wrapper:
        with write_locked(path), pytest.raises(DatabaseError) as error:
            with wrapper.cursor() as cursor:
                cursor.execute('SELECT COUNT(*) FROM "Logs"')
    assert classify(error.value) == DbState.BUSY


def test_postgresql_errors():
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect("host=127.0.0.1 port=1 user=postgres dbname=postgres", connect_timeout=2)
    assert classify(refused.value) == DbState.UNREACHABLE
    for sqlstate, state in {
        "55P03": DbState.BUSY,
        "57014": DbState.BUSY,
        "40P01": DbState.BUSY,
        "42P01": DbState.WRONG_SCHEMA,
        "57P01": DbState.UNREACHABLE,
        "08006": DbState.UNREACHABLE,
    }.items():
        error = psycopg.errors.lookup(sqlstate)("from the server")
        assert classify(error) == state, sqlstate
    assert classify(psycopg.errors.lookup("42601")("syntax error")) is None


def test_sql_server_errors_as_pyodbc_raises_them():
    import pyodbc  # pinned in requirements.txt: missing libodbc2 must fail, not skip

    cases = {
        ("HYT00", "[HYT00] [Microsoft][ODBC Driver 18 for SQL Server]Query timeout expired"): (
            DbState.BUSY
        ),
        ("40001", "[40001] Transaction (Process ID 57) was deadlocked (1205)"): DbState.BUSY,
        ("08001", "[08001] TCP Provider: No such host is known."): DbState.UNREACHABLE,
        ("28000", "[28000] Login failed for user 'rpa'. (18456)"): DbState.UNREACHABLE,
        ("42S02", "[42S02] Invalid object name 'alembic_version'. (208)"): DbState.WRONG_SCHEMA,
        ("42000", "[42000] Incorrect syntax near 'SELEKT'. (102)"): None,
    }
    for args, state in cases.items():
        error_class = pyodbc.ProgrammingError if args[0].startswith("42") else pyodbc.Error
        assert classify(error_class(*args)) == state, args


def test_messages_never_name_the_connection(settings):
    for state in DbState:
        text = describe(state)
        assert "sqlite://" not in text and "@" not in text
    for state in (DbState.UNREACHABLE, DbState.NOT_A_DATABASE):
        assert "OpenOrchestratorSQL" in describe(state)
    assert describe(DbState.BUSY).startswith("The database is busy; try again.")
    assert "console's own database" in describe(DbState.UNREACHABLE, alias="default")


# --- every command: one line -----------------------------------------------------------------------

COMMANDS = {
    "purge_logs": ["purge_logs", "--older-than", "30"],
    "rotate_key": [
        "rotate_key",
        f"--new-key={Fernet.generate_key().decode()}",
    ],  # a key may start with -
    "orchestrator_indexes": ["orchestrator_indexes"],
    "clonedb": ["clonedb", "--output", "{tmp}/copy.db"],
}


@oo_db
@pytest.mark.parametrize("command", COMMANDS)
def test_commands_say_busy_on_a_locked_database(command, tmp_path, monkeypatch):
    path = orchestrator_sqlite(tmp_path)
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in COMMANDS[command]]
    with database_on("orchestrator", sqlite_entry(path), monkeypatch=monkeypatch):
        with write_locked(path), pytest.raises(CommandError) as error:
            call_command(*args, stdout=StringIO(), stderr=StringIO())
    assert "The database is busy; try again." in str(error.value)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "copy.db").exists()


@oo_db
@pytest.mark.parametrize("command", COMMANDS)
def test_commands_say_not_a_database(command, tmp_path, monkeypatch):
    path = tmp_path / "orchestrator.sqlite3"
    path.write_bytes(b"a spreadsheet, perhaps " * 200)
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in COMMANDS[command]]
    with database_on("orchestrator", sqlite_entry(path), monkeypatch=monkeypatch):
        with pytest.raises(CommandError) as error:
            call_command(*args, stdout=StringIO(), stderr=StringIO())
    assert "The OpenOrchestrator database is not a database" in str(error.value)
    assert str(path) not in str(error.value)
