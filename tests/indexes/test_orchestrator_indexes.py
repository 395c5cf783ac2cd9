"""`manage.py orchestrator_indexes` and `missing_indexes()`, on the test database (SQLite or PostgreSQL)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext

from orchestrator_site import indexes
from orchestrator_site.oo_schema import TABLES
from tests.helpers import oo_tx


def schema() -> dict:
    """Every index and constraint of OpenOrchestrator's tables, as the backend reports them."""
    connection = connections["orchestrator"]
    with connection.cursor() as cursor:
        return {table: connection.introspection.get_constraints(cursor, table) for table in TABLES}


def run(*args: str) -> str:
    out = StringIO()
    call_command("orchestrator_indexes", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def clean_indexes(request):
    """Each database test starts and ends without console indexes and with an empty cache."""
    indexes.forget()
    yield
    if request.node.get_closest_marker("django_db"):
        indexes.drop()
    indexes.forget()


@oo_tx
def test_it_shows_the_statements_and_that_they_are_missing():
    vendor = connections["orchestrator"].vendor
    printed = run()
    assert f"Recommended indexes for the {vendor} backend" in printed
    for spec in indexes.RECOMMENDED:
        assert indexes.create_sql(spec, vendor) + ";" in printed
        assert spec.speeds_up in printed
    assert printed.count("MISSING") == len(indexes.RECOMMENDED)
    assert "Run with --apply" in printed and "alembic migrations do not know" in printed


@oo_tx
def test_apply_then_drop_leaves_the_schema_as_it_was():
    before = schema()

    printed = run("--apply")
    assert "alembic migrations do not know them" in printed and "additive and safe" in printed
    assert f"Created {len(indexes.RECOMMENDED)} index(es)" in printed
    names = {name for table in schema().values() for name in table}
    assert {spec.name for spec in indexes.RECOMMENDED} <= names
    assert "present" in run() and "MISSING" not in run()
    assert "Nothing to do" in run("--apply")

    printed = run("--drop")
    assert f"Dropped {len(indexes.RECOMMENDED)} ix_console_* index(es)" in printed
    assert schema() == before


@oo_tx
def test_drop_removes_only_the_indexes_it_manages():
    with connections["orchestrator"].cursor() as cursor:
        cursor.execute('CREATE INDEX "ix_dba_logs_time" ON "Logs" (log_time)')
        cursor.execute('CREATE INDEX "ix_console_retired" ON "Jobs" (end_time)')
    try:
        printed = run("--drop")
        assert "Dropped ix_console_retired" in printed
        remaining = schema()
        assert "ix_dba_logs_time" in remaining["Logs"]
        assert "ix_console_retired" not in remaining["Jobs"]
        assert "ix_Queues_queue_name" in remaining["Queues"]  # OpenOrchestrator's own
    finally:
        with connections["orchestrator"].cursor() as cursor:
            cursor.execute('DROP INDEX IF EXISTS "ix_dba_logs_time"')


@oo_tx
def test_an_equivalent_existing_index_counts_as_present():
    with connections["orchestrator"].cursor() as cursor:
        cursor.execute('CREATE INDEX "ix_dba_jobs" ON "Jobs" (start_time, status)')
    try:
        printed = run()
        assert "Jobs(start_time): served by existing index ix_dba_jobs" in printed
        run("--apply")
        assert "ix_console_jobs_start" not in {n for t in schema().values() for n in t}
    finally:
        with connections["orchestrator"].cursor() as cursor:
            cursor.execute('DROP INDEX IF EXISTS "ix_dba_jobs"')


@oo_tx
def test_missing_indexes_is_cached_and_forgotten_after_apply():
    # Its own connection: the page's queries on the orchestrator alias are not touched.
    with CaptureQueriesContext(connections["orchestrator"]) as queries:
        assert [spec.name for spec in indexes.missing_indexes()] == [
            spec.name for spec in indexes.RECOMMENDED
        ]
    assert len(queries) == 0, queries.captured_queries

    def no_database(*args, **kwargs):
        raise AssertionError("cached: no introspection expected")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indexes, "inspect", no_database)
        assert len(indexes.missing_indexes()) == len(indexes.RECOMMENDED)
    indexes.apply()
    assert indexes.missing_indexes() == []


@oo_tx
def test_missing_indexes_says_nothing_when_the_database_fails(monkeypatch):
    def broken(alias=None):
        raise RuntimeError("catalog not readable")

    monkeypatch.setattr(indexes, "inspect", broken)
    assert indexes.missing_indexes() == []


# --- Statements per backend (SQL Server as text only) -------------------------------------------


def spec(name: str) -> indexes.IndexSpec:
    return next(s for s in indexes.RECOMMENDED if s.name == name)


def test_sql_server_statements():
    logs = spec("ix_console_logs_process_time")
    assert indexes.create_sql(logs, "microsoft") == (
        "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_console_logs_process_time' "
        "AND object_id = OBJECT_ID(N'dbo.Logs')) "
        "CREATE NONCLUSTERED INDEX [ix_console_logs_process_time] ON [dbo].[Logs] "
        "([process_name], [log_time])"
    )
    assert indexes.drop_sql("ix_console_logs_process_time", "Logs", "microsoft") == (
        "IF EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_console_logs_process_time' "
        "AND object_id = OBJECT_ID(N'dbo.Logs')) "
        "DROP INDEX [ix_console_logs_process_time] ON [dbo].[Logs]"
    )
    assert indexes.analyze_sql("microsoft") == []


def test_postgresql_and_sqlite_statements():
    queues = spec("ix_console_queues_name_status_dates")
    assert indexes.create_sql(queues, "postgresql") == (
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "ix_console_queues_name_status_dates" '
        'ON "Queues" ("queue_name", "status", "created_date", "start_date", "end_date")'
    )
    assert indexes.create_sql(queues, "sqlite") == (
        'CREATE INDEX IF NOT EXISTS "ix_console_queues_name_status_dates" '
        'ON "Queues" ("queue_name", "status", "created_date", "start_date", "end_date")'
    )
    assert indexes.drop_sql("ix_console_x", "Logs", "postgresql") == (
        'DROP INDEX CONCURRENTLY IF EXISTS "ix_console_x"'
    )
    assert indexes.analyze_sql("sqlite") == ["ANALYZE"]
    with pytest.raises(ValueError, match="Unsupported"):
        indexes.create_sql(queues, "oracle")


def test_every_managed_name_has_the_prefix_and_fits_every_backend():
    for index in indexes.RECOMMENDED:
        assert index.name.startswith(indexes.PREFIX) and len(index.name) <= 63
        assert index.table in TABLES


@oo_tx
def test_an_index_of_an_earlier_definition_is_rebuilt_by_apply():
    """A site that applied the indexes before a spec gained a column keeps the old index under
    the same name: it is reported as outdated, counted as missing, and --apply rebuilds it."""
    spec = next(s for s in indexes.RECOMMENDED if s.name == "ix_console_queues_status_end")
    assert len(spec.columns) > 2
    with connections["orchestrator"].cursor() as cursor:
        cursor.execute(f'CREATE INDEX "{spec.name}" ON "Queues" (status, end_date)')
    printed = run()
    assert f"OUTDATED: {spec.name} has other columns; --apply rebuilds it" in printed
    assert spec in indexes.missing_indexes()
    run("--apply")
    columns = schema()["Queues"][spec.name]["columns"]
    assert [c.lower() for c in columns] == list(spec.columns)
    indexes.forget()
    assert spec not in indexes.missing_indexes()
    assert "OUTDATED" not in run() and "MISSING" not in run()
