"""Shared machinery of bench/run.py and bench/loadtest.py: cached databases, the server, a client."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402

OUT = ROOT / "bench" / "out"
VENV_BIN = Path(sys.executable).parent
DEFAULT_PG = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
LOOPBACK = "127.0.0.1"


# Debian's chromium, headless under Playwright as root in a container: the browser tests and
# bench/time_to_content.py launch it the same way.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def bench_now() -> dt.datetime:
    """The generated data's "now": the current hour, so the console's 48 h windows see it.

    Naive local time in the console's time zone (Django sets the process time zone from
    CONSOLE_TIME_ZONE, so that is what the console's clock.now() returns).
    """
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(os.environ.get("CONSOLE_TIME_ZONE", "Europe/Copenhagen"))
    return dt.datetime.now(zone).replace(tzinfo=None, minute=0, second=0, microsecond=0)


@dataclass
class Database:
    backend: str
    size: str
    indexed: bool
    url: str
    meta: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.size} {'with' if self.indexed else 'without'} indexes"


def _meta_path(backend: str, name: str) -> Path:
    return OUT / f"{backend}-{name}.json"


def _fresh(meta: dict | None, spec: generate.Spec, max_age_hours: float) -> bool:
    if not meta:
        return False
    wanted = spec.meta()
    same = all(meta.get(k) == wanted[k] for k in wanted if k != "now")
    try:
        age = abs((spec.now - dt.datetime.fromisoformat(meta["now"])).total_seconds()) / 3600
    except (KeyError, ValueError):
        return False
    return same and age <= max_age_hours


def _read_meta(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure_database(
    backend: str,
    size: str,
    indexed: bool,
    *,
    spec: generate.Spec,
    pg_base: str = DEFAULT_PG,
    no_generate: bool = False,
    max_age_hours: float = 24.0,
    say=print,
) -> Database:
    """A generated database for (backend, size, indexes), reused from bench/out/ when still fresh.

    The indexed variant is a copy of the plain one (file copy / CREATE DATABASE ... TEMPLATE) to
    which `manage.py orchestrator_indexes --apply` is applied.
    """
    OUT.mkdir(parents=True, exist_ok=True)
    plain_name = f"oo-{size}" if backend == "sqlite" else f"oo_bench_{size}"
    name = plain_name + ("-idx" if backend == "sqlite" else "_idx") * indexed
    meta_file = _meta_path(backend, name)
    meta = _read_meta(meta_file)
    url = _url(backend, name, pg_base)
    if _fresh(meta, spec, max_age_hours) and _exists(backend, url):
        say(f"Reusing {name} (data 'now' {meta['now']})")
        if indexed:
            # The recommended set may have grown since: --apply only creates what is missing.
            generate.apply_indexes(url, lambda line: None)
        return Database(backend, size, indexed, url, meta)
    if no_generate:
        raise SystemExit(
            f"--no-generate: no fresh cached database {name} in {OUT} (run without it once)"
        )
    if indexed:
        plain = ensure_database(
            backend,
            size,
            False,
            spec=spec,
            pg_base=pg_base,
            no_generate=no_generate,
            max_age_hours=max_age_hours,
            say=say,
        )
        say(f"Copying {plain_name} -> {name} and applying the recommended indexes")
        started = time.perf_counter()
        if backend == "sqlite":
            target = Path(url.removeprefix("sqlite:///"))
            tmp = target.with_name(target.name + ".copy")
            shutil.copyfile(plain.url.removeprefix("sqlite:///"), tmp)
            os.replace(tmp, target)
        else:
            _pg_clone(plain.url, url)
        meta = dict(plain.meta)
        meta["indexes"] = generate.apply_indexes(url, say)
        if backend == "postgresql":
            generate.pg_vacuum(url)  # a database copied from a template starts without them
        meta["index_seconds"] = round(time.perf_counter() - started, 2)
        say(f"  indexes ready in {meta['index_seconds']:.1f} s")
    else:
        meta = generate.generate(
            spec,
            output=url.removeprefix("sqlite:///") if backend == "sqlite" else None,
            pg_url=url if backend == "postgresql" else None,
            replace=True,
            say=say,
        )
        say(f"  generated in {meta['seconds']:.1f} s")
    meta_file.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return Database(backend, size, indexed, url, meta)


def _url(backend: str, name: str, pg_base: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{OUT / (name + '.sqlite3')}"
    return pg_base.rstrip("/") + "/" + name


def _exists(backend: str, url: str) -> bool:
    if backend == "sqlite":
        return Path(url.removeprefix("sqlite:///")).exists()
    return generate.pg_database_exists(url)


def _pg_clone(source_url: str, target_url: str) -> None:
    import psycopg

    source, target = generate.pg_dbname(source_url), generate.pg_dbname(target_url)
    with psycopg.connect(generate._pg_conninfo(source_url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (source,)
        )
        admin.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


@contextlib.contextmanager
def scratch_copy(
    db: Database, suffix: str = "loadtest", *, sqlite_journal: str = ""
) -> Iterator[str]:
    """The URL of a throw-away copy of `db`, removed afterwards: a test that writes leaves the
    cached database as generated, for the next benchmark and for a repeatable next run.
    `sqlite_journal`: a journal mode to store in the SQLite copy (e.g. WAL), else as generated."""
    if db.backend == "sqlite":
        source = Path(db.url.removeprefix("sqlite:///"))
        target = source.with_name(f"{source.stem}-{suffix}{source.suffix}")
        shutil.copyfile(source, target)
        if sqlite_journal:
            with contextlib.closing(sqlite3.connect(target)) as connection:
                connection.execute(f"PRAGMA journal_mode={sqlite_journal}")
        try:
            yield f"sqlite:///{target}"
        finally:
            for extra in ("", "-wal", "-shm", "-journal"):
                Path(f"{target}{extra}").unlink(missing_ok=True)
        return
    import psycopg

    url = f"{db.url}_{suffix}"
    _pg_clone(db.url, url)
    try:
        yield url
    finally:
        with psycopg.connect(generate._pg_conninfo(url, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{generate.pg_dbname(url)}" WITH (FORCE)')


# ---------------------------------------------------------------------------------------------
# The server


def process_cpu_seconds(pid: int) -> float | None:
    """User+system CPU time process `pid` has used so far (/proc/<pid>/stat), None once gone."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat's fields after the command name (state first), None once gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def reaped_children_cpu_seconds(pid: int) -> float | None:
    """User+system CPU time of the children process `pid` has waited for (cutime+cstime)."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def parent_pid(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[1])


def machine_busy_seconds() -> float:
    """CPU time all cores of the machine have spent not idle so far (/proc/stat), in seconds."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def loadavg() -> tuple[float, float, float]:
    """The machine's 1, 5 and 15 minute load averages, as `uptime` prints them (/proc/loadavg)."""
    try:
        one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
        return float(one), float(five), float(fifteen)
    except (OSError, ValueError):
        return os.getloadavg()


