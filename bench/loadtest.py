"""Load test: N simulated people for a fixed time, viewing pages and writing, against waitress.

    .venv/bin/python bench/loadtest.py                     # 20 users, 60 s, large SQLite DB + indexes
    .venv/bin/python bench/loadtest.py --backend postgresql --seconds 30

The console runs under waitress as the deployment kit starts it: `--threads=8`, as many processes
as deploy/web.config's processesPerApplication (`--processes`; user i talks to process i mod N),
sharing one console folder (console.sqlite3: sessions, audit, acknowledgements), on 127.0.0.1
only, against a scratch copy of the generated database (the cached one is never written).

Each user is a thread with its own keep-alive connection, session and CSRF cookies. Step by step
it picks, by weight, a page of bench/pages.py or a write of bench/writes.py (retry or acknowledge
failed elements from the failed inbox, pause then resume an idle trigger, add a queue element),
done as a browser does it. It stops by itself after --seconds (at most 600). Errors: any non-200
page, any connection error, any write whose page does not show success or a legitimate
conditional refusal. Targets: zero errors, p95 <= 500 ms for pages and for writes, on the large
database with indexes. The run is marked unreliable when the machine was busy with other work.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own file
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate, harness, pages, writes  # noqa: E402

MAX_CLIENTS = 100
MAX_DURATION = 600
TARGET_P95_MS = 500.0
# The 1-minute load average above which other work skews the figures on this 2-core machine.
BUSY_LOAD = 1.5
# CPU that processes other than the console, its database and this script used during the run.
BUSY_OTHERS_CORES = 0.5
WEB_CONFIG = ROOT / "deploy" / "web.config"


def deployed_processes(web_config: Path = WEB_CONFIG) -> int:
    """processesPerApplication of deploy/web.config's httpPlatform element."""
    root = ET.parse(web_config).getroot()  # noqa: S314 - our own file
    node = root.find("system.webServer/httpPlatform")
    if node is None or not node.get("processesPerApplication", "").isdigit():
        raise SystemExit(f"{web_config}: no httpPlatform processesPerApplication")
    return int(node.get("processesPerApplication"))


DEPLOYED_PROCESSES = deployed_processes()


# --- the simulated people ----------------------------------------------------------------------


def actions(with_writes: bool) -> tuple[list, list[int]]:
    """What a user may do next and how often: every page, and every write flow."""
    mix: list = list(pages.PAGES) + (list(writes.FLOWS) if with_writes else [])
    return mix, [item.load_weight for item in mix]


def user_loop(user: writes.User, stop_at: float, mix: list, weights: list[int]) -> None:
    try:
        user.client.get("/")  # sign in (session cookie), not counted
        while time.monotonic() < stop_at:
            item = user.rnd.choices(mix, weights=weights)[0]
            if isinstance(item, pages.Page):
                user.view(item.key, item.url())
            else:
                item.run(user)
    except Exception as exc:  # noqa: BLE001 - a broken user is an error, not a silent stop
        user.errors.append(f"client: {type(exc).__name__}: {exc}"[:120])
    finally:
        user.client.close()


def run(ports: list[int], *, clients: int, duration: float, seed: int, with_writes: bool):
    """Run `clients` users for `duration` seconds; returns (users, seconds, unfinished)."""
    mix, weights = actions(with_writes)
    users = [
        writes.User(
            harness.Client(ports[i % len(ports)], timeout=30), random.Random(seed + i), f"u{i}"
        )
        for i in range(clients)
    ]
    started = time.monotonic()
    stop_at = started + duration
    threads = [
        threading.Thread(target=user_loop, args=(u, stop_at, mix, weights), daemon=True)
        for u in users
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, stop_at + 60 - time.monotonic()))
    return users, time.monotonic() - started, sum(t.is_alive() for t in threads)


# --- what the run measured ---------------------------------------------------------------------


def _stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    return {
        "n": len(values),
        "p50_ms": round(harness.percentile(values, 50), 1),
        "p95_ms": round(harness.percentile(values, 95), 1),
        "p99_ms": round(harness.percentile(values, 99), 1),
        "max_ms": round(max(values), 1),
    }


