"""Load test: N concurrent clients for a fixed time over a mix of pages, against waitress.

    .venv/bin/python bench/loadtest.py                     # 20 clients, 60 s, large SQLite DB + indexes
    .venv/bin/python bench/loadtest.py --backend postgresql --duration 30

The console runs under waitress as in the deployment kit (`--threads=8`, `--processes` as its
processesPerApplication: client i talks to process i mod N), on 127.0.0.1 only. Each
client is a thread with its own keep-alive connection and session cookie that picks pages from
bench/pages.py by their load weight. It stops by itself after --duration seconds (at most 600) and
reports errors, throughput and p50/p95/p99 overall and per page. Target: zero errors and
p95 <= 500 ms on the large database with indexes.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import random
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate, harness, pages  # noqa: E402

MAX_CLIENTS = 100
MAX_DURATION = 600
TARGET_P95_MS = 500.0
# processesPerApplication in deploy/web.config: keep the two in step.
DEPLOYED_PROCESSES = 2


def client_loop(
    port: int, seed: int, stop_at: float, mix: list[pages.Page], weights: list[int], out: dict
) -> None:
    rnd = random.Random(seed)
    client = harness.Client(port, timeout=30)
    samples: list[tuple[str, float]] = []
    errors: list[str] = []
    try:
        client.get("/")  # sign in (session cookie), not counted
        while time.monotonic() < stop_at:
            page = rnd.choices(mix, weights=weights)[0]
            try:
                response = client.get(page.url())
            except OSError as exc:
                errors.append(f"{page.key}: {type(exc).__name__}")
                continue
            if response.status != 200:
                errors.append(f"{page.key}: HTTP {response.status}")
            samples.append((page.key, response.seconds * 1000))
    finally:
        client.close()
        out["samples"] = samples
        out["errors"] = errors


def run(ports: list[int], *, clients: int, duration: float, seed: int) -> dict:
    mix = list(pages.PAGES)
    weights = [p.load_weight for p in mix]
    outputs = [{} for _ in range(clients)]
    started = time.monotonic()
    stop_at = started + duration
    threads = [
        threading.Thread(
            target=client_loop,
            # Client i talks to process i mod N, as IIS spreads connections over its processes.
            args=(ports[i % len(ports)], seed + i, stop_at, mix, weights, outputs[i]),
            daemon=True,
        )
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 60)
    elapsed = time.monotonic() - started
    samples = [s for o in outputs for s in o.get("samples", [])]
    errors = [e for o in outputs for e in o.get("errors", [])]
    times = [ms for _, ms in samples]
    per_page: dict[str, list[float]] = defaultdict(list)
    for key, ms in samples:
        per_page[key].append(ms)
    report = {
        "clients": clients,
        "duration_s": round(elapsed, 1),
        "requests": len(samples),
        "errors": len(errors),
        "error_kinds": dict(sorted(_count(errors).items())),
        "throughput_rps": round(len(samples) / elapsed, 1) if elapsed else 0,
        "p50_ms": round(harness.percentile(times, 50), 1) if times else None,
        "p95_ms": round(harness.percentile(times, 95), 1) if times else None,
        "p99_ms": round(harness.percentile(times, 99), 1) if times else None,
        "max_ms": round(max(times), 1) if times else None,
        "pages": {
            key: {
                "n": len(v),
                "p50_ms": round(harness.percentile(v, 50), 1),
                "p95_ms": round(harness.percentile(v, 95), 1),
                "p99_ms": round(harness.percentile(v, 99), 1),
            }
            for key, v in per_page.items()
        },
        "unfinished_clients": sum(t.is_alive() for t in threads),
    }
    return report


def _count(items: list[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", choices=("small", "medium", "large"), default="large")
    parser.add_argument("--no-indexes", action="store_true", help="test the database without them")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (max 600)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads (deployment: 8)")
    parser.add_argument(
        "--processes",
        type=int,
        default=DEPLOYED_PROCESSES,
        help="waitress processes, as HttpPlatformHandler's processesPerApplication "
        "(deployment kit: %(default)s)",
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
    extra_env = harness.parse_env(args.env, parser)
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be 1..{MAX_CLIENTS}")
    if not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--duration must be 1..{MAX_DURATION} seconds")
    if not 1 <= args.threads <= 64:
        parser.error("--threads must be 1..64")
    if not 1 <= args.processes <= 16:
        parser.error("--processes must be 1..16")

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
        f"Load test: {args.clients} clients x {args.duration:.0f} s against {args.processes} "
        f"waitress process(es) --threads={args.threads} on {args.backend} {db.label}"
    )
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(harness.Server(db.url, threads=args.threads, extra_env=extra_env))
            for _ in range(args.processes)
        ]
        for server in servers:
            server.settle()
            warm = harness.Client(server.port)
            for page in pages.PAGES:  # one pass, so the first (cold) requests do not count
                warm.get(page.url())
            warm.close()
        cpu_before = sum(server.cpu_seconds() or 0 for server in servers)
        report = run(
            [server.port for server in servers],
            clients=args.clients,
            duration=args.duration,
            seed=args.seed,
        )
        cpu_used = sum(server.cpu_seconds() or 0 for server in servers) - cpu_before
        report["peak_rss_mb"] = max(server.peak_rss_mb() or 0 for server in servers)
    # One waitress process runs Python under one GIL: about 1 core is its ceiling per process.
    report["server_cpu_cores_used"] = round(cpu_used / report["duration_s"], 2)
    report["server_cpu_ms_per_request"] = (
        round(cpu_used * 1000 / report["requests"], 1) if report["requests"] else None
    )
    report.update(
        {
            "backend": args.backend,
            "size": args.size,
            "indexes": db.indexed,
            "waitress_threads": args.threads,
            "waitress_processes": args.processes,
            "extra_env": extra_env,
            "environment": harness.environment_info(),
        }
    )
    print(f"\n{'page':<18} {'n':>6} {'p50':>8} {'p95':>8} {'p99':>8}")
    for key, s in sorted(report["pages"].items()):
        print(f"{key:<18} {s['n']:>6} {s['p50_ms']:>8.1f} {s['p95_ms']:>8.1f} {s['p99_ms']:>8.1f}")
    print(
        f"\nrequests {report['requests']:,} in {report['duration_s']} s = "
        f"{report['throughput_rps']} req/s; errors {report['errors']} {report['error_kinds'] or ''}"
    )
    print(
        f"latency p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms, p99 {report['p99_ms']} ms, "
        f"max {report['max_ms']} ms; peak RSS {report['peak_rss_mb']:.1f} MB per process"
    )
    print(
        f"server CPU: {report['server_cpu_ms_per_request']} ms per request, "
        f"{report['server_cpu_cores_used']} cores busy on average (machine load average "
        f"{report['environment']['loadavg_1_5_15'][0]})"
    )
    ok_errors = report["errors"] == 0
    ok_p95 = report["p95_ms"] is not None and report["p95_ms"] <= TARGET_P95_MS
    report["targets"] = {
        "zero errors": "PASS" if ok_errors else "FAIL",
        f"p95 <= {TARGET_P95_MS:.0f} ms": "PASS" if ok_p95 else "FAIL",
    }
    for name, verdict in report["targets"].items():
        print(f"  [{verdict}] {name}")
    if not (args.size == "large" and db.indexed):
        print("  (the targets are defined for the large database with indexes)")
    out = harness.OUT / f"loadtest-{args.backend}-{args.processes}p.json"
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"JSON: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
