"""Time the console pages' queries on a generated SQLite database, without and with each index.

    .venv/bin/python bench/generate.py --size large --output /tmp/idxbench/oo-large.sqlite3
    .venv/bin/python bench/index_timings.py /tmp/idxbench/oo-large.sqlite3

Works on a copy of the file (the original is not changed). For every configuration (OpenOrchestrator's
own indexes only, then each candidate index alone, then all the recommended ones) it runs ANALYZE,
then each query `--repeat` times after one warm-up run, and prints the median in milliseconds and
the index the planner chose. It also prints each index's build time and size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orchestrator_site.indexes import RECOMMENDED  # noqa: E402

CANDIDATES = {
    "logs(process_name,log_time)": ("Logs", "process_name, log_time"),
    "logs(process_name,log_level,log_time)": ("Logs", "process_name, log_level, log_time"),
    "logs(log_level,log_time)": ("Logs", "log_level, log_time"),
    "logs(job_id)": ("Logs", "job_id"),
    "logs(log_time)": ("Logs", "log_time"),
    "queues(queue_name,status,created_date)": ("Queues", "queue_name, status, created_date"),
    "queues(queue_name,created_date)": ("Queues", "queue_name, created_date"),
    "queues(status,end_date)": ("Queues", "status, end_date"),
    "jobs(start_time)": ("Jobs", "start_time"),
    "jobs(process_name,start_time)": ("Jobs", "process_name, start_time"),
    "jobs(status,start_time)": ("Jobs", "status, start_time"),
}

LOG_COLUMNS = "id, log_time, log_level, process_name, job_id, log_message"
QUEUE_COLUMNS = (
    "id, queue_name, status, data, reference, created_date, start_date, end_date, message, "
    "created_by"
)


def queries(db: sqlite3.Connection, now: dt.datetime) -> dict[str, tuple[str, tuple]]:
    by_size = db.execute(
        "SELECT process_name FROM Logs GROUP BY process_name ORDER BY COUNT(*) DESC"
    ).fetchall()
    busiest, quiet = by_size[0][0], by_size[-1][0]
    job_id = db.execute(
        "SELECT job_id FROM Logs WHERE job_id IS NOT NULL GROUP BY job_id "
        "ORDER BY COUNT(*) DESC LIMIT 1"
    ).fetchone()[0]
    quiet_job = db.execute(
        "SELECT process_name FROM Jobs GROUP BY process_name ORDER BY COUNT(*) LIMIT 1"
    ).fetchone()[0]
    queue = db.execute(
        "SELECT queue_name FROM Queues GROUP BY queue_name ORDER BY COUNT(*) DESC LIMIT 1"
    ).fetchone()[0]
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    window = (now - dt.timedelta(hours=48)).strftime(fmt)
    week = (now - dt.timedelta(days=7)).strftime(fmt)
    day_ago = (now - dt.timedelta(hours=24)).strftime(fmt)
    return {
        "process page, busiest (51 newest)": (
            f"SELECT {LOG_COLUMNS} FROM Logs WHERE process_name = ? "
            "ORDER BY log_time DESC LIMIT 51",
            (busiest,),
        ),
        "process page, quietest (51 newest)": (
            f"SELECT {LOG_COLUMNS} FROM Logs WHERE process_name = ? "
            "ORDER BY log_time DESC LIMIT 51",
            (quiet,),
        ),
        "process page, busiest, ERROR only": (
            f"SELECT {LOG_COLUMNS} FROM Logs WHERE process_name = ? AND log_level = 'ERROR' "
            "ORDER BY log_time DESC LIMIT 51",
            (busiest,),
        ),
        "logs overview (GROUP BY process, level counts)": (
            "SELECT process_name, "
            "COUNT(CASE WHEN log_level = 'TRACE' THEN log_level END), "
            "COUNT(CASE WHEN log_level = 'INFO' THEN log_level END), "
            "COUNT(CASE WHEN log_level = 'ERROR' THEN log_level END), "
            "COUNT(CASE WHEN log_level = 'ERROR' AND log_time >= ? THEN log_level END), "
            "MAX(log_time) FROM Logs GROUP BY process_name",
            (day_ago,),
        ),
        "dashboard: recent errors (48 h, 50 newest)": (
            f"SELECT {LOG_COLUMNS} FROM Logs WHERE log_level = 'ERROR' AND log_time >= ? "
            "ORDER BY log_time DESC LIMIT 50",
            (window,),
        ),
        "job detail: a job's logs": (
            f"SELECT {LOG_COLUMNS} FROM Logs WHERE job_id = ? ORDER BY log_time LIMIT 501",
            (job_id,),
        ),
        "purge: logs older than 7 days (count)": (
            "SELECT COUNT(*) FROM Logs WHERE log_time < ?",
            (week,),
        ),
        "queue page: one queue, status NEW, newest": (
            f"SELECT {QUEUE_COLUMNS} FROM Queues WHERE queue_name = ? AND status = 'NEW' "
            "ORDER BY created_date DESC LIMIT 51",
            (queue,),
        ),
        "queue page: one queue, status FAILED, newest": (
            f"SELECT {QUEUE_COLUMNS} FROM Queues WHERE queue_name = ? AND status = 'FAILED' "
            "ORDER BY created_date DESC LIMIT 51",
            (queue,),
        ),
        "queue page: one queue, no filter, newest": (
            f"SELECT {QUEUE_COLUMNS} FROM Queues WHERE queue_name = ? "
            "ORDER BY created_date DESC LIMIT 51",
            (queue,),
        ),
        "dashboard: FAILED in window (end_date)": (
            f"SELECT {QUEUE_COLUMNS} FROM Queues WHERE status = 'FAILED' AND "
            "(end_date >= ? OR (end_date IS NULL AND created_date >= ?)) "
            "ORDER BY created_date DESC LIMIT 501",
            (window, window),
        ),
        "inbox: FAILED newest end_date": (
            f"SELECT {QUEUE_COLUMNS} FROM Queues WHERE status = 'FAILED' "
            "ORDER BY end_date DESC NULLS LAST, id DESC LIMIT 50",
            (),
        ),
        "throughput: DONE/FAILED per day, 14 days": (
            "SELECT date(end_date), status, COUNT(id) FROM Queues "
            "WHERE status IN ('DONE', 'FAILED') AND end_date >= ? "
            "GROUP BY date(end_date), status",
            ((now - dt.timedelta(days=14)).strftime(fmt),),
        ),
        "queue overview (GROUP BY queue, status)": (
            "SELECT queue_name, status, COUNT(id), MAX(created_date), MAX(start_date), "
            "MAX(end_date) FROM Queues GROUP BY queue_name, status",
            (),
        ),
        "jobs list (51 newest)": (
            "SELECT id, process_name, scheduler_name, status, start_time, end_time FROM Jobs "
            "ORDER BY start_time DESC LIMIT 51",
            (),
        ),
        "a process's jobs (20 newest)": (
            "SELECT id, process_name, scheduler_name, status, start_time, end_time FROM Jobs "
            "WHERE process_name = ? ORDER BY start_time DESC LIMIT 20",
            (busiest,),
        ),
        "dashboard: running jobs (100 oldest)": (
            "SELECT id, process_name, scheduler_name, status, start_time, end_time FROM Jobs "
            "WHERE status = 'RUNNING' ORDER BY start_time LIMIT 100",
            (),
        ),
        "dashboard: running jobs of the active triggers' processes": (
            "SELECT id, process_name, scheduler_name, status, start_time, end_time FROM Jobs "
            "WHERE status = 'RUNNING' AND process_name IN "
            "(SELECT process_name FROM Triggers WHERE process_status IN "
            "('RUNNING', 'PAUSING', 'KILLING')) ORDER BY start_time DESC LIMIT 2000",
            (),
        ),
        "a quiet process's jobs (20 newest)": (
            "SELECT id, process_name, scheduler_name, status, start_time, end_time FROM Jobs "
            "WHERE process_name = ? ORDER BY start_time DESC LIMIT 20",
            (quiet_job,),
        ),
    }


def uses_index(db: sqlite3.Connection, sql: str, params: tuple) -> bool:
    return any("bench_" in row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def timed(db: sqlite3.Connection, sql: str, params: tuple, repeat: int) -> tuple[float, str]:
    db.execute(sql, params).fetchall()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        db.execute(sql, params).fetchall()
        samples.append((time.perf_counter() - started) * 1000)
    plan = " / ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    return statistics.median(samples), plan


def used_pages(db: sqlite3.Connection) -> int:
    total = db.execute("PRAGMA page_count").fetchone()[0]
    return total - db.execute("PRAGMA freelist_count").fetchone()[0]


def insert_cost(db: sqlite3.Connection, rows: int = 20_000) -> float:
    """Milliseconds to insert `rows` logs like robots do (then rolled back): the indexes' write cost."""
    import uuid

    processes = [row[0] for row in db.execute("SELECT DISTINCT process_name FROM Logs LIMIT 20")]
    start = dt.datetime(2026, 11, 26, 12, 0)
    values = [
        (
            uuid.uuid4().hex,
            (start + dt.timedelta(milliseconds=i)).strftime("%Y-%m-%d %H:%M:%S.%f"),
            ("TRACE", "INFO", "ERROR")[i % 3],
            processes[i % len(processes)],
            uuid.uuid4().hex if i % 2 else None,
            f"message {i}",
        )
        for i in range(rows)
    ]
    db.execute("BEGIN")
    started = time.perf_counter()
    db.executemany(f"INSERT INTO Logs ({LOG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", values)
    elapsed = (time.perf_counter() - started) * 1000
    db.execute("ROLLBACK")
    return elapsed