class CpuMeter:
    """CPU seconds of the console's processes, of its PostgreSQL backends (by their process
    title, which names the database) and the server's short-lived workers, of this script, and
    of the whole machine, over a span.

    A query without the recommended indexes runs as a parallel plan: PostgreSQL starts worker
    processes for it, whose titles do not name the database and which are gone before the next
    look. Their CPU reaches the postmaster's count of its reaped children (as do autovacuum's
    workers, which work on the benchmark's tables), so the database's share includes that count's
    growth; otherwise it showed as "other processes" and marked the run as busy."""

    def __init__(self, server_pids: list[int], pg_database: str | None):
        self.server_pids = server_pids
        self.pg_tag = f" {pg_database} " if pg_database else None
        self.backends: dict[int, tuple[float, float]] = {}  # pid -> (first seen, last seen)
        self.postmaster: int | None = None
        self.reaped0 = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _scan_backends(self, baseline: bool) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                title = (
                    (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                )
            except OSError:
                continue
            if not (title.startswith("postgres: ") and self.pg_tag in title + " "):
                continue
            pid = int(entry.name)
            cpu = process_cpu_seconds(pid)
            if cpu is None:
                continue
            first = self.backends.get(pid, (cpu if baseline else 0.0, cpu))[0]
            self.backends[pid] = (first, cpu)
            if self.postmaster is None:
                self.postmaster = parent_pid(pid)
                self.reaped0 = reaped_children_cpu_seconds(self.postmaster or 0) or 0.0

    def _watch(self) -> None:
        while not self._stop.wait(0.5):  # backends that come and go during the run count too
            self._scan_backends(baseline=False)

    def start(self) -> None:
        self.started = time.perf_counter()
        self.servers0 = sum(process_cpu_seconds(p) or 0 for p in self.server_pids)
        self.self0 = sum(os.times()[:2])
        self.machine0 = machine_busy_seconds()
        if self.pg_tag:
            self._scan_backends(baseline=True)
            self._thread = threading.Thread(target=self._watch, daemon=True)
            self._thread.start()

    def stop(self, elapsed: float | None = None) -> dict:
        """CPU seconds per party over the span; `others_cores`: how many cores' worth the rest of
        the machine (other programs) used meanwhile, which slows wall times but is not ours."""
        elapsed = elapsed or (time.perf_counter() - self.started)
        if self._thread:
            self._stop.set()
            self._thread.join()
            self._scan_backends(baseline=False)
        servers = sum(process_cpu_seconds(p) or 0 for p in self.server_pids) - self.servers0
        database = sum(last - first for first, last in self.backends.values())
        if self.postmaster is not None:
            reaped = reaped_children_cpu_seconds(self.postmaster)
            database += max(0.0, (reaped or self.reaped0) - self.reaped0)
        own = sum(os.times()[:2]) - self.self0
        machine = machine_busy_seconds() - self.machine0
        return {
            "seconds": round(elapsed, 2),
            "servers_s": round(servers, 2),
            "database_s": round(database, 2),
            "load_test_client_s": round(own, 2),
            # The kernel's own work for loopback traffic lands here too: a little is normal.
            "others_cores": round(max(0.0, machine - servers - database - own) / elapsed, 2),
            # The benchmark's own cores (server, database, client): they raise the load average too.
            "own_cores": round((servers + database + own) / elapsed, 2),
        }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


class Server:
    """The console under waitress, as a real subprocess on the loopback interface."""

    _collected = False

    def __init__(
        self,
        url: str,
        *,
        threads: int = 4,
        extra_env: dict | None = None,
        var_dir: str | None = None,
    ):
        """`var_dir`: the console's own folder (console.sqlite3, secret key) when several
        processes must share it, as the deployed processes do; the caller removes it."""
        self.url = url
        self.threads = threads
        self.extra_env = extra_env or {}
        self._own_var_dir = var_dir is None
        self.var_dir = var_dir or tempfile.mkdtemp(prefix="oo-bench-var-")
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkdtemp(prefix="oo-bench-log-")) / "waitress.log"

    def env(self) -> dict[str, str]:
        env = generate.console_env(self.url, var_dir=self.var_dir)
        env.update(self.extra_env)
        return env

    def __enter__(self) -> Server:
        manage = [sys.executable, str(ROOT / "manage.py")]
        # As `make run` and the deployment do: the console's own DB migrated, static files
        # collected (the manifest storage needs them; STATIC_ROOT is the repository's staticfiles/).
        for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
            if command[0] == "collectstatic" and Server._collected:
                continue
            subprocess.run(
                [*manage, *command],
                cwd=ROOT,
                env=self.env(),
                check=True,
                stdin=subprocess.DEVNULL,
                timeout=300,
            )
        Server._collected = True
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "waitress-serve"),
                f"--listen={LOOPBACK}:{self.port}",
                f"--threads={self.threads}",
                "orchestrator_site.wsgi:application",
            ],
            cwd=ROOT,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"waitress exited early:\n{self.log_tail()}")
            try:
                with socket.create_connection((LOOPBACK, self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"waitress did not start:\n{self.log_tail()}")
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        if self._own_var_dir:
            shutil.rmtree(self.var_dir, ignore_errors=True)
        shutil.rmtree(self.log_path.parent, ignore_errors=True)

    def peak_rss_mb(self) -> float | None:
        """VmHWM (peak resident set size) of the waitress process, in MB."""
        if not self.process:
            return None
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def cpu_seconds(self) -> float | None:
        """User+system CPU time the waitress process has used so far (from /proc/<pid>/stat)."""
        return process_cpu_seconds(self.process.pid) if self.process else None

    def settle(self, quiet_seconds: float = 0.5, timeout: float = 30.0) -> float:
        """Wait until the server has used no CPU for `quiet_seconds` (its start-up work, such as
        the overview counts, is done); returns the seconds waited."""
        started = time.perf_counter()
        last = self.cpu_seconds()
        while time.perf_counter() - started < timeout:
            time.sleep(quiet_seconds)
            now = self.cpu_seconds()
            if now is None or now == last:
                break
            last = now
        return time.perf_counter() - started

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


# ---------------------------------------------------------------------------------------------
# A minimal keep-alive HTTP client that keeps cookies and posts forms


@dataclass
class Response:
    status: int
    body: bytes
    seconds: float
    truncated: bool = False
    location: str = ""  # the Location header of a redirect
    headers: dict[str, str] = field(default_factory=dict)  # by lower-case name

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Client:
    """One browser tab's worth of HTTP: a keep-alive connection, cookies, forms posted as a browser
    posts them (urlencoded, with Origin and Referer, so Django's CSRF checks run as for a person)."""

    def __init__(self, port: int, host: str = LOOPBACK, timeout: float = 60):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0  # GETs repeated once on a fresh connection (as browsers do)

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def get(
        self, path: str, *, max_bytes: int | None = None, headers: dict | None = None
    ) -> Response:
        """GET `path`; with max_bytes, stop reading (and drop the connection) past that size."""
        return self._request("GET", path, max_bytes=max_bytes, extra_headers=headers)

    def post(self, path: str, fields: list[tuple[str, str]], *, referer: str = "") -> Response:
        """POST `fields` urlencoded, never repeated: a failure is the caller's to count."""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + (referer or path),
        }
        body = urlencode(fields).encode("ascii")
        return self._request("POST", path, body=body, extra_headers=headers)

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        extra_headers: dict | None = None,
        max_bytes: int | None = None,
    ) -> Response:
        truncated = False
        headers = {"Host": f"{self.host}:{self.port}", "Accept": "text/html"}
        headers.update(extra_headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        # A GET that failed on a kept-alive connection is sent once more on a fresh one.
        tries = 2 if method == "GET" else 1
        for attempt in range(1, tries + 1):
            conn = self._connection()
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                if max_bytes is None:
                    body_read = response.read()
                else:
                    body_read = response.read(max_bytes + 1)
                    if len(body_read) > max_bytes:
                        truncated = True
                        self.close()
            except (http.client.HTTPException, ConnectionError, OSError):
                self.close()
                if attempt == tries:
                    raise
                self.reconnects += 1
                continue
            seconds = time.perf_counter() - started
            self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return Response(
                response.status,
                body_read,
                seconds,
                truncated,
                location=response.getheader("Location", ""),
                headers={name.lower(): value for name, value in response.getheaders()},
            )
        raise AssertionError("unreachable")

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            pair, *attributes = header.split(";")
            if "=" not in pair:
                continue
            name, value = (part.strip() for part in pair.split("=", 1))
            # Django deletes a cookie (e.g. the messages after they were shown) with Max-Age=0.
            if any(a.strip().lower() == "max-age=0" for a in attributes):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def parse_env(pairs: list[str], parser) -> dict[str, str]:
    """--env NAME=VALUE options; only console settings (CONSOLE_*), never identity or secrets."""
    refused = {
        "CONSOLE_PAIRING_SECRET",
        "CONSOLE_IDENTITY_MODE",
        "CONSOLE_LOCAL_USER",
        "CONSOLE_DATABASE_URL",
        "CONSOLE_VAR_DIR",
        "CONSOLE_SECRET_KEY",
    }
    env = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.startswith("CONSOLE_") or name in refused:
            parser.error(f"--env {pair!r}: give CONSOLE_<SETTING>=<value> (not identity/database)")
        env[name] = value
    return env


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(-(-p * len(ordered) // 100)) - 1))
    return ordered[k]


def environment_info() -> dict:
    import platform
    import sqlite3

    info = {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        # Other work on the machine skews timings: say how busy it was.
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        info["git"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info


_COUNTED = re.compile(r"\b(Counted|Updated) (\S+) in (\d+) ms")


def background_counts(servers: list[Server]) -> dict[str, dict[str, int]]:
    """The snapshot counts the servers made during the run (orchestrator_site.snapshots logs one
    line per count): how often, and their milliseconds in all. Their CPU is in the servers'."""
    counts: dict[str, dict[str, int]] = {}
    for server in servers:
        for match in _COUNTED.finditer(server.log_tail(100_000)):
            entry = counts.setdefault(match.group(2), {"n": 0, "ms": 0})
            entry["n"] += 1
            entry["ms"] += int(match.group(3))
    return counts
