"""Time to content in a real browser: navigation start to the moment a page shows what it is for.

    .venv/bin/python bench/time_to_content.py                 # small database with indexes
    .venv/bin/python bench/time_to_content.py --size large    # the scale the target is set for
    make time-to-content BENCH_ARGS="--size large --loads 20"

The HTTP benchmark (bench/run.py) times the server's answer; a person waits longer: the browser
parses the HTML, fetches the stylesheet and script, builds the table. This starts the console under
waitress on a generated database (bench/harness.py, cached in bench/out/), drives Debian's Chromium
headless through Playwright (`playwright install` cannot download browsers here) and loads each main
page of bench/pages.py: W warm-up loads (the first one is printed as "first"), then N timed ones.

An init script (READY_SCRIPT, run in every new document before the page's own) watches the DOM
with a MutationObserver and records performance.now(), which counts from the navigation's start,
when the content first exists: on a list page the first data row of the main table (a row with at
least two cells: the one-cell "No ... match" row does not count), on the dashboard every panel
with its content (the footer exists, so the parser is past the last panel). The tables' rows are
in the server's HTML (orchestrator_site.paging pages them on the server; the dashboard's fragment
script only refreshes panels after its interval), but the observer waits for real rows whatever
inserts them. Beside it, from the Navigation Timing API: responseStart (first byte),
domContentLoadedEventEnd and loadEventEnd.

Target: each page's median time to content <= TARGET_MS with the browser on the same machine.
As in bench/run.py, a run taken while the machine is busy (load average, or CPU used by processes
other than the server, this script and its browser) prints UNRELIABLE instead of PASS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate, harness, pages  # noqa: E402
from bench.run import _load, print_machine, reliability  # noqa: E402

TARGET_MS = 150.0
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = harness.CHROMIUM_ARGS

# Records, in window.__timeToContent, when each kind of content first exists in the DOM.
READY_SCRIPT = r"""
(() => {
  if (window.__timeToContent) return;
  const mark = { rows: null, panels: null };
  Object.defineProperty(window, "__timeToContent", { value: mark });
  const realRows = () => {
    const table = document.querySelector("#content table");
    if (!table) return [];
    return Array.from(table.querySelectorAll(":scope > tbody > tr")).filter(
      (tr) => tr.querySelectorAll(":scope > td").length >= 2
    );
  };
  const panels = () => {
    const grid = document.querySelector("#content .grid");
    if (!grid || !document.querySelector("body > footer")) return [];
    const all = Array.from(grid.querySelectorAll(":scope > section.panel"));
    return all.every((p) => p.firstElementChild) ? all : [];
  };
  const check = () => {
    const now = performance.now();
    if (mark.rows === null) {
      const rows = realRows();
      if (rows.length) {
        mark.rows = {
          ms: now,
          count: rows.length,
          cells: rows[0].querySelectorAll(":scope > td").length,
          text: rows[0].textContent.replace(/\s+/g, " ").trim().slice(0, 120),
        };
      }
    }
    if (mark.panels === null) {
      const found = panels();
      if (found.length) {
        mark.panels = {
          ms: now,
          count: found.length,
          cells: found.filter((p) => p.textContent.trim()).length,
          text: found.map((p) => p.id).join(" "),
        };
      }
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true });
  window.addEventListener("load", () => { check(); observer.disconnect(); });
})();
"""

# After the load event: the recorded moment and the navigation's own timings, in ms.
COLLECT_SCRIPT = r"""
(kind) => {
  const nav = performance.getEntriesByType("navigation")[0];
  const mark = window.__timeToContent ? window.__timeToContent[kind] : null;
  return {
    content_ms: mark ? mark.ms : null,
    matched: mark ? mark.count : 0,
    cells: mark ? mark.cells : 0,
    first: mark ? mark.text : "",
    response_ms: nav.responseStart,
    dcl_ms: nav.domContentLoadedEventEnd,
    load_ms: nav.loadEventEnd,
  };
}
"""


@dataclass(frozen=True)
class ContentPage:
    page: pages.Page
    content: str  # "rows": the main table's first data row; "panels": every dashboard panel


def _by_key(key: str) -> pages.Page:
    return next(p for p in pages.PAGES if p.key == key)


CONTENT_PAGES: tuple[ContentPage, ...] = (
    ContentPage(_by_key("dashboard"), "panels"),
    *(
        ContentPage(_by_key(key), "rows")
        for key in (
            "logs",
            "plogs",
            "queues",
            "queue",
            "triggers",
            "jobs",
            "schedulers",
            "credentials",
            "constants",
        )
    ),
)


def launch_options() -> dict[str, Any]:
    """Playwright's chromium.launch() arguments for Debian's Chromium (as tests/e2e does)."""
    return {"executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


def measure(page: Any, url: str, content: str) -> dict[str, Any]:
    """Load `url` in the Playwright `page` (READY_SCRIPT added to it or its context) and return
    the ms from navigation start to the content, to first byte, DOMContentLoaded and load."""
    response = page.goto(url, wait_until="load")
    page.wait_for_function("() => performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
    result = page.evaluate(COLLECT_SCRIPT, content)
    result["status"] = response.status if response else None
    return result


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def measure_page(
    page: Any, base_url: str, target: ContentPage, *, warmup: int, loads: int
) -> dict[str, Any]:
    url = base_url + target.page.url()
    result: dict[str, Any] = {"key": target.page.key, "label": target.page.label, "url": url}
    samples = []
    for n in range(warmup + loads):
        sample = measure(page, url, target.content)
        if sample["status"] != 200:
            result["verdict"] = f"HTTP {sample['status']}"
            return result
        if not _finite(sample["content_ms"]):
            result["verdict"] = f"no {target.content} ({sample['first'] or 'nothing matched'})"
            return result
        if n == 0:
            result["first_ms"] = sample["content_ms"]
            result["matched"] = sample["matched"]
        if n >= warmup:
            samples.append(sample)
    content = [s["content_ms"] for s in samples]
    result.update(
        {
            "median_ms": statistics.median(content),
            "p95_ms": harness.percentile(content, 95),
            "response_ms": statistics.median(s["response_ms"] for s in samples),
            "dcl_ms": statistics.median(s["dcl_ms"] for s in samples),
            "load_ms": statistics.median(s["load_ms"] for s in samples),
            "n": len(samples),
            "verdict": "ok",
        }
    )
    return result


def _descendants(root: int) -> list[int]:
    """`root` and every process below it (the server, Playwright's driver, Chromium's processes)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def _own_cpu_seconds() -> float:
    return sum(harness.process_cpu_seconds(pid) or 0.0 for pid in _descendants(os.getpid()))


