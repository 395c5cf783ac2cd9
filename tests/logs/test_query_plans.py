"""The list queries are shaped so that the recommended indexes serve them (see logs/queries.py).

Each test creates the index inside its own rolled-back transaction (DDL is transactional on SQLite
and PostgreSQL), so OpenOrchestrator's schema is unchanged for every other test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from logs.filters import LogFilter
from logs.models import Log
from logs.queries import process_overview
from tests.helpers import NOW, make_log, oo_db

INDEXES = {
    "ix_test_logs_process_time": ("Logs", "process_name, log_time"),
    "ix_test_logs_job": ("Logs", "job_id"),
    "ix_test_logs_process_level_time": ("Logs", "process_name, log_level, log_time"),
}


@pytest.fixture
def plan():
    connection = connections["orchestrator"]
    with connection.cursor() as cursor:
        for name, (table, columns) in INDEXES.items():
            cursor.execute(f'CREATE INDEX "{name}" ON "{table}" ({columns})')
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: force the choice
        else:
            cursor.execute("ANALYZE")

    def explain(queryset) -> str:
        sql, params = queryset.query.sql_with_params()
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())

    return explain


def process_page(query: dict):
    filterset = LogFilter(query, queryset=Log.objects.filter(process_name="Proc A"))
    assert filterset.is_valid()
    return filterset.qs.order_by("-log_time")[:51]


@oo_db
def test_the_process_page_walks_the_process_time_index(plan):
    make_log()
    text = plan(process_page({}))
    assert "ix_test_logs_process_time" in text
    assert "TEMP B-TREE" not in text and "Sort" not in text  # no sort of the process's rows


@oo_db
def test_a_text_search_stays_inside_the_process_and_window(plan):
    make_log(at=NOW - dt.timedelta(days=1))
    text = plan(process_page({"text": "timeout", "level": ["ERROR"]}))
    assert "ix_test_logs_process" in text


@oo_db
def test_a_jobs_logs_use_the_job_index(plan):
    text = plan(Log.objects.filter(job_id="0" * 32).order_by("log_time"))
    assert "ix_test_logs_job" in text


@oo_db
@pytest.mark.sqlite_only
def test_the_overview_reads_only_the_covering_index_on_sqlite(plan):
    make_log()
    with CaptureQueriesContext(connections["orchestrator"]) as captured:
        process_overview()  # the cache is empty at the start of every test (conftest)
    (sql,) = [q["sql"] for q in captured.captured_queries if '"Logs"' in q["sql"]]
    with connections["orchestrator"].cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        text = " ".join(str(c) for row in cursor.fetchall() for c in row)
    assert "COVERING INDEX ix_test_logs_process_level_time" in text


def search_rows(query: dict):
    from logs.filters import SearchFilter
    from logs.queries import SearchRows

    filterset = SearchFilter(query, queryset=Log.objects.all())
    assert filterset.is_valid()
    return filterset, SearchRows(
        filterset.qs, levels=filterset.levels(), process=bool(query.get("process"))
    )


def with_level_time_index() -> None:
    connection = connections["orchestrator"]
    with connection.cursor() as cursor:
        cursor.execute('CREATE INDEX "ix_test_logs_level_time" ON "Logs" (log_level, log_time)')
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")


def sixty_days_of_logs() -> None:
    """Enough rows over enough time that a week is a small part of the table, as it is in use."""
    for i in range(300):
        level = ("TRACE", "INFO", "ERROR")[i % 3]
        make_log(f"Proc {i % 5}", level=level, at=NOW - dt.timedelta(hours=i * 4.8))


@oo_db
def test_the_search_reads_each_level_newest_first_from_an_index(plan):
    sixty_days_of_logs()
    with_level_time_index()
    _, rows = search_rows({"text": "timeout"})
    text = plan(rows.level_keys("TRACE", 51))
    assert "ix_test_logs_level_time" in text
    assert "TEMP B-TREE" not in text and "Sort" not in text  # read in order, stopped at 51
    _, rows = search_rows({"process": "Proc A", "level": ["ERROR", "INFO"]})
    text = plan(rows.level_keys("ERROR", 51))
    assert "ix_test_logs_process_level_time" in text
    assert "TEMP B-TREE" not in text and "Sort" not in text


@oo_db
def test_the_search_count_is_a_range_of_the_level_index(plan):
    sixty_days_of_logs()
    with_level_time_index()
    filterset, _ = search_rows({})
    # What capped_count runs: the matching rows up to the cap, counted.
    text = plan(filterset.qs.values("log_time").order_by()[:10001])
    assert "ix_test_logs_level_time" in text or "ix_test_logs_process_level_time" in text
    assert "SCAN Logs" not in text and "Seq Scan" not in text
    if connections["orchestrator"].vendor == "sqlite":
        assert "COVERING INDEX" in text  # counted from the index alone
