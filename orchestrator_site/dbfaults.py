"""What went wrong with a database, in words a person can act on.

One classifier for every caller (pages, /healthz, commands), so the same fault gets the same name
everywhere: the server is gone (unreachable), another program holds a lock (busy), the file is no
database at all (not-a-database), or the tables are not the ones OpenOrchestrator 3.0 creates
(wrong-schema). Anything else is a programming error and is left to Django's 500 handling.

Messages never quote the driver's text for these states: it can name hosts and paths, and a
connection string must never reach a page or a log that is not the server's own.
"""

from __future__ import annotations

import enum
import sqlite3

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

from orchestrator_site.oo_schema import REVISION, UPGRADE_COMMAND


class DbState(enum.StrEnum):
    UNREACHABLE = "unreachable"
    BUSY = "busy"
    NOT_A_DATABASE = "not-a-database"
    WRONG_SCHEMA = "wrong-schema"


# SQLite primary result codes (the low byte of sqlite_errorcode).
_SQLITE_STATES = {
    5: DbState.BUSY,  # SQLITE_BUSY: another connection holds the lock past the busy timeout
    6: DbState.BUSY,  # SQLITE_LOCKED: a conflicting lock inside one process (shared cache)
    26: DbState.NOT_A_DATABASE,  # SQLITE_NOTADB: "file is not a database"
    11: DbState.NOT_A_DATABASE,  # SQLITE_CORRUPT: "database disk image is malformed"
    14: DbState.UNREACHABLE,  # SQLITE_CANTOPEN: missing file or directory, no permission
    10: DbState.UNREACHABLE,  # SQLITE_IOERR: the disk or network share went away
    3: DbState.UNREACHABLE,  # SQLITE_PERM
    8: DbState.UNREACHABLE,  # SQLITE_READONLY: the file or its folder may not be written
    23: DbState.UNREACHABLE,  # SQLITE_AUTH
}
# PostgreSQL SQLSTATEs (psycopg's .sqlstate) and ODBC SQLSTATEs (pyodbc's args[0], SQL Server).
_SQLSTATE_STATES = {
    "55P03": DbState.BUSY,  # lock_not_available (lock_timeout)
    "57014": DbState.BUSY,  # query_canceled (statement_timeout)
    "40P01": DbState.BUSY,  # deadlock_detected
    "40001": DbState.BUSY,  # serialization failure; SQL Server's deadlock victim (1205)
    "53300": DbState.BUSY,  # too_many_connections
    "HYT00": DbState.BUSY,  # ODBC timeout expired (a query waiting on locks)
    "42P01": DbState.WRONG_SCHEMA,  # undefined_table
    "42703": DbState.WRONG_SCHEMA,  # undefined_column
    "42S02": DbState.WRONG_SCHEMA,  # ODBC base table not found ("Invalid object name")
    "42S22": DbState.WRONG_SCHEMA,  # ODBC column not found
    "28000": DbState.UNREACHABLE,  # invalid authorization (login failed)
    "28P01": DbState.UNREACHABLE,  # invalid_password
    "3D000": DbState.UNREACHABLE,  # invalid_catalog_name (the database does not exist)
    "57P01": DbState.UNREACHABLE,  # admin_shutdown
    "57P02": DbState.UNREACHABLE,  # crash_shutdown
    "57P03": DbState.UNREACHABLE,  # cannot_connect_now (starting up, recovering)
    "HYT01": DbState.UNREACHABLE,  # ODBC connection timeout expired
}
# Words SQLite puts in messages, for drivers or wrappers that lose the numeric code.
_SQLITE_WORDS = (
    ("database is locked", DbState.BUSY),
    ("database table is locked", DbState.BUSY),
    ("database schema is locked", DbState.BUSY),
    ("file is not a database", DbState.NOT_A_DATABASE),
    ("database disk image is malformed", DbState.NOT_A_DATABASE),
    ("unable to open database file", DbState.UNREACHABLE),
    ("no such table", DbState.WRONG_SCHEMA),
    ("no such column", DbState.WRONG_SCHEMA),
)