def summarize(users: list[writes.User], elapsed: float) -> dict:
    """Counts and latencies per group (pages, writes) and per kind within each, errors by kind."""
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    for user in users:
        for group, key, ms in user.samples:
            times[group, key].append(ms)
    errors = Counter(e for u in users for e in u.errors)
    errors_by_kind = Counter()
    for text, n in errors.items():
        errors_by_kind[text.split(":", 1)[0]] += n
    refusals = sum((u.refusals for u in users), Counter())
    skipped = sum((u.skipped for u in users), Counter())
    report: dict = {"duration_s": round(elapsed, 1)}
    for group in ("page", "write"):
        keys = sorted(k for g, k in times if g == group)
        every = [ms for k in keys for ms in times[group, k]]
        report[group + "s"] = {
            **_stats(every),
            "errors": sum(errors_by_kind[k] for k in keys),
            "per_second": round(len(every) / elapsed, 1) if elapsed else 0,
            "kinds": {
                k: {
                    **_stats(times[group, k]),
                    "errors": errors_by_kind[k],
                    "refused": refusals[k],
                    "skipped": skipped[k],
                }
                for k in keys
            },
        }
    report["all"] = _stats([ms for values in times.values() for ms in values])
    # Writes that never got as far as a timed click (no page, no control) are errors too.
    known = set(report["pages"]["kinds"]) | set(report["writes"]["kinds"])
    report["other_errors"] = {k: n for k, n in errors_by_kind.items() if k not in known}
    report["errors"] = sum(errors.values())
    report["error_kinds"] = dict(errors.most_common())
    report["skipped"] = dict(skipped)
    # A click is a POST and the GET of the page it redirects to.
    report["http_requests"] = report["pages"]["n"] + 2 * report["writes"]["n"]
    report["reconnects"] = sum(getattr(u.client, "reconnects", 0) for u in users)
    return report


CpuMeter = harness.CpuMeter  # shared with bench/run.py


def judge(report: dict, *, busy_load: float = BUSY_LOAD) -> dict:
    """PASS/FAIL per target, and whether the machine was quiet enough for the figures to count."""
    p95 = {g: report[g]["p95_ms"] for g in ("pages", "writes")}
    targets = {"zero errors": "PASS" if report["errors"] == 0 else "FAIL"}
    for group, value in p95.items():
        if report[group]["n"]:
            ok = value is not None and value <= TARGET_P95_MS
            targets[f"{group} p95 <= {TARGET_P95_MS:.0f} ms"] = "PASS" if ok else "FAIL"
    reasons = []
    before = report["loadavg_before"][0]
    if before > busy_load:
        reasons.append(f"1-minute load average {before} before the run > {busy_load}")
    others = report["cpu"]["others_cores"]
    if others > BUSY_OTHERS_CORES:
        reasons.append(f"other processes used {others} cores during the run")
    return {"targets": targets, "unreliable": reasons}


def wait_for_quiet(seconds: float, busy_load: float) -> None:
    """Wait (at most `seconds`) until the 1-minute load average is at most `busy_load`."""
    deadline = time.monotonic() + seconds
    while os.getloadavg()[0] > busy_load and time.monotonic() < deadline:
        print(f"  waiting for a quieter machine: load average {os.getloadavg()[0]:.2f}", flush=True)
        time.sleep(min(10.0, max(0.0, deadline - time.monotonic())))


