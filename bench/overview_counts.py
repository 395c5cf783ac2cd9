"""What one recount of the logs and queues overviews costs the server, with the plans of its queries.

    .venv/bin/python bench/overview_counts.py bench/out/oo-small.sqlite3 bench/out/oo-small-idx.sqlite3

For each database (a file bench/generate.py made): the median wall and CPU time of a full count of
each overview, and of the periodic refresh of the logs overview after a full count, each run
--repeat times in this process, then EXPLAIN QUERY PLAN (EXPLAIN on PostgreSQL) of every query.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess  # noqa: S404
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402


def timed(work: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `work`."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def plans(work: Callable[[], Any]) -> list[str]:
    """The plan of each query `work` runs on OpenOrchestrator's database."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    connection = connections["orchestrator"]
    with CaptureQueriesContext(connection) as captured:
        work()
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    out = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(explain + query["sql"])
            lines = [" | ".join(str(c) for c in row) for row in cursor.fetchall()]
            out.append(query["sql"] + "\n    " + "\n    ".join(lines))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("databases", nargs="+", help="SQLite files, or one PostgreSQL URL")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    if len(args.databases) > 1:
        # Django's settings are read once per process: each database in a process of its own.
        for database in args.databases:
            subprocess.run(
                [sys.executable, __file__, database, "--repeat", str(args.repeat)], check=True
            )
        return 0
    database = args.databases[0]
    url = database if "://" in database else f"sqlite:///{Path(database).resolve()}"
    os.environ.update(generate.console_env(url, var_dir=tempfile.mkdtemp(prefix="oo-overview-")))
    os.environ["CONSOLE_OVERVIEW_CACHE_SECONDS"] = "0"  # count, never serve a snapshot
    import django

    django.setup()
    measure(database, args.repeat)
    return 0


def measure(name: str, repeat: int) -> None:
    from logs import queries as log_queries
    from queues import models as queue_models

    works: dict[str, Callable[[], Any]] = {
        "logs overview, full count": log_queries.count_processes,
        "queues overview, full count": queue_models.count_queues,
    }
    refresh = getattr(log_queries, "refresh_counts", None)
    if refresh is not None:
        counted = log_queries.count_processes()
        works["logs overview, refresh of a full count"] = lambda: refresh(counted)
    print(f"== {name} (load average {os.getloadavg()[0]:.2f})")
    for label, work in works.items():
        work()  # warm the page cache
        wall, cpu = timed(work, repeat)
        print(f"{label}: wall {wall:.1f} ms, CPU {cpu:.1f} ms (median of {repeat})")
    for label, work in works.items():
        print(f"-- plans: {label}")
        for plan in plans(work):
            print(plan)


if __name__ == "__main__":
    sys.exit(main())
