"""Where a page's server CPU goes: a page requested in-process under cProfile, top functions printed.

    .venv/bin/python bench/cpu_profile.py --size small --page triggers --requests 50
    .venv/bin/python bench/cpu_profile.py --size large --page plogs --sort tottime
    .venv/bin/python bench/cpu_profile.py --backend postgresql --size small --page frag_triggers

Uses a database `bench/run.py` generated (bench/out/, or on the PostgreSQL server), through Django's WSGI handler with the
identity adapter, as waitress would call it; no network, so the figures are the server's own work.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote_to_bytes

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate, harness, pages  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="small")
    parser.add_argument("--indexes", choices=("on", "off"), default="on")
    parser.add_argument(
        "--backend",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="postgresql: the database bench/run.py --backend postgresql generated on --pg-url",
    )
    parser.add_argument("--pg-url", default=harness.DEFAULT_PG, help="server URL for PostgreSQL")
    parser.add_argument("--page", default="triggers", help="a key of bench/pages.py, or a path")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--gc", action="store_true", help="also print the garbage collector's CPU per request"
    )
    parser.add_argument(
        "--every-view",
        action="store_true",
        help="first record a request of every view in /metrics' response-time histogram: a "
        "process that has served every page, the largest that histogram gets",
    )
    parser.add_argument(
        "--callers",
        default="",
        help="also print who calls the functions matching this pattern (e.g. 'trans_real.py.*gettext')",
    )
    parser.add_argument(
        "--queries",
        action="store_true",
        help="also print each SQL statement of one request with the CPU and wall time it took",
    )
    args = parser.parse_args(argv)

    suffix = "idx" if args.indexes == "on" else ""
    if args.backend == "postgresql":
        name = "_".join(filter(None, ("oo_bench", args.size, suffix)))
        marker = harness.OUT / f"postgresql-{name}.json"
        if not marker.exists():
            parser.error(
                f"{marker} does not exist: generate the database with bench/run.py --backend "
                f"postgresql --sizes {args.size}"
            )
        url = args.pg_url.rstrip("/") + "/" + name
    else:
        path = harness.OUT / f"oo-{args.size}{'-' + suffix if suffix else ''}.sqlite3"
        if not path.exists():
            parser.error(
                f"{path} does not exist: generate it with bench/run.py --sizes {args.size}"
            )
        url = f"sqlite:///{path}"
    os.environ.update(generate.console_env(url, var_dir=tempfile.mkdtemp(prefix="oo-prof-")))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--noinput", verbosity=0)
    from orchestrator_site.wsgi import application

    if args.every_view:
        _observe_every_view()
    by_key = {page.key: page for page in pages.PAGES}
    url = by_key[args.page].url() if args.page in by_key else args.page

    def request() -> int:
        environ = {
            "REQUEST_METHOD": "GET",
            # WSGI servers decode the path (as UTF-8 bytes in latin-1 str, PEP 3333).
            "PATH_INFO": unquote_to_bytes(url.split("?")[0]).decode("latin-1"),
            "QUERY_STRING": url.split("?", 1)[1] if "?" in url else "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        status = []
        body = application(environ, lambda s, h, *a: status.append(s))
        size = sum(len(chunk) for chunk in body)
        getattr(body, "close", lambda: None)()
        assert status[0].startswith("200"), status
        return size

    for _ in range(5):
        size = request()
    _wait_for_background_counts()
    # CPU per request in batches of 10: the median batch, and the cheapest one (the least disturbed
    # by other processes on a busy machine).
    batches = []
    collector = _GcMeter() if args.gc else None
    for _ in range(max(1, args.requests // 10)):
        cpu = time.process_time()
        for _ in range(10):
            request()
        batches.append((time.process_time() - cpu) * 100)
    batches.sort()
    load = os.getloadavg()[0]
    print(
        f"{url}: {size:,} bytes; CPU per request: median {batches[len(batches) // 2]:.1f} ms, "
        f"best {batches[0]:.1f} ms ({len(batches)} batches of 10; load average {load:.2f})"
    )
    if collector is not None:
        collector.stop()
        print(
            f"garbage collector: {collector.seconds * 1000 / (len(batches) * 10):.2f} ms CPU per "
            f"request, collections by generation {collector.collections} (thresholds "
            f"{gc.get_threshold()})"
        )
    if args.queries:
        _print_queries(request)
    if args.top <= 0 and not args.callers:
        return 0
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        request()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats(args.sort)
    stats.print_stats(args.top)
    if args.callers:
        stats.print_callers(args.callers)
    print(out.getvalue())
    return 0


def _print_queries(request) -> None:
    """Each statement one request runs, on every database, with its CPU and wall ms (on SQLite
    the database's work is this process's CPU; on a server it is mostly wall time)."""
    from contextlib import ExitStack

    from django.db import connections

    timings: list[tuple[str, float, float, str]] = []

    def timed(alias: str):
        def wrapper(execute, sql, params, many, context):
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings.append(
                    (
                        alias,
                        (time.process_time() - cpu) * 1000,
                        (time.perf_counter() - wall) * 1000,
                        sql,
                    )
                )

        return wrapper

    with ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(timed(alias)))
        request()
    print(f"{len(timings)} statements (cpu ms, wall ms; fetching the rows is not included):")
    for alias, cpu, wall, sql in timings:
        print(f"  {alias:<14} {cpu:7.2f} {wall:7.2f}  {' '.join(sql.split())[:300]}")


def _wait_for_background_counts(timeout: float = 120.0) -> None:
    """Let the start-up counts (snapshots.warm_up) and any recount the first requests started
    finish: their threads' CPU is this process's too, and would be counted as the page's."""
    import threading

    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))


def _observe_every_view() -> None:
    from django.urls import URLPattern, URLResolver, get_resolver

    from metrics import latency

    def names(resolver: URLResolver, prefix: str = ""):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLPattern):
                if pattern.name:
                    yield prefix + pattern.name
            else:
                yield from names(
                    pattern, prefix + (f"{pattern.namespace}:" * bool(pattern.namespace))
                )

    views = {"admin" if name.startswith("admin:") else name for name in names(get_resolver())}
    for view in views:
        latency.REQUEST_DURATION.labels(view, latency.worker()).observe(0.05)
    print(f"response-time histogram: {len(views)} views")


class _GcMeter:
    """CPU the garbage collector uses, from its start/stop callbacks."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started
            self.collections[info["generation"]] += 1

    def stop(self) -> None:
        gc.callbacks.remove(self._callback)


if __name__ == "__main__":
    sys.exit(main())
