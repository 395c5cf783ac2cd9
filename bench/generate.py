"""Build an OpenOrchestrator 3.0 database of a chosen size, fast and deterministically.

    .venv/bin/python bench/generate.py --size large --output bench/out/oo-large.sqlite3
    .venv/bin/python bench/generate.py --size large --pg-url postgresql+psycopg://postgres@127.0.0.1/oo_bench_large

Values are written in OpenOrchestrator's own storage formats
(docs/openorchestrator.md#storage-formats): 32-hex lowercase uuid4 ids on SQLite (native uuid on
PostgreSQL), enum NAMES, 0/1 booleans, naive local datetimes as `YYYY-MM-DD HH:MM:SS.ffffff`, the
whitelist as `json.dumps(list)`, passwords as Fernet tokens made with the installation key. The same
--seed and --now always give the same rows (Fernet tokens included). SQLite is filled with
executemany in one transaction (journal and sync off); PostgreSQL with COPY. OpenOrchestrator's
schema is created by its own DDL: `create_sqlite_schema` (the exact SQLite DDL of OO 3.0.0) or OO's
`Base.metadata.create_all` on PostgreSQL, stamped `1c87ed320c78`.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orchestrator_site.oo_schema import (  # noqa: E402
    create_sqlite_schema,
    create_with_openorchestrator,
)

GENERATOR_VERSION = 1
# Bench-only Fernet key (base64 of a fixed 32-byte text). Never use it for real data.
BENCH_KEY = base64.urlsafe_b64encode(b"openorchestrator-console-bench!!").decode()
DEFAULT_NOW = "2026-11-26 12:00:00"
PG_PREFIX = (
    "oo_bench"  # generated PostgreSQL databases are dropped and recreated: names must say so
)
SIZES = {"tiny": (2_000, 500), "small": (10_000, 3_000), "medium": (100_000, 30_000)}
SIZES["large"] = (1_000_000, 300_000)
SPAN_DAYS = 60
EPOCH = dt.datetime(2000, 1, 1)
US = 1_000_000

PROCESSES = [
    "Faktura Afstemning",  # the busiest process, by far
    "Borgerservice Post",
    "Ejendomsskat Udsendelse",
    "Sygedagpenge Opfølgning",
    "Byggesag Journalisering",
    "Løn Refusion",
    "Kontanthjælp Kontrol",
    "Pladsanvisning Dagtilbud",
    "Affaldsgebyr Opkrævning",
    "Boligstøtte Sagsbehandling",
    "Skolebus Planlægning",
    "Tandpleje Indkaldelse",
    "Vejskilte Registrering",
    "Parkering Klager",
    "Hjemmehjælp Visitation",
    "Folkeregister Sync",
    "Aktindsigt Udtræk",
    "Kreditor Oprettelse",
    "eBoks Kvittering",
    "Budget Rapport",
    "Personsag Arkivering",
    "Indkøb Godkendelse",
    "Jobcenter Booking",
    "Ydelse Tilbagebetaling",
    "Vielse Booking",
    "Pas Udstedelse",
    "Kørekort Fornyelse",
    "Handicap Hjælpemidler",
    "Misbrug Visitation",
    "Fleksjob Refusion",
    "Barsel Refusion",
    "Debitor Rykker",
    "Skat Indberetning",
    "Moms Afstemning",
    "Bank Afstemning",
    "Lønseddel Kontrol",
    "Ferie Afregning",
    "Sikkerhedsbrud Log",
    "Brugeradm Oprettelse",
    "Licens Optælling",
]
# Queue name -> the process that works it (its queue trigger's process_name).
QUEUES = [
    ("Fakturaer", 0),  # the busiest queue, by far
    ("Digital Post", 1),
    ("Ejendomsskat", 2),
    ("Sygedagpenge Sager", 3),
    ("Byggesager", 4),
    ("Refusioner", 5),
    ("Kontanthjælp", 6),
    ("Pladsanvisning", 7),
    ("Affaldsgebyrer", 8),
    ("Boligstøtte", 9),
    ("Skolebus Ruter", 10),
    ("Tandpleje Breve", 11),
    ("Parkering Sager", 13),
    ("Visitationer", 14),
    ("CPR Ændringer", 15),
    ("Aktindsigter", 16),
    ("Kreditorer", 17),
    ("Kvitteringer", 18),
    ("Arkivsager", 20),
    ("Indkøbsordrer", 21),
    ("Booking Jobcenter", 22),
    ("Tilbagebetalinger", 23),
    ("Pasansøgninger", 25),
    ("Hjælpemidler", 27),
    ("Rykkere", 31),
]
# machine name, seconds since the last ping (online < 60 s, stale < 300 s, offline beyond)
SCHEDULERS = [
    ("RPA-SCHED-01", 3),
    ("RPA-SCHED-02", 11),
    ("RPA-SCHED-03", 42),
    ("RPA-SCHED-04", 140),
    ("RPA-SCHED-05", 260),
    ("RPA-SCHED-OLD", 6 * 86400),
]
TRIGGER_STATUSES = ["IDLE", "RUNNING", "FAILED", "DONE", "PAUSED", "PAUSING", "KILLING", "KILLED"]
CRONS = ["*/15 7-16 * * MON-FRI", "0 6 * * *", "30 22 * * *", "0 */2 * * *", "0 8 1 * *"]
ERRORS = [
    "TimeoutError: The page did not load within 30 seconds.",
    "ValueError: CPR-nummer mangler i sagen.",
    'Element not found: <button id="submit">Godkend</button>',
    "KeyError: 'beløb'\nTraceback (most recent call last):\n  File \"main.py\", line 88, in "
    "process\n    amount = row['beløb']\nKeyError: 'beløb'",
    "<script>alert('hostile text from a scraped page')</script> was in the reply.",
    "Login failed for service account: account locked.",
    "ConnectionResetError: [WinError 10054] An existing connection was forcibly closed.",
]
STEPS = [
    "Henter sag {n} fra fagsystemet",
    "Slår borger op i CPR for sag {n}",
    "Udfylder formular for sag {n}",
    "Journaliserer dokument {n}",
    "Sender brev til e-Boks for sag {n}",
    "Venter på svar fra webservice (forsøg {k})",
    "Opdaterer status på sag {n}: behandlet",
    "Læser Excel-ark række {k}",
]


@dataclass(frozen=True)
class Spec:
    logs: int
    elements: int
    seed: int = 7
    now: dt.datetime = field(default_factory=lambda: dt.datetime.fromisoformat(DEFAULT_NOW))
    key: str = BENCH_KEY

    def meta(self) -> dict:
        return {
            "generator": GENERATOR_VERSION,
            "logs": self.logs,
            "elements": self.elements,
            "seed": self.seed,
            "now": self.now.strftime("%Y-%m-%d %H:%M:%S"),
            "key_sha256": hashlib.sha256(self.key.encode()).hexdigest()[:12],
        }


# ---------------------------------------------------------------------------------------------
# Value helpers (OpenOrchestrator's formats)


class Values:
    """Deterministic ids and datetimes, as integers turned into OpenOrchestrator's text formats."""

    def __init__(self, seed: int, now: dt.datetime):
        self.rnd = random.Random(seed)
        self.now = now
        self.now_us = self.us(now)
        self._days: dict[int, str] = {}

    def uid(self) -> str:
        """A uuid4 as 32 lowercase hex characters (OpenOrchestrator's SQLite format)."""
        n = self.rnd.getrandbits(128)
        n = (n & ~(0xF << 76)) | (0x4 << 76)
        n = (n & ~(0xC000 << 48)) | (0x8000 << 48)
        return f"{n:032x}"

    @staticmethod
    def us(moment: dt.datetime) -> int:
        delta = moment - EPOCH
        return (delta.days * 86400 + delta.seconds) * US + delta.microseconds

    def ts(self, t: int) -> str:
        """Microseconds since EPOCH -> 'YYYY-MM-DD HH:MM:SS.ffffff' (always 6 fractional digits)."""
        s, micro = divmod(t, US)
        d, s = divmod(s, 86400)
        day = self._days.get(d)
        if day is None:
            day = self._days[d] = (EPOCH + dt.timedelta(days=d)).strftime("%Y-%m-%d")
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return f"{day} {h:02d}:{m:02d}:{s:02d}.{micro:06d}"

    def ago(self, seconds: float) -> int:
        return self.now_us - int(seconds * US)