# DB-API's names, for a driver's own exception met outside Django (psycopg, pyodbc).
_DBAPI_CONNECTION_ERRORS = {"OperationalError", "InterfaceError"}


def _driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception behind Django's wrapper (Django raises `from` it)."""
    return exc.__cause__ if exc.__cause__ is not None else exc


def classify(exc: BaseException) -> DbState | None:
    """The state a database exception reveals, or None for one that is not a fault of the database
    (a programming error such as a syntax error: those should stay loud)."""
    driver = _driver_error(exc)
    if isinstance(driver, sqlite3.Error):
        # SQLite raises OperationalError for syntax errors too, so only known codes count.
        code = getattr(driver, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _SQLITE_STATES:
            return _SQLITE_STATES[code & 0xFF]
        text = str(driver).lower()
        return next((state for words, state in _SQLITE_WORDS if words in text), None)
    sqlstate = getattr(driver, "sqlstate", None)  # psycopg
    args: tuple = getattr(driver, "args", ())
    if sqlstate is None and len(args) >= 2 and isinstance(args[0], str) and len(args[0]) == 5:
        sqlstate = args[0]  # pyodbc: (SQLSTATE, message)
    if sqlstate in _SQLSTATE_STATES:
        return _SQLSTATE_STATES[sqlstate]
    if sqlstate and sqlstate.startswith("08"):  # connection exception, in both standards
        return DbState.UNREACHABLE
    if sqlstate is None and (
        isinstance(exc, (OperationalError, InterfaceError))
        or any(cls.__name__ in _DBAPI_CONNECTION_ERRORS for cls in type(driver).__mro__)
    ):
        # No SQLSTATE from a server: the driver could not talk to one at all (refused, DNS, a
        # closed socket, "server closed the connection unexpectedly").
        return DbState.UNREACHABLE
    return None


def culprit() -> str | None:
    """The alias whose connection last raised a database error in this thread, if any.

    Django marks a connection `errors_occurred` on every DatabaseError except Data/IntegrityError.
    """
    aliases = dict.fromkeys([settings.ORCHESTRATOR_DB, *settings.DATABASES])
    return next((alias for alias in aliases if connections[alias].errors_occurred), None)


def database_label(alias: str | None) -> str:
    if alias is None or alias == settings.ORCHESTRATOR_DB:
        return "the OpenOrchestrator database"
    return "the console's own database"


def describe(state: DbState | str, *, alias: str | None = None) -> str:
    """One sentence for a command's error or a log line; never a connection string or a path."""
    which = database_label(alias)
    subject = which[0].upper() + which[1:]  # "The ..." at the start of a sentence
    variable = (
        settings.ORCHESTRATOR_URL_VARIABLE
        if alias in (None, settings.ORCHESTRATOR_DB)
        else "CONSOLE_DATABASE_URL"
    )
    messages = {
        DbState.UNREACHABLE: f"{subject} cannot be reached; check {variable} and "
        "that the database server, or the file and its folder, can be reached and written.",
        DbState.BUSY: f"The database is busy; try again. Another program holds a lock on {which} "
        "(a robot, a Scheduler or a long deletion) and it was not released in time.",
        DbState.NOT_A_DATABASE: f"{subject} is not a database: {variable} points to "
        "a file that is not a SQLite database, or one that is damaged.",
        DbState.WRONG_SCHEMA: f"{subject} lacks a table or column that "
        f"OpenOrchestrator 3.0 (schema revision {REVISION}) has; upgrade it with {UPGRADE_COMMAND}"
        if alias in (None, settings.ORCHESTRATOR_DB)
        else f"{subject} lacks a table or column; run manage.py migrate.",
    }
    return messages[DbState(state)]


def explain(exc: BaseException, *, alias: str | None = None) -> str:
    """`describe` for an exception; an unrecognised database error keeps its first line, which
    names the statement's problem (never the connection) so that it can be reported."""
    state = classify(exc)
    if state is not None:
        return describe(state, alias=alias or culprit())
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"The database refused the operation ({type(exc).__name__}: {first_line})."