# --- the command ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", choices=("small", "medium", "large"), default="large")
    parser.add_argument("--no-indexes", action="store_true", help="test the database without them")
    parser.add_argument("--clients", type=int, default=20, help="simulated users")
    parser.add_argument(
        "--seconds", "--duration", dest="duration", type=float, default=60.0, help="(max 600)"
    )
    parser.add_argument("--no-writes", action="store_true", help="page views only")
    parser.add_argument(
        "--sqlite-journal",
        choices=("delete", "wal"),
        default="delete",
        help="journal mode of the SQLite copy (default: %(default)s, as OpenOrchestrator leaves it)",
    )
    parser.add_argument("--threads", type=int, default=8, help="waitress threads (deployment: 8)")
    parser.add_argument(
        "--processes",
        type=int,
        default=DEPLOYED_PROCESSES,
        help="waitress processes (deploy/web.config processesPerApplication: %(default)s)",
    )
    parser.add_argument(
        "--busy-load",
        type=float,
        default=BUSY_LOAD,
        help="1-minute load average before the run above which it is unreliable (%(default)s)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="before the run, wait up to this long for the load average to drop to --busy-load "
        "(default %(default)s; 0: do not wait)",
    )
    parser.add_argument("--no-generate", action="store_true", help="only use cached databases")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--now", help="data 'now' (default: the current hour)")
    parser.add_argument("--max-age-hours", type=float, default=24.0)
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra setting for the server, e.g. CONSOLE_OVERVIEW_CACHE_SECONDS=0 (repeatable)",
    )
    parser.add_argument("--pg-url", default=harness.DEFAULT_PG)
    args = parser.parse_args(argv)
    args.extra_env = harness.parse_env(args.env, parser)
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be 1..{MAX_CLIENTS}")
    if not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--seconds must be 1..{MAX_DURATION}")
    if not 0 <= args.wait_quiet <= MAX_DURATION:
        parser.error(f"--wait-quiet must be 0..{MAX_DURATION} seconds")
    if not 1 <= args.threads <= 64:
        parser.error("--threads must be 1..64")
    if not 1 <= args.processes <= 16:
        parser.error("--processes must be 1..16")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    logs, elements = generate.SIZES[args.size]
    now = dt.datetime.fromisoformat(args.now) if args.now else harness.bench_now()
    spec = generate.Spec(logs=logs, elements=elements, seed=args.seed, now=now)
    db = harness.ensure_database(
        args.backend,
        args.size,
        not args.no_indexes,
        spec=spec,
        pg_base=args.pg_url,
        no_generate=args.no_generate,
        max_age_hours=args.max_age_hours,
    )
    print(
        f"Load test: {args.clients} users x {args.duration:.0f} s, "
        f"{'pages only' if args.no_writes else 'pages and writes'}, against {args.processes} "
        f"waitress process(es) --threads={args.threads} on {args.backend} {db.label} (a copy"
        + (f", journal {args.sqlite_journal})" if args.backend == "sqlite" else ")")
    )
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(harness.scratch_copy(db, sqlite_journal=args.sqlite_journal))
        var_dir = tempfile.mkdtemp(prefix="oo-loadtest-var-")
        stack.callback(shutil.rmtree, var_dir, ignore_errors=True)
        servers = [
            stack.enter_context(
                harness.Server(url, threads=args.threads, extra_env=args.extra_env, var_dir=var_dir)
            )
            for _ in range(args.processes)
        ]
        for server in servers:
            server.settle()
            warm = harness.Client(server.port)
            for page in pages.PAGES:  # one pass, so the first (cold) requests do not count
                warm.get(page.url())
            warm.close()
        meter = CpuMeter(
            [s.process.pid for s in servers if s.process],
            generate.pg_dbname(url) if args.backend == "postgresql" else None,
        )
        wait_for_quiet(args.wait_quiet, args.busy_load)
        load_before = [round(x, 2) for x in os.getloadavg()]
        meter.start()
        users, elapsed, unfinished = run(
            [server.port for server in servers],
            clients=args.clients,
            duration=args.duration,
            seed=args.seed,
            with_writes=not args.no_writes,
        )
        cpu = meter.stop(elapsed)
        load_after = [round(x, 2) for x in os.getloadavg()]
        peak_rss = max(server.peak_rss_mb() or 0 for server in servers)
        server_errors = [line for server in servers for line in _log_errors(server)]
        counted = harness.background_counts(servers)
    report = summarize(users, elapsed)
    requests = report["http_requests"]
    cpu["servers_ms_per_request"] = (
        round(cpu["servers_s"] * 1000 / requests, 1) if requests else None
    )
    cpu["database_ms_per_request"] = (
        round(cpu["database_s"] * 1000 / requests, 1) if requests else None
    )
    report.update(
        {
            "clients": args.clients,
            "unfinished_clients": unfinished,
            "cpu": cpu,
            "peak_rss_mb": peak_rss,
            "loadavg_at_start": load_at_start,
            "loadavg_before": load_before,
            "loadavg_after": load_after,
            "backend": args.backend,
            "size": args.size,
            "indexes": db.indexed,
            "sqlite_journal": args.sqlite_journal if args.backend == "sqlite" else None,
            "with_writes": not args.no_writes,
            "waitress_threads": args.threads,
            "waitress_processes": args.processes,
            "extra_env": args.extra_env,
            "environment": harness.environment_info(),
        }
    )
    report["server_log_errors"] = server_errors[-20:]
    report["background_counts"] = counted
    report.update(judge(report, busy_load=args.busy_load))
    print_report(report, targets_apply=args.size == "large" and db.indexed)
    out = harness.OUT / f"loadtest-{args.backend}-{args.processes}p.json"
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"JSON: {out}")
    return 0