def _ms(value: Any) -> str:
    return f"{value:8.1f}" if _finite(value) else f"{'-':>8}"


HEADER = (
    f"{'page':<30} {'first':>8} {'median':>8} {'p95':>8} {'1st byte':>8} {'DCL':>8} {'load':>8} "
    f"{'matched':>7}  verdict"
)


def _row(r: dict[str, Any]) -> str:
    return (
        f"{r['label'][:30]:<30} {_ms(r.get('first_ms'))} {_ms(r.get('median_ms'))} "
        f"{_ms(r.get('p95_ms'))} {_ms(r.get('response_ms'))} {_ms(r.get('dcl_ms'))} "
        f"{_ms(r.get('load_ms'))} {r.get('matched', '-')!s:>7}  {r.get('verdict', '')}"
    )


def run(db: harness.Database, *, warmup: int, loads: int, say=print) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with harness.Server(db.url, threads=4) as server:
        base_url = f"http://{harness.LOOPBACK}:{server.port}"
        say(f"  start-up work settled after {server.settle():.1f} s")
        say(HEADER)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch_options())
            context = browser.new_context()
            context.add_init_script(READY_SCRIPT)
            page = context.new_page()
            load_before = harness.loadavg()
            started = time.perf_counter()
            machine0, own0 = harness.machine_busy_seconds(), _own_cpu_seconds()
            results = []
            for target in CONTENT_PAGES:
                result = measure_page(page, base_url, target, warmup=warmup, loads=loads)
                results.append(result)
                say(_row(result))
            own = _own_cpu_seconds() - own0
            elapsed = time.perf_counter() - started
            others = max(0.0, harness.machine_busy_seconds() - machine0 - own) / elapsed
            load_after = harness.loadavg()
            browser.close()
    return {
        "size": db.size,
        "indexes": db.indexed,
        "pages": results,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "cpu": {"others_cores": round(others, 2), "own_cores": round(own / elapsed, 2)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", choices=("small", "medium", "large"), default="small")
    parser.add_argument("--indexes", choices=("on", "off"), default="on")
    parser.add_argument("--loads", type=int, default=10, help="timed loads per page")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up loads per page")
    parser.add_argument("--no-generate", action="store_true", help="only use cached databases")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--max-age-hours",
        type=float,
        default=24.0,
        help="reuse a cached database whose data 'now' is at most this old (default %(default)s)",
    )
    parser.add_argument("--pg-url", default=harness.DEFAULT_PG, help="server URL for PostgreSQL")
    args = parser.parse_args(argv)
    if not 1 <= args.loads <= 1000 or not 1 <= args.warmup <= 100:
        parser.error("--loads must be 1..1000 and --warmup 1..100")
    if not Path(CHROMIUM).exists():
        parser.error(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    logs, elements = generate.SIZES[args.size]
    spec = generate.Spec(logs=logs, elements=elements, seed=args.seed, now=harness.bench_now())
    cores = os.cpu_count() or 1
    load_start = harness.loadavg()
    print(f"Machine: {cores} CPUs; load average {_load(load_start)} (1/5/15 min) at the start")
    db = harness.ensure_database(
        args.backend,
        args.size,
        args.indexes == "on",
        spec=spec,
        pg_base=args.pg_url,
        no_generate=args.no_generate,
        max_age_hours=args.max_age_hours,
    )
    print(f"\n=== Time to content: {args.backend} {db.label}: {db.meta.get('counts', {})} ===")
    print(
        f"Chromium headless ({CHROMIUM}) on this machine; {args.warmup} warm-up loads per page "
        f"(first = the first of them), then {args.loads} timed ones. ms from navigation start:\n"
        "first/median/p95 to the content (main table's first data row; dashboard: every panel),\n"
        "and the medians of first byte, DOMContentLoaded and load. matched = rows (panels) in the\n"
        "DOM at that moment."
    )
    result = run(db, warmup=args.warmup, loads=args.loads)
    load_end = harness.loadavg()
    unreliable = reliability(load_start, load_end, [result], cores)
    print(
        f"  load average {_load(result['loadavg_before'])} before the loads, "
        f"{_load(result['loadavg_after'])} after; other processes used "
        f"{result['cpu']['others_cores']} cores meanwhile"
    )
    print_machine(cores, load_start, load_end, unreliable, "the target is")
    print(f"\nTarget ({args.backend} {db.label}, {dt.date.today()}):")
    for r in result["pages"]:
        median = r.get("median_ms")
        ok = _finite(median) and median <= TARGET_MS
        verdict = "UNRELIABLE" if unreliable and _finite(median) else ("PASS" if ok else "FAIL")
        figure = f"median {median:.1f} ms, p95 {r['p95_ms']:.1f} ms" if _finite(median) else ""
        print(
            f"  [{verdict}] {r['label'].strip()}: time to content <= {TARGET_MS:g} ms: "
            + (figure or r.get("verdict", ""))
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