def _weights(n: int, top: float) -> list[float]:
    """The first item gets `top` of the mass, the rest a Zipf-like tail."""
    tail = [1 / (i + 1) ** 0.8 for i in range(n - 1)]
    scale = (1 - top) / sum(tail)
    return [top] + [w * scale for w in tail]


def _fernet_token(key: str, plaintext: str, moment: dt.datetime, iv: bytes) -> str:
    from cryptography.fernet import Fernet

    fernet = Fernet(key)
    make = getattr(fernet, "_encrypt_from_parts", None)
    if make is None:  # pragma: no cover - older/newer cryptography: still valid, not deterministic
        return fernet.encrypt(plaintext.encode()).decode()
    return make(plaintext.encode(), int(moment.timestamp()), iv).decode()


# ---------------------------------------------------------------------------------------------
# Row generators. Each yields tuples in the column order of its COLUMNS entry.

COLUMNS = {
    "Schedulers": ("machine_name", "last_update", "latest_trigger", "latest_trigger_time"),
    "Triggers": (
        "id",
        "trigger_name",
        "process_name",
        "last_run",
        "process_path",
        "process_args",
        "process_status",
        "is_git_repo",
        "git_branch",
        "is_blocking",
        "scheduler_whitelist",
        "priority",
        "type",
    ),
    "Single_Triggers": ("id", "next_run"),
    "Scheduled_Triggers": ("id", "cron_expr", "next_run"),
    "Queue_Triggers": ("id", "queue_name", "min_batch_size"),
    "Jobs": ("id", "process_name", "scheduler_name", "status", "start_time", "end_time"),
    "Logs": ("id", "log_time", "log_level", "process_name", "job_id", "log_message"),
    "Queues": (
        "id",
        "queue_name",
        "status",
        "data",
        "reference",
        "created_date",
        "start_date",
        "end_date",
        "message",
        "created_by",
    ),
    "Credentials": ("name", "username", "password", "changed_at"),
    "Constants": ("name", "value", "changed_at"),
}
BOOLEAN_COLUMNS = {("Triggers", "is_git_repo"), ("Triggers", "is_blocking")}