def _log_errors(server: harness.Server) -> list[str]:
    """The lines of the server's log that say what went wrong (errors and warnings, exception
    lines, 5xx); not an INFO line that merely names something "error" (logs:error-groups)."""
    lines = server.log_tail(100_000).splitlines()
    return [
        line.strip()[:200]
        for line in lines
        if line
        and not line.startswith((" ", "Traceback"))
        and " INFO " not in line
        and ("Error" in line or "error" in line or " WARNING " in line)
    ]


def print_report(report: dict, *, targets_apply: bool) -> None:
    header = (
        f"{'kind':<20} {'n':>6} {'errors':>6} {'refused':>7} {'skipped':>7} {'p50':>7} {'p95':>7}"
    )
    for group in ("pages", "writes"):
        g = report[group]
        if not g["n"]:
            continue
        print(f"\n{header}")
        for key, s in g["kinds"].items():
            print(
                f"{key:<20} {s['n']:>6} {s['errors']:>6} {s['refused']:>7} {s['skipped']:>7} "
                f"{s['p50_ms']:>7.1f} {s['p95_ms']:>7.1f}"
            )
        print(
            f"{'all ' + group:<20} {g['n']:>6} {g['errors']:>6} {'':>7} {'':>7} "
            f"{g['p50_ms']:>7.1f} {g['p95_ms']:>7.1f}   ({g['per_second']}/s)"
        )
    a = report["all"]
    if a["n"]:
        print(
            f"{'all (pages, clicks)':<20} {a['n']:>6} {'':>30} {a['p50_ms']:>7.1f} {a['p95_ms']:>7.1f}"
        )
    if report["other_errors"]:
        print(f"errors before a write could be timed: {report['other_errors']}")
    print(
        f"\nerrors {report['errors']}" + (f": {report['error_kinds']}" if report["errors"] else "")
    )
    if report["server_log_errors"]:
        print("the servers' logs say (last lines):")
        for line in report["server_log_errors"][-8:]:
            print(f"  {line}")
    if report["skipped"]:
        print(f"nothing to act on (not errors): {report['skipped']}")
    if report.get("background_counts"):
        print(
            "snapshot counts in the servers (start-up included): "
            + ", ".join(
                f"{key} {c['n']}x {c['ms']:,} ms"
                for key, c in sorted(report["background_counts"].items())
            )
        )
    cpu = report["cpu"]
    reconnects = f", {report['reconnects']} GETs re-sent" if report["reconnects"] else ""
    print(
        f"{report['pages']['per_second']} pages/s, {report['writes']['per_second']} writes/s, "
        f"{report['http_requests']:,} HTTP requests in {report['duration_s']} s{reconnects}"
    )
    database = f", database {cpu['database_ms_per_request']} ms" if cpu["database_s"] else ""
    print(
        f"server CPU per request: waitress {cpu['servers_ms_per_request']} ms{database}; "
        f"this script {cpu['load_test_client_s']} s, other processes {cpu['others_cores']} cores; "
        f"peak RSS {report['peak_rss_mb']:.1f} MB per process"
    )
    print(
        f"load average (1/5/15 min): at start {report['loadavg_at_start']}, "
        f"before the run {report['loadavg_before']}, after {report['loadavg_after']}"
    )
    for name, verdict in report["targets"].items():
        print(f"  [{verdict}] {name}")
    if report["unreliable"]:
        print(f"  UNRELIABLE: the machine was busy ({'; '.join(report['unreliable'])})")
    if not targets_apply:
        print("  (the targets are defined for the large database with indexes)")


if __name__ == "__main__":
    sys.exit(main())
