"""Keep the demo database current: its "now" is the moment the console starts.

The demo data is written relative to the moment it was built. Opened a day later, every job would
have ended a day ago and every Scheduler would be offline. `catch_up` moves every timestamp of the
demo database forward by the time that passed, in SQL (one UPDATE per column), so the data keeps
its shape and its newest event happens now.

Only a demo database is ever touched: one that carries the marker table `console_demo`, which
`manage.py demo_data` adds to the files it builds and which OpenOrchestrator's own schema never
has. Times are naive local wall-clock times (settings.TIME_ZONE), the same clock as
`orchestrator_site.clock.now()`, which is what the pages compare them with.
"""

from __future__ import annotations

import datetime as dt

from django.db import DatabaseError, connections, transaction

from orchestrator_site.clone import OO_DATETIME_FORMAT

MARKER_TABLE = "console_demo"
_MARKER_KEY = "current_at"

# Every DATETIME column of OpenOrchestrator 3.0's schema (a test compares this with the DDL).
# "Happened" columns say when something took place; `next_run` says when something will.
HAPPENED = (
    ("Logs", "log_time"),
    ("Jobs", "start_time"),
    ("Jobs", "end_time"),
    ("Queues", "created_date"),
    ("Queues", "start_date"),
    ("Queues", "end_date"),
    ("Triggers", "last_run"),
    ("Schedulers", "last_update"),
    ("Schedulers", "latest_trigger_time"),
    ("Constants", "changed_at"),
    ("Credentials", "changed_at"),
)
PLANNED = (
    ("Single_Triggers", "next_run"),
    ("Scheduled_Triggers", "next_run"),
)
COLUMNS = HAPPENED + PLANNED

# The stored text is `YYYY-MM-DD HH:MM:SS` plus an optional `.ffffff`. SQLite's date functions
# keep only milliseconds, so the whole seconds are shifted and the fraction is carried over as
# written: a shifted value differs from the original by exactly the gap, to the microsecond.
_SECONDS_FORMAT = "%Y-%m-%d %H:%M:%S"
_SHIFT_SQL = (
    'UPDATE "{table}" SET "{column}" = '
    'strftime(%s, substr("{column}", 1, 19), %s) || substr("{column}", 20) '
    'WHERE "{column}" IS NOT NULL AND strftime(%s, substr("{column}", 1, 19)) IS NOT NULL'
)


def is_demo(alias: str) -> bool:
    """Whether the database on `alias` is a demo database (a SQLite file with the marker table).

    False for anything else, including a file that is not a database at all.
    """
    connection = connections[alias]
    if connection.vendor != "sqlite":
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [MARKER_TABLE]
            )
            return cursor.fetchone() is not None
    except DatabaseError:
        return False


def mark(alias: str, now: dt.datetime) -> None:
    """Make the database on `alias` a demo database whose data is current as of `now`."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f'CREATE TABLE IF NOT EXISTS "{MARKER_TABLE}" '
            "(name VARCHAR(50) NOT NULL PRIMARY KEY, value VARCHAR(100) NOT NULL)"
        )
        cursor.execute(
            f'INSERT OR REPLACE INTO "{MARKER_TABLE}" (name, value) VALUES (%s, %s)',  # noqa: S608 - constant
            [_MARKER_KEY, now.strftime(OO_DATETIME_FORMAT)],
        )


def current_at(alias: str) -> dt.datetime | None:
    """The moment the demo data is current as of: the later of the marker and the newest event
    (a ping, a log, a job...) anyone wrote while the demo ran. None for a database without
    the marker. Reads the maximum of each "happened" column: a scan of each demo table."""
    if not is_demo(alias):
        return None
    found: list[dt.datetime] = []
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f'SELECT value FROM "{MARKER_TABLE}" WHERE name = %s',  # noqa: S608 - constant
            [_MARKER_KEY],
        )
        row = cursor.fetchone()
        found.extend(_parsed([row[0] if row else None]))
        for table, column in HAPPENED:
            cursor.execute(f'SELECT MAX("{column}") FROM "{table}"')  # noqa: S608 - constants
            found.extend(_parsed([cursor.fetchone()[0]]))
    return max(found, default=None)


def _parsed(values: list[object]) -> list[dt.datetime]:
    result = []
    for value in values:
        if isinstance(value, dt.datetime):
            result.append(value)
        elif isinstance(value, str):
            try:
                result.append(dt.datetime.fromisoformat(value))
            except ValueError:
                continue
    return result


def catch_up(alias: str, now: dt.datetime) -> dt.timedelta | None:
    """Move every timestamp of the demo database on `alias` by the time since its data was
    current (`current_at`), so that its newest event happens at `now`; return the shift.

    None, and nothing changed, when the database is not a demo database. Whole seconds only
    (a shift of under a second is no shift). Backwards too, if the clock went back: nothing
    that happened may lie in the future. One transaction: all columns move, or none.
    """
    since = current_at(alias)
    if since is None:
        return None
    seconds = int((now - since).total_seconds())
    if seconds:
        modifier = f"{seconds:+d} seconds"
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            for table, column in COLUMNS:
                cursor.execute(
                    _SHIFT_SQL.format(table=table, column=column),
                    [_SECONDS_FORMAT, modifier, _SECONDS_FORMAT],
                )
            mark(alias, since + dt.timedelta(seconds=seconds))
    return dt.timedelta(seconds=seconds)