def drop_console_indexes(db: sqlite3.Connection) -> None:
    for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'bench_%' "
        "OR name LIKE 'ix_console_%'"
    ).fetchall():
        db.execute(f'DROP INDEX "{name}"')


def build(db: sqlite3.Connection, indexes: dict[str, tuple[str, str]]) -> dict[str, float]:
    seconds = {}
    for number, (label, (table, columns)) in enumerate(indexes.items()):
        started = time.perf_counter()
        db.execute(f'CREATE INDEX "bench_{number}" ON "{table}" ({columns})')
        seconds[label] = time.perf_counter() - started
    db.execute("ANALYZE")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--now", default="2026-11-26 12:00:00", help="the generator's 'now'")
    parser.add_argument("--plans", action="store_true", help="print the query plans too")
    parser.add_argument(
        "--only", nargs="+", metavar="TEXT", help="time only the candidates whose label has TEXT"
    )
    args = parser.parse_args()
    now = dt.datetime.fromisoformat(args.now)

    workdir = Path(tempfile.mkdtemp(prefix="index-timings-"))
    path = workdir / "work.sqlite3"
    shutil.copyfile(args.database, path)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        drop_console_indexes(db)
        qs = queries(db, now)
        recommended = {
            f"{spec.table.lower()}({','.join(spec.columns)})": (spec.table, ", ".join(spec.columns))
            for spec in RECOMMENDED
        }
        configs: dict[str, dict[str, tuple[str, str]]] = {"baseline (OO indexes only)": {}}
        configs.update(
            {
                label: {label: spec}
                for label, spec in CANDIDATES.items()
                if not args.only or any(text in label for text in args.only)
            }
        )
        configs["all recommended"] = recommended
        results: dict[str, dict[str, tuple[float, str]]] = {}
        for config, chosen in configs.items():
            drop_console_indexes(db)
            pages_before = used_pages(db)
            seconds = build(db, chosen)
            pages = used_pages(db) - pages_before
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
            if chosen:
                print(
                    f"# {config}: built in {sum(seconds.values()):.2f}s, "
                    f"~{pages * page_size / 1024 / 1024:.0f} MB",
                    flush=True,
                )
            results[config] = {}
            for name, (sql, params) in qs.items():
                if chosen and config != "all recommended" and not uses_index(db, sql, params):
                    continue  # the planner ignores this index for this query: nothing to time
                results[config][name] = timed(db, sql, params, args.repeat)
            if not chosen or config == "all recommended":
                print(
                    f"# {config}: inserting 20,000 logs took {insert_cost(db):.0f} ms", flush=True
                )
        baseline = results["baseline (OO indexes only)"]
        print("\nMedian ms per query (speed-up vs baseline); '-' = the index is not used")
        for name in qs:
            print(f"\n{name}: baseline {baseline[name][0]:.1f} ms")
            if args.plans:
                print(f"    plan: {baseline[name][1]}")
            for config in list(configs)[1:]:
                if name not in results[config]:
                    continue
                ms, plan = results[config][name]
                used = "bench_" in plan
                if used or config == "all recommended":
                    print(f"  {config:<40} {ms:9.2f} ms  x{baseline[name][0] / ms:,.0f}")
                    if args.plans:
                        print(f"    plan: {plan}")
    finally:
        db.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
