"""The reference each heavy page is judged against: plain SQL timed in the same run.

A straightforward console shows a list page by reading all columns of the newest rows for the
filter and running the COUNT(*) a classic paginator runs; an overview by grouping the whole table.
bench/run.py runs exactly that here, with the database driver itself (sqlite3 or psycopg, no Django,
no HTTP, no HTML) against the same database, with the same warm-up and the same median/p95 method as
the pages, so that a page is compared with a figure measured on the same machine at the same moment,
never with a number typed in from elsewhere. The reference does less work than the page (it renders
nothing, sends nothing); a page that beats it does so by asking the database for less.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bench import generate, harness, pages

PAGE_SIZE = 50  # the console's default rows per page (orchestrator_site.paging)
DASHBOARD_HOURS = 48  # CONSOLE_DASHBOARD_HOURS' default


@dataclass(frozen=True)
class Reference:
    what: str  # said beside the figure, so nobody mistakes it for another console's time
    statements: tuple[str, ...]  # SQL with :name parameters (process, queue, since, text)


def _newest(table: str, where: str, order: str) -> tuple[str, str]:
    return (
        f'SELECT * FROM "{table}" WHERE {where} ORDER BY {order} DESC LIMIT {PAGE_SIZE}',
        f'SELECT COUNT(*) FROM "{table}" WHERE {where}',
    )


_LOGS = "process_name = :process"
_QUEUE = "queue_name = :queue"
REFERENCES: dict[str, Reference] = {
    "dashboard": Reference(
        f"newest {PAGE_SIZE} ERROR logs and FAILED elements of {DASHBOARD_HOURS} h, SELECT * + COUNT(*)",
        _newest("Logs", "log_level = 'ERROR' AND log_time >= :since", "log_time")
        + _newest("Queues", "status = 'FAILED' AND end_date >= :since", "end_date"),
    ),
    "logs": Reference(
        "GROUP BY process_name over all logs: count, errors, newest",
        (
            "SELECT process_name, COUNT(*), SUM(CASE WHEN log_level = 'ERROR' THEN 1 ELSE 0 END), "
            'MAX(log_time) FROM "Logs" GROUP BY process_name ORDER BY process_name',
        ),
    ),
    "plogs": Reference(
        f"newest {PAGE_SIZE} logs of the process, SELECT * + COUNT(*)",
        _newest("Logs", _LOGS, "log_time"),
    ),
    "plogs_err": Reference(
        f"newest {PAGE_SIZE} ERROR logs of the process, SELECT * + COUNT(*)",
        _newest("Logs", _LOGS + " AND log_level = 'ERROR'", "log_time"),
    ),
    "plogs_txt": Reference(
        f"newest {PAGE_SIZE} logs of the process containing the text, SELECT * + COUNT(*)",
        _newest("Logs", _LOGS + " AND log_message LIKE :text", "log_time"),
    ),
    "queues": Reference(
        "GROUP BY queue_name, status over all elements",
        (
            'SELECT queue_name, status, COUNT(*) FROM "Queues" GROUP BY queue_name, status '
            "ORDER BY queue_name",
        ),
    ),
    "queue": Reference(
        f"newest {PAGE_SIZE} elements of the queue, SELECT * + COUNT(*)",
        _newest("Queues", _QUEUE, "created_date"),
    ),
    "queue_failed": Reference(
        f"newest {PAGE_SIZE} FAILED elements of the queue, SELECT * + COUNT(*)",
        _newest("Queues", _QUEUE + " AND status = 'FAILED'", "created_date"),
    ),
    "inbox": Reference(
        f"newest {PAGE_SIZE} FAILED elements of all queues, SELECT * + COUNT(*)",
        _newest("Queues", "status = 'FAILED'", "end_date"),
    ),
}
assert set(REFERENCES) <= {p.key for p in pages.PAGES}, "a reference for a page that is not timed"


def parameters(now: dt.datetime, backend: str) -> dict[str, object]:
    since = now - dt.timedelta(hours=DASHBOARD_HOURS)
    return {
        "process": pages.BUSIEST_PROCESS,
        "queue": pages.BUSIEST_QUEUE,
        "text": f"%{pages.SEARCH_TEXT}%",
        # OpenOrchestrator's SQLite text format; PostgreSQL compares timestamps.
        "since": since.strftime("%Y-%m-%d %H:%M:%S.%f") if backend == "sqlite" else since,
    }


_NAMED = re.compile(r":([a-z]+)")


@contextlib.contextmanager
def connect(url: str) -> Iterator[Callable[[str, dict], list]]:
    """A function that runs one statement and fetches all its rows, on one kept connection."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:

            def run_sqlite(sql: str, params: dict) -> list:
                return connection.execute(sql, params).fetchall()

            yield run_sqlite
        return
    import psycopg

    with psycopg.connect(generate._pg_conninfo(url), autocommit=True) as connection:

        def run_pg(sql: str, params: dict) -> list:
            return connection.execute(_NAMED.sub(r"%(\1)s", sql), params).fetchall()  # type: ignore[arg-type]

        yield run_pg


def measure(
    url: str, backend: str, now: dt.datetime, *, warmup: int, requests: int
) -> dict[str, dict]:
    """{page key: {what, median_ms, p95_ms, n}} for every reference, timed as the pages are."""
    params = parameters(now, backend)
    results = {}
    with connect(url) as run:
        for key, reference in REFERENCES.items():
            times = []
            for i in range(warmup + requests):
                started = time.perf_counter()
                for sql in reference.statements:
                    run(sql, params)
                if i >= warmup:
                    times.append((time.perf_counter() - started) * 1000)
            results[key] = {
                "what": reference.what,
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(harness.percentile(times, 95), 2),
                "n": len(times),
            }
    return results
