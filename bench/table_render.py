"""Time the body of a page of the log and trigger lists: ConsoleTable against django-tables2's own.

    .venv/bin/python bench/table_render.py [--rows 50 100] [--number 20]
    .venv/bin/python bench/table_render.py --calibrate

In-memory rows (no database) under the test settings. For each table and page size it prints the
CPU microseconds per page (best of 5) of ConsoleTable.tbody_html() and of the whole table through django-tables2's
template and through the console's, and for the trigger list's Actions cell the microseconds per row
of ActionButtons against the template it replaced (read from git history). Prints the load average:
on a busy machine, compare ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
import timeit
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

import django_tables2 as tables  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.template import Context, Template, engines  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from logs.models import Log, LogLevel  # noqa: E402
from logs.tables import LogTable  # noqa: E402
from triggers.models import (  # noqa: E402
    QueueTrigger,
    ScheduledTrigger,
    SingleTrigger,
    Trigger,
    TriggerStatus,
    TriggerType,
)
from triggers.tables import ActionButtons, TriggerTable  # noqa: E402

NOW = dt.datetime(2026, 11, 25, 10, 30, 15)
OLD_ACTIONS = "7791386^:triggers/templates/triggers/_row_actions.html"  # replaced by ActionButtons


class Everyone(AnonymousUser):
    """A user with every permission, so every button is built (no database)."""

    is_authenticated = True

    def has_perm(self, perm, obj=None):
        return True


def logs(n: int) -> list[Log]:
    levels = list(LogLevel.values)
    return [
        Log(
            id=uuid.UUID(int=i + 1),
            log_time=NOW - dt.timedelta(seconds=i),
            log_level=levels[i % len(levels)],
            process_name="Proc A",
            log_message=("line <b> & more\n" * (i % 4)) or "short",
            job_id=uuid.uuid4() if i % 3 else None,
        )
        for i in range(n)
    ]


def triggers(n: int) -> list[Trigger]:
    kinds = [TriggerType.SINGLE, TriggerType.SCHEDULED, TriggerType.QUEUE]
    statuses = list(TriggerStatus.values)
    rows = []
    for i in range(n):
        kind = kinds[i % 3]
        t = Trigger(
            id=uuid.uuid4(),
            trigger_name=f"Trigger {i:03}",
            process_name=f"Proc {i % 7}",
            last_run=NOW - dt.timedelta(hours=i),
            process_status=statuses[i % len(statuses)],
            is_git_repo=bool(i % 2),
            git_branch="main",
            scheduler_whitelist=["SCHED-1"] if i % 2 else [],
            priority=i % 5,
            type=kind,
        )
        if kind == TriggerType.SINGLE:
            t.single = SingleTrigger(next_run=NOW + dt.timedelta(minutes=i - 20))
        elif kind == TriggerType.SCHEDULED:
            t.scheduled = ScheduledTrigger(cron_expr="0 6 * * *", next_run=NOW)
        else:
            t.queue = QueueTrigger(queue_name="Queue A", min_batch_size=5)
        t.next_run_at = t.next_run
        rows.append(t)
    return rows


def request():
    req = RequestFactory().get("/list/", {"q": "x"})
    req.user = Everyone()
    return req


def page_table(make, rows, per_page, **kwargs):
    req = request()
    table = make(rows, request=req, **kwargs)
    tables.RequestConfig(req, paginate={"per_page": per_page}).configure(table)
    return table, req


WHOLE = Template("{% load django_tables2 %}{% render_table table %}")


def micro(fn, number: int) -> float:
    """CPU time of this process per call (others' load on a shared machine counts less)."""
    times = timeit.repeat(fn, number=number, repeat=5, timer=time.process_time)
    return min(times) / number * 1e6


def bench_table(label, make, rows, per_page, number, **kwargs):
    def body():
        table, _ = page_table(make, rows, per_page, **kwargs)
        return table.tbody_html()

    def whole(template_name=None):
        def run():
            extra = {"template_name": template_name} if template_name else {}
            table, req = page_table(make, rows, per_page, **kwargs, **extra)
            return WHOLE.render(Context({"table": table, "request": req}))

        return run

    print(
        f"{label:9} {per_page:4} rows: tbody_html {micro(body, number):9.0f} µs"
        f" | whole table: console {micro(whole(), number):9.0f} µs,"
        f" django-tables2 {micro(whole('django_tables2/table.html'), number):9.0f} µs"
    )


def bench_actions(rows, number):
    try:
        source = subprocess.run(
            ["git", "show", OLD_ACTIONS], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        print("actions: the old template is not in this clone's history; skipped")
        return
    template = engines["django"].from_string(source)
    req = request()
    table = TriggerTable(rows, request=req, now=NOW)

    def python():
        buttons = ActionButtons(req, NOW)  # one per page, as TriggerTable does
        return [buttons(t) for t in rows]

    def templated():
        return [template.render({"record": t, "table": table, "now": NOW}, req) for t in rows]

    n = len(rows)
    print(
        f"actions   {n:4} rows: ActionButtons {micro(python, number) / n:7.1f} µs/row,"
        f" template {micro(templated, number) / n:7.1f} µs/row"
    )


def calibration_us(number: int = 20) -> float:
    """CPU µs of one 50-row log table body: the fixed workload bench/run.py times before and
    after its timings, so that a run on a slower machine (or minute) says so."""
    rows = logs(50)

    def body():
        table, _ = page_table(LogTable, rows, 50)
        return table.tbody_html()

    return micro(body, number)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[50, 100])
    parser.add_argument("--number", type=int, default=20)
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="print only the CPU µs of a 50-row log table body (bench/run.py's machine speed)",
    )
    args = parser.parse_args()
    if args.calibrate:
        print(f"{calibration_us(args.number):.0f}")
        return
    print(f"django-tables2 {tables.__version__}, load average {os.getloadavg()}")
    for n in args.rows:
        bench_table("logs", LogTable, logs(n), n, args.number)
        bench_table("triggers", TriggerTable, triggers(n), n, args.number, now=NOW)
    bench_actions(triggers(max(args.rows)), args.number)
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
