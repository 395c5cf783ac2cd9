"""The indexes the console's pages need on OpenOrchestrator's tables, per backend.

OpenOrchestrator creates no index on `Logs` or `Jobs` and only single-column ones on `Queues`, so
every log page scans the whole table. These indexes are additive: OpenOrchestrator's code never
refers to them and its alembic migrations neither create nor drop them, so adding or removing them
changes no behaviour, only speed. All of them are named `ix_console_*`, which is how `--drop` finds
exactly the ones it manages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

from orchestrator_site import ttlcache

logger = logging.getLogger(__name__)

PREFIX = "ix_console_"
CACHE_SECONDS = 300
_CACHE_KEY = "indexes:missing"


@dataclass(frozen=True)
class IndexSpec:
    name: str
    table: str
    columns: tuple[str, ...]
    speeds_up: str


# Each one was measured on a generated SQLite database (1,000,000 logs, 300,000 queue elements,
# 24,000 jobs; bench/generate.py --size large) with bench/index_timings.py: median ms of the page's
# query without -> with the index. Rejected after measuring: Logs(log_time), which only helps the
# purge command's count (344 -> 167 ms) and Logs(log_level, log_time) does that as well (132 ms).
RECOMMENDED: tuple[IndexSpec, ...] = (
    IndexSpec(
        f"{PREFIX}logs_process_time",
        "Logs",
        ("process_name", "log_time"),
        "a process's log page, newest first (busiest process 1,123 -> 0.2 ms), export, purge",
    ),
    IndexSpec(
        f"{PREFIX}logs_level_time",
        "Logs",
        ("log_level", "log_time"),
        "the dashboard's recent errors (357 -> 0.1 ms) and level filters",
    ),
    IndexSpec(
        f"{PREFIX}logs_process_level_time",
        "Logs",
        ("process_name", "log_level", "log_time"),
        "the logs overview: counts per process and level, covering (2,659 -> 914 ms)",
    ),
    IndexSpec(
        f"{PREFIX}logs_job",
        "Logs",
        ("job_id",),
        "a job's logs on the job page (263 -> 0.1 ms)",
    ),
    IndexSpec(
        f"{PREFIX}queues_name_created",
        "Queues",
        ("queue_name", "created_date"),
        "a queue's elements, newest first, unfiltered (433 -> 0.2 ms)",
    ),
    # start_date and end_date only change with status, a key column already, so carrying them
    # costs robots no extra index writes; it makes the queues overview an index-only scan.
    IndexSpec(
        f"{PREFIX}queues_name_status_dates",
        "Queues",
        ("queue_name", "status", "created_date", "start_date", "end_date"),
        "a queue's elements filtered by status (103-185 -> 0.1 ms); the queues overview, covering "
        "(585-696 -> 199-232 ms)",
    ),
    # queue_name last: the dashboard's failed panel counts a window's failures per queue from
    # the index alone (SQLite, 1,241 failures in 72 h: no row of the table read).
    IndexSpec(
        f"{PREFIX}queues_status_end",
        "Queues",
        ("status", "end_date", "queue_name"),
        "the failed-elements inbox, newest failure first (145 -> 0.2 ms); the dashboard's "
        "failures per queue, covering",
    ),
    IndexSpec(
        f"{PREFIX}jobs_start",
        "Jobs",
        ("start_time",),
        "the jobs list, newest first (41 -> 0.1 ms)",
    ),
    IndexSpec(
        f"{PREFIX}jobs_process_start",
        "Jobs",
        ("process_name", "start_time"),
        "a process's job history on trigger pages (quiet process 6.7 -> 0.05 ms)",
    ),
    IndexSpec(
        f"{PREFIX}jobs_status_start",
        "Jobs",
        ("status", "start_time"),
        "the dashboard's running jobs and stuck-trigger check (1.9-4.9 -> 0.02 ms)",
    ),
)

TABLES = tuple(dict.fromkeys(spec.table for spec in RECOMMENDED))

WARNING = (
    "These indexes are not part of OpenOrchestrator's schema: its alembic migrations do not know "
    "them. They are additive and safe (OpenOrchestrator never refers to them, and an upgrade leaves "
    "them alone), and `manage.py orchestrator_indexes --drop` removes exactly these again."
)


def _quote(name: str, vendor: str) -> str:
    if vendor == "microsoft":
        return f"[{name}]"
    return f'"{name}"'


def _mssql_index_lookup(name: str, table: str) -> str:
    where = f"name = N'{name}' AND object_id = OBJECT_ID(N'dbo.{table}')"
    return "SELECT 1 FROM sys.indexes WHERE " + where  # noqa: S608 - constant names


def create_sql(spec: IndexSpec, vendor: str) -> str:
    """The CREATE INDEX statement for one backend; idempotent where the backend allows it."""
    columns = ", ".join(_quote(column, vendor) for column in spec.columns)
    table = _quote(spec.table, vendor)
    name = _quote(spec.name, vendor)
    if vendor == "microsoft":
        # Names are constants of this module, never user input.
        return (
            f"IF NOT EXISTS ({_mssql_index_lookup(spec.name, spec.table)}) "
            f"CREATE NONCLUSTERED INDEX {name} ON [dbo].{table} ({columns})"
        )
    if vendor == "postgresql":
        # CONCURRENTLY: OpenOrchestrator keeps writing logs while the index builds.
        return f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} ({columns})"
    if vendor == "sqlite":
        return f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"
    raise ValueError(f"Unsupported database backend: {vendor}")


def drop_sql(name: str, table: str, vendor: str) -> str:
    if vendor == "microsoft":
        # `name` comes from the catalog and has the ix_console_ prefix.
        return (
            f"IF EXISTS ({_mssql_index_lookup(name, table)}) DROP INDEX [{name}] ON [dbo].[{table}]"
        )
    if vendor == "postgresql":
        return f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"'
    if vendor == "sqlite":
        return f'DROP INDEX IF EXISTS "{name}"'
    raise ValueError(f"Unsupported database backend: {vendor}")


def analyze_sql(vendor: str) -> list[str]:
    """Fresh planner statistics after a change; SQL Server updates its own when indexes are built."""
    if vendor == "sqlite":
        return ["ANALYZE"]
    if vendor == "postgresql":
        return [f'ANALYZE "{table}"' for table in TABLES]
    return []


@dataclass(frozen=True)
class IndexState:
    spec: IndexSpec
    existing: str | None  # the name of the index that serves it, if any
    # An index of the spec's name with other columns: an earlier version of the spec, which
    # --apply replaces (it serves nothing the spec promises).
    outdated: bool = False

    @property
    def present(self) -> bool:
        return self.existing is not None


_INDEX_COLUMNS_SQL = {
    "sqlite": (
        "SELECT il.name, ii.name FROM pragma_index_list(%s) AS il, "
        "pragma_index_info(il.name) AS ii ORDER BY il.name, ii.seqno"
    ),
    "postgresql": (
        "SELECT i.relname, a.attname FROM pg_index x "
        "JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
        "WHERE t.relname = %s AND n.nspname = ANY(current_schemas(false)) "
        "ORDER BY i.relname, k.ord"
    ),
    "microsoft": (
        "SELECT i.name, c.name FROM sys.indexes i "
        "JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id "
        "AND ic.is_included_column = 0 "
        "JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id "
        "WHERE i.object_id = OBJECT_ID('dbo.' + %s) ORDER BY i.name, ic.key_ordinal"
    ),
}


def _table_indexes(connection, table: str) -> dict[str, list[str]]:
    """{index name: key columns in order} of one table, read from the backend's catalog.

    One plain query on the given connection (Django's introspection would also run feature checks
    through the shared alias, which a page's query count would notice).
    """
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_INDEX_COLUMNS_SQL[connection.vendor], [table])
        for name, column in cursor.fetchall():
            found.setdefault(name, []).append(column)
    return found


def inspect(alias: str | None = None, *, connection=None) -> list[IndexState]:
    """Each recommended index and the existing index that serves it (same leading columns)."""
    connection = connection or connections[alias or settings.ORCHESTRATOR_DB]
    by_table = {table: _table_indexes(connection, table) for table in TABLES}
    states = []
    for spec in RECOMMENDED:
        found = by_table[spec.table]
        width = len(spec.columns)
        serving = [
            name
            for name, columns in found.items()
            if tuple(c.lower() for c in columns[:width]) == spec.columns
        ]
        existing = spec.name if spec.name in serving else next(iter(serving), None)
        outdated = spec.name in found and spec.name not in serving
        states.append(IndexState(spec, existing, outdated))
    return states


def managed_existing(alias: str | None = None) -> list[tuple[str, str]]:
    """(name, table) of every `ix_console_*` index on OpenOrchestrator's tables, current or retired."""
    from orchestrator_site.oo_schema import TABLES as OO_TABLES

    connection = connections[alias or settings.ORCHESTRATOR_DB]
    found = []
    for table in OO_TABLES:
        for name in _table_indexes(connection, table):
            if name.lower().startswith(PREFIX):
                found.append((name, table))
    return found


def apply(alias: str | None = None) -> list[str]:
    """Create the missing recommended indexes (then refresh statistics); return their names."""
    alias = alias or settings.ORCHESTRATOR_DB
    connection = connections[alias]
    created = []
    for state in inspect(alias):
        if state.present:
            continue
        with connection.cursor() as cursor:
            if state.outdated:  # the same name, earlier columns: rebuilt
                cursor.execute(drop_sql(state.spec.name, state.spec.table, connection.vendor))
            cursor.execute(create_sql(state.spec, connection.vendor))
        created.append(state.spec.name)
    if created:
        with connection.cursor() as cursor:
            for statement in analyze_sql(connection.vendor):
                cursor.execute(statement)
    forget()
    return created


def drop(alias: str | None = None) -> list[str]:
    """Drop every `ix_console_*` index, and nothing else; return their names."""
    alias = alias or settings.ORCHESTRATOR_DB
    connection = connections[alias]
    dropped = []
    for name, table in managed_existing(alias):
        with connection.cursor() as cursor:
            cursor.execute(drop_sql(name, table, connection.vendor))
        dropped.append(name)
    forget()
    return dropped


def missing_indexes() -> list[IndexSpec]:
    """The recommended indexes the configured database lacks; cached for CACHE_SECONDS.

    Cheap enough for every page of an administrator: one catalog introspection of three tables
    per CACHE_SECONDS per process, on a connection of its own (so it never shows up in, or
    disturbs, the page's own queries and transaction). Any failure (database down, no right to
    read the catalog) means "nothing to say": the notice is a hint, never a reason to break a page.
    """
    try:
        return list(ttlcache.cached(_CACHE_KEY, CACHE_SECONDS, _inspect_missing))
    except Exception:  # noqa: BLE001 - a failure is not kept: the next page asks again
        logger.debug("Could not inspect OpenOrchestrator's indexes", exc_info=True)
        return []


def present(name: str) -> bool:
    """Whether the recommended index `name` exists (as far as missing_indexes() can tell): a page
    skips an extra that would scan a whole table without it."""
    return name not in {spec.name for spec in missing_indexes()}


def _inspect_missing() -> tuple[IndexSpec, ...]:
    connection = connections.create_connection(settings.ORCHESTRATOR_DB)
    try:
        return tuple(state.spec for state in inspect(connection=connection) if not state.present)
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001, S110 - closing a connection that never opened
            pass


def forget() -> None:
    ttlcache.forget(_CACHE_KEY)