class Dataset:
    """Every row of one generated database, produced lazily table by table (big tables stream)."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.v = Values(spec.seed, spec.now)
        self.counts: dict[str, int] = {}
        self.small: dict[str, list[tuple]] = {}
        self._build_small()

    # -- small tables ----------------------------------------------------------------------
    def _build_small(self) -> None:
        v, rnd = self.v, self.v.rnd
        triggers, singles, scheduleds, queue_triggers = [], [], [], []
        queue_of = {p: q for q, p in QUEUES}
        running_names = []
        for i in range(120):
            p = i % len(PROCESSES)
            process = PROCESSES[p]
            kind = ("SCHEDULED", "QUEUE", "SINGLE")[i % 3]
            if kind == "QUEUE" and p not in queue_of:
                kind = "SCHEDULED"
            # Every status for every type; two in three triggers IDLE.
            status = "IDLE" if i % 3 and i >= 24 else TRIGGER_STATUSES[(i // 3) % 8]
            tid = v.uid()
            name = f"{process} #{i // len(PROCESSES) + 1} ({kind.lower()})"
            last_run = None if i % 11 == 0 else v.ts(v.ago(rnd.randint(60, 14 * 86400)))
            if status in ("RUNNING", "PAUSING", "KILLING"):
                last_run = v.ts(v.ago(rnd.randint(120, 3 * 3600)))
                running_names.append((name, last_run))
            git = i % 4 == 0
            slug = process.lower().replace(" ", "-")
            triggers.append(
                (
                    tid,
                    name,
                    process,
                    last_run,
                    f"https://git.kommune.example/rpa/{slug}.git"
                    if git
                    else f"C:\\Robots\\{process.replace(' ', '')}\\main.py",
                    "" if i % 5 else json.dumps({"miljø": "prod"}),
                    status,
                    1 if git else 0,
                    "main" if git else "",
                    0 if i % 6 == 0 else 1,
                    json.dumps([] if i % 4 else ["RPA-SCHED-01", "RPA-SCHED-02"]),
                    (0, 0, 5, -1, 10)[i % 5],
                    kind,
                )
            )
            if kind == "SINGLE":
                singles.append((tid, v.ts(v.ago(-3600 * (i % 48 - 24)) // US * US)))
            elif kind == "SCHEDULED":
                scheduleds.append((tid, CRONS[i % 5], v.ts(v.ago(-600 * (i % 30 - 3)) // US * US)))
            else:
                queue_triggers.append((tid, queue_of[p], 1 + i % 10))
        schedulers = []
        for k, (machine, age) in enumerate(SCHEDULERS):
            latest = running_names[k] if k < len(running_names) else (None, None)
            schedulers.append((machine, v.ts(v.ago(age)), latest[0], latest[1]))
        when = v.now - dt.timedelta(days=30)
        credentials = []
        for k in range(30):
            iv = rnd.getrandbits(128).to_bytes(16, "big")
            token = _fernet_token(self.spec.key, f"bench-password-{k}-æøå!", when, iv)
            credentials.append(
                (
                    f"Bench Credential {k:02d}",
                    f"svc-robot-{k:02d}",
                    token,
                    v.ts(v.ago(rnd.randint(3600, 300 * 86400))),
                )
            )
        constants = [
            (
                f"Bench Constant {k:02d}",
                json.dumps({"værdi": k, "liste": list(range(k % 5))}, ensure_ascii=False)
                if k % 3 == 0
                else f"value {k} æøå",
                v.ts(v.ago(rnd.randint(3600, 300 * 86400))),
            )
            for k in range(40)
        ]
        self.small = {
            "Schedulers": schedulers,
            "Triggers": triggers,
            "Single_Triggers": singles,
            "Scheduled_Triggers": scheduleds,
            "Queue_Triggers": queue_triggers,
            "Credentials": credentials,
            "Constants": constants,
        }
        self.running_names = running_names

    def write_all(
        self, write: Callable[[str, Iterable[tuple]], None], say: Callable[[str], None]
    ) -> None:
        """Every table through `write(table, rows)`, parents before children, logs streamed."""
        for table, rows in self.small.items():  # parents first (Triggers before its children)
            write(table, rows)
            self.counts[table] = len(rows)
        jobs, logs = self.jobs_and_logs()
        write("Jobs", jobs)
        say(f"  jobs {len(jobs):,}")
        write("Logs", self.log_rows(logs))
        del logs
        say(f"  logs {self.counts['Logs']:,}")
        write("Queues", self.element_rows())
        say(f"  queue elements {self.counts['Queues']:,}")

    # -- jobs and logs ---------------------------------------------------------------------
    def jobs_and_logs(self) -> tuple[list[tuple], list[tuple]]:
        """Jobs (time ordered) and their logs; logs sorted by time like a real append-only table."""
        v, rnd = self.v, random.Random(self.spec.seed * 7919 + 1)
        total = self.spec.logs
        loose = total // 30  # launch errors and the like: logs without a job
        in_jobs = total - loose
        n_jobs = min(in_jobs, max(1, round(in_jobs / 40)))
        weights = _weights(len(PROCESSES), 0.3)
        span = SPAN_DAYS * 86400 * US
        start0 = v.now_us - span
        starts = sorted(start0 + rnd.randrange(span - 1800 * US) for _ in range(n_jobs))
        procs = rnd.choices(range(len(PROCESSES)), weights=weights, k=n_jobs)
        sizes = [1] * n_jobs
        for j in rnd.choices(range(n_jobs), k=in_jobs - n_jobs):
            sizes[j] += 1
        machines = [m for m, age in SCHEDULERS if age < 86400]
        jobs: list[tuple] = []
        logs: list[tuple] = []
        running_recent = 0
        for j in range(n_jobs):
            process = PROCESSES[procs[j]]
            start = starts[j]
            duration = rnd.randint(30, 1800) * US
            end = start + duration
            roll = rnd.random()
            if end > v.now_us - 60 * US or (j >= n_jobs - 3 and running_recent < 3):
                status, end_ts = "RUNNING", None
                running_recent += 1
                end = min(end, v.now_us - US)
            else:
                status = "FAILED" if roll < 0.07 else "KILLED" if roll < 0.075 else "DONE"
                end_ts = v.ts(end)
            jid = v.uid()
            jobs.append((jid, process, rnd.choice(machines), status, v.ts(start), end_ts))
            n = sizes[j]
            step = max(1, (end - start) // (n + 1))
            case = rnd.randint(100000, 999999)
            for k in range(n):
                t = start + step * k + rnd.randrange(step)
                if k == 0:
                    level, message = "INFO", f"Robot startet på {jobs[-1][2]}. Sag {case}."
                elif k == n - 1 and status == "FAILED":
                    level = "ERROR"
                    message = "An uncaught error ocurred during the process:\n" + rnd.choice(ERRORS)
                elif k == n - 1 and status == "DONE":
                    level, message = "INFO", f"Robot færdig: {n} trin, sag {case}."
                else:
                    r = rnd.random()
                    level = "TRACE" if r < 0.6 else "INFO" if r < 0.985 else "ERROR"
                    if level == "ERROR":
                        message = rnd.choice(ERRORS)
                    else:
                        message = rnd.choice(STEPS).format(n=case + k, k=k)
                logs.append((t, level, process, jid, message))
        for k in range(loose):
            t = v.now_us - rnd.randrange(span)
            process = PROCESSES[rnd.choices(range(len(PROCESSES)), weights=weights)[0]]
            if k % 4 == 0:
                level = "ERROR"
                message = (
                    "Scheduler couldn't launch the process:\nFileNotFoundError: "
                    f"C:\\Robots\\{process.replace(' ', '')}\\main.py"
                )
            elif k % 997 == 1:
                level, message = "INFO", "Udtræk: " + "æøå <b>tekst</b> " * 400
            else:
                level, message = "TRACE", f"Heartbeat fra {process} ({k})"
            logs.append((t, level, process, None, message))
        logs.sort(key=lambda row: row[0])
        self.counts["Jobs"] = len(jobs)
        self.counts["Logs"] = len(logs)
        return jobs, logs

    def log_rows(self, logs: list[tuple]) -> Iterator[tuple]:
        v = self.v
        for t, level, process, jid, message in logs:
            yield (v.uid(), v.ts(t), level, process, jid, message)

    # -- queue elements --------------------------------------------------------------------
    def element_rows(self) -> Iterator[tuple]:
        v, rnd = self.v, random.Random(self.spec.seed * 104729 + 3)
        total = self.spec.elements
        span = SPAN_DAYS * 86400 * US
        created = sorted(v.now_us - rnd.randrange(span) for _ in range(total))
        names = [q for q, _ in QUEUES]
        creators = [PROCESSES[p] for _, p in QUEUES]
        qidx = rnd.choices(range(len(QUEUES)), weights=_weights(len(QUEUES), 0.3), k=total)
        now_us = v.now_us
        recent = now_us - 2 * 3600 * US
        self.counts["Queues"] = total
        for n in range(total):
            c = created[n]
            q = qidx[n]
            r = rnd.random()
            if c > recent:
                status = (
                    "NEW"
                    if r < 0.55
                    else "IN_PROGRESS"
                    if r < 0.62
                    else "FAILED"
                    if r < 0.7
                    else "DONE"
                )
            else:
                status = (
                    "DONE"
                    if r < 0.84
                    else "FAILED"
                    if r < 0.92
                    else "ABANDONED"
                    if r < 0.95
                    else "NEW"
                    if r < 0.995
                    else "IN_PROGRESS"
                )
            start = end = None
            message = None
            if status != "NEW":
                s = min(c + rnd.randrange(1, 900) * US, now_us - US)
                start = v.ts(s)
                if status != "IN_PROGRESS":
                    end = v.ts(min(s + rnd.randrange(2, 300) * US, now_us))
            if status == "FAILED":
                message = rnd.choice(ERRORS)
            elif status == "DONE" and r < 0.5:
                message = "Behandlet"
            data = (
                json.dumps(
                    {"sag": 100000 + n, "beløb": round(r * 5000, 2), "note": "æøå"},
                    ensure_ascii=False,
                )
                if n % 50
                else None
            )
            yield (
                v.uid(),
                names[q],
                status,
                data,
                f"{names[q][:3].upper()}-{n:07d}" if n % 101 else None,
                v.ts(c),
                start,
                end,
                message,
                creators[q] if n % 7 else "Orchestrator UI",
            )


# ---------------------------------------------------------------------------------------------
# Writers


def _write_sqlite(path: Path, ds: Dataset, say: Callable[[str], None]) -> None:
    create_sqlite_schema(path)
    connection = sqlite3.connect(str(path), isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-200000")
        connection.execute("BEGIN")

        def insert(table: str, rows: Iterable[tuple]) -> None:
            cols = COLUMNS[table]
            sql = f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})'
            connection.executemany(sql, rows)

        ds.write_all(insert, say)
        connection.execute("COMMIT")
    finally:
        connection.close()


def _pg_conninfo(url: str, dbname: str | None = None) -> str:
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://", 1))
    if dbname is not None:
        parts = parts._replace(path="/" + dbname)
    return urlunsplit(parts)


def pg_dbname(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def pg_database_exists(url: str) -> bool:
    import psycopg

    with psycopg.connect(_pg_conninfo(url, "postgres"), autocommit=True) as admin:
        return bool(
            admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (pg_dbname(url),)
            ).fetchone()
        )


def pg_recreate(url: str) -> None:
    import psycopg

    name = pg_dbname(url)
    if not name or '"' in name:
        raise SystemExit(f"Not a usable database name in {url!r}")
    if not name.startswith(PG_PREFIX):
        # It drops the database: only ever one that is plainly a benchmark database.
        raise SystemExit(f"Refusing to (re)create {name!r}: its name must start with {PG_PREFIX!r}")
    with psycopg.connect(_pg_conninfo(url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def pg_create_schema(url: str) -> None:
    """OpenOrchestrator 3.0.0's own `Base.metadata.create_all`, stamped at its revision."""
    create_with_openorchestrator(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _write_postgres(url: str, ds: Dataset, say: Callable[[str], None]) -> None:
    import psycopg

    pg_create_schema(url)
    with psycopg.connect(_pg_conninfo(url)) as connection:
        connection.execute("SET synchronous_commit = off")
        with connection.cursor() as cursor:

            def copy(table: str, rows: Iterable[tuple]) -> None:
                cols = COLUMNS[table]
                bools = [i for i, c in enumerate(cols) if (table, c) in BOOLEAN_COLUMNS]
                sql = f'COPY "{table}" ({", ".join(cols)}) FROM STDIN'
                with cursor.copy(sql) as writer:
                    for row in rows:
                        if bools:
                            row = list(row)
                            for i in bools:
                                row[i] = bool(row[i])
                        writer.write_row(row)

            ds.write_all(copy, say)
        connection.commit()
    pg_vacuum(url)


def pg_vacuum(url: str) -> None:
    """Statistics and visibility maps, as autovacuum keeps them on a database that has lived a
    while (without them index-only scans still read every heap row)."""
    import psycopg

    with psycopg.connect(_pg_conninfo(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


# ---------------------------------------------------------------------------------------------
# Indexes


def console_env(url: str, *, key: str = BENCH_KEY, var_dir: str | None = None) -> dict[str, str]:
    """Environment in which the console's manage.py/wsgi run against `url` (local sign-in)."""
    # Nothing of the caller's console configuration leaks in (identity, databases, secrets), except
    # the time zone, which decides what "now" is for the console (and for harness.bench_now).
    env = {
        name: value
        for name, value in os.environ.items()
        if (not name.startswith("CONSOLE_") or name == "CONSOLE_TIME_ZONE")
        and name not in ("OpenOrchestratorConnString", "OpenOrchestratorSQL", "OpenOrchestratorKey")
    }
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    env.update(
        {
            "CONSOLE_LOCAL_USER": "bench",
            "OpenOrchestratorSQL": url,
            "OpenOrchestratorKey": key,
            "CONSOLE_STATIC_FINDERS": "1",
            "DJANGO_SETTINGS_MODULE": "orchestrator_site.settings",
        }
    )
    if var_dir:
        env["CONSOLE_VAR_DIR"] = var_dir
    return env


def apply_indexes(url: str, say: Callable[[str], None] = print) -> str:
    """Create the console's recommended indexes with `manage.py orchestrator_indexes --apply`.

    Returns a description of what was applied. Raises when the command fails, so no benchmark ever
    claims "with indexes" without them.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="oo-bench-var-") as var_dir:
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "orchestrator_indexes", "--apply"],
            cwd=ROOT,
            env=console_env(url, var_dir=var_dir),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    if result.returncode != 0:
        raise IndexesUnavailable(
            f"orchestrator_indexes --apply failed ({result.returncode}): "
            f"{(result.stderr or result.stdout).strip()[-2000:]}"
        )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    for line in lines[-12:]:
        say(f"  | {line}")
    return "manage.py orchestrator_indexes --apply"


class IndexesUnavailable(RuntimeError):
    pass


# ---------------------------------------------------------------------------------------------
# Entry points


def generate(
    spec: Spec,
    *,
    output: Path | str | None = None,
    pg_url: str | None = None,
    replace: bool = False,
    indexes: bool = False,
    say: Callable[[str], None] = print,
) -> dict:
    """Build the database; returns a summary (counts, seconds, target)."""
    if (output is None) == (pg_url is None):
        raise ValueError("give exactly one of output or pg_url")
    started = time.perf_counter()
    ds = Dataset(spec)
    if output is not None:
        path = Path(output).resolve()
        if path.exists() and not replace:
            raise SystemExit(f"{path} exists; pass --replace to overwrite it.")
        path.parent.mkdir(parents=True, exist_ok=True)
        building = path.with_name(path.name + ".building")
        building.unlink(missing_ok=True)
        say(f"Generating {spec.logs:,} logs / {spec.elements:,} elements into {path}")
        try:
            _write_sqlite(building, ds, say)
        except BaseException:
            building.unlink(missing_ok=True)
            raise
        os.replace(building, path)
        url = f"sqlite:///{path}"
    else:
        url = pg_url.replace("postgresql://", "postgresql+psycopg://", 1)
        if pg_database_exists(url) and not replace:
            raise SystemExit(f"Database {pg_dbname(url)} exists; pass --replace to recreate it.")
        say(f"Generating {spec.logs:,} logs / {spec.elements:,} elements into {pg_dbname(url)}")
        pg_recreate(url)
        _write_postgres(url, ds, say)
    load_seconds = time.perf_counter() - started
    summary = {
        "url": url,
        "counts": dict(ds.counts),
        "load_seconds": round(load_seconds, 2),
        "indexes": None,
        **spec.meta(),
    }
    if indexes:
        t = time.perf_counter()
        summary["indexes"] = apply_indexes(url, say)
        summary["index_seconds"] = round(time.perf_counter() - t, 2)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary


def spec_from_args(args: argparse.Namespace) -> Spec:
    logs, elements = SIZES[args.size]
    if args.logs is not None:
        logs = args.logs
    if args.elements is not None:
        elements = args.elements
    now = dt.datetime.fromisoformat(args.now)
    return Spec(logs=logs, elements=elements, seed=args.seed, now=now, key=args.key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--logs", type=int, help="number of log rows (overrides --size)")
    parser.add_argument("--elements", type=int, help="number of queue elements (overrides --size)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--now", default=DEFAULT_NOW, help="the generated data's 'now' (default %(default)s)"
    )
    parser.add_argument(
        "--key", default=BENCH_KEY, help="Fernet key for credentials (default: the bench key)"
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--output", type=Path, help="SQLite file to create")
    target.add_argument(
        "--pg-url",
        help=f"PostgreSQL URL; the database (named {PG_PREFIX}*) is dropped and recreated",
    )
    parser.add_argument("--replace", action="store_true", help="overwrite an existing target")
    parser.add_argument(
        "--indexes", action="store_true", help="then run manage.py orchestrator_indexes --apply"
    )
    args = parser.parse_args(argv)
    if args.logs is not None and args.logs < 0 or args.elements is not None and args.elements < 0:
        parser.error("--logs and --elements must be >= 0")
    try:
        summary = generate(
            spec_from_args(args),
            output=args.output,
            pg_url=args.pg_url,
            replace=args.replace,
            indexes=args.indexes,
        )
    except IndexesUnavailable as exc:
        print(f"Indexes not applied: {exc}", file=sys.stderr)
        return 2
    counts = ", ".join(f"{t} {n:,}" for t, n in summary["counts"].items())
    print(f"Done in {summary['seconds']:.1f} s (load {summary['load_seconds']:.1f} s): {counts}")
    if summary["indexes"]:
        print(f"Indexes: {summary['indexes']} in {summary['index_seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
