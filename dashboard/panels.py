"""What the dashboard shows. Each panel is one bounded query over a time window (or a tiny table).

Every query is limited by the look-back window and by a row cap, so the page costs the same at ten
thousand or ten million rows when the recommended indexes exist (`manage.py orchestrator_indexes`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db import connections
from django.db.models import CharField, Count, Func
from django.db.models.functions import Cast, Substr, TruncDate
from django.urls import reverse

from logs.links import logs_around_url, process_logs_url, search_url
from logs.models import Log, LogLevel
from logs.queries import LEVEL_TIME_INDEX
from orchestrator_site import compiled, indexes, snapshots, ttlcache
from orchestrator_site.display import input_text
from orchestrator_site.grouping import Group, summarise
from orchestrator_site.paging import CappedCount, capped_count
from orchestrator_site.reversing import id_url
from queues.group_views import group_link
from queues.groups import groups_snapshot, recent_groups_snapshot
from queues.models import STATUS_END_INDEX, Acknowledgement, QueueElement, QueueStatus
from triggers import liveness
from triggers.models import (
    ACTIVE_STATUSES,
    Job,
    JobStatus,
    Scheduler,
    SchedulerState,
    Trigger,
    TriggerStatus,
)

RECENT_ERRORS_LIMIT = 15
TOP_GROUPS = 5
FAILED_ELEMENTS_SCAN = (
    2000  # at most this many failed elements are weighed against acknowledgements
)
FAILED_ELEMENTS_SHOWN = 15
ACK_BATCH = 500  # ids per query on OpenOrchestrator's database (SQL Server: < 2100 parameters)


def lookback_start(now: dt.datetime) -> tuple[dt.datetime, int]:
    """Start of the window: 48 hours, or 72 on Saturday, Sunday and Monday so Friday still shows."""
    hours = settings.CONSOLE_DASHBOARD_HOURS
    if now.weekday() in (5, 6, 0):
        hours = max(hours, settings.CONSOLE_DASHBOARD_WEEKEND_HOURS)
    return now - dt.timedelta(hours=hours), hours


@dataclass
class ErrorRow:
    log: Log
    around_url: str
    process_url: str
    detail_url: str  # the whole message


@dataclass
class RecentErrors:
    shown: list[ErrorRow]
    total: CappedCount
    since: dt.datetime
    all_url: str  # the cross-process search for exactly these errors


def recent_errors(start: dt.datetime) -> RecentErrors:
    """The newest RECENT_ERRORS_LIMIT errors since `start` and how many there are (counted up to
    CONSOLE_COUNT_CAP when the panel is full): range scans of the index on (log_level, log_time),
    the second (an index-only count) only when more errors may exist. The window starts
    on a whole second, as the search's “From” reads it, so that both count the same lines."""
    since = start.replace(microsecond=0)
    errors = Log.objects.filter(log_level=LogLevel.ERROR, log_time__gte=since)
    shown = list(errors.order_by("-log_time")[:RECENT_ERRORS_LIMIT])
    return RecentErrors(
        # Links built here, each route reversed once (orchestrator_site.reversing), not by a
        # template tag per cell: the panel is refreshed every few seconds by every open dashboard.
        shown=[
            ErrorRow(
                log,
                logs_around_url(log),
                process_logs_url(log.process_name),
                id_url("logs:detail", log.pk),
            )
            for log in shown
        ],
        total=_errors_total(errors, len(shown)),
        since=since,
        all_url=search_url(levels=[LogLevel.ERROR], since=since),
    )


def _errors_total(errors, shown: int) -> CappedCount:
    """Fewer than a full panel: those are all of them. A full one is counted from the index on
    (log_level, log_time) alone (log_time only: with the id, 4x the CPU at 784 errors); without
    that index a count would scan all of Logs every refresh, so the panel says "15+" instead."""
    if shown < RECENT_ERRORS_LIMIT:
        return CappedCount(shown, capped=False)
    if not indexes.present(LEVEL_TIME_INDEX):
        return CappedCount(shown, capped=True)
    return capped_count(errors.values("log_time"))


@dataclass
class FailedElements:
    shown: list[QueueElement]
    per_queue: list[tuple[str, int]]
    total: int
    capped: bool
    inbox_url: str = ""  # the failed inbox over the same window: it counts the same failures


def failed_elements(start: dt.datetime) -> FailedElements:
    """FAILED elements that ended (or, without an end date, were created) in the window and that
    no acknowledgement covers (Acknowledgement.covers, as in the failed inbox).

    The database counts them per queue; only the acknowledged ones (their end dates) and the
    newest, to show, are read. More than FAILED_ELEMENTS_SCAN of them are weighed one by one
    (_failed_by_scan), the newest first, and the panel says "+". Reading every failure's id
    to count them was a quarter of the dashboard's server CPU at 1,200 failures a window.

    The window starts on a whole second, as the inbox's `since` (a form field in seconds) does, so
    that the inbox behind `inbox_url` counts exactly these failures.
    """
    start = start.replace(microsecond=0)
    if not indexes.present(STATUS_END_INDEX):
        # Without the (status, end_date) index each read of the window's failures scans the
        # table: one scan, of ids and queues newest first, then the rows shown by id
        # (PostgreSQL, 300k elements: two scans of 22-24 ms each before).
        return _failed_by_scan(start)
    dated, undated = _failed_in_window(start)
    per_queue = Counter(compiled.flat_values(dated.order_by().values_list("queue_name", flat=True)))
    any_dated = per_queue.total() > 0  # only those can be acknowledged (Acknowledgement.covers)
    per_queue.update(compiled.flat_values(undated.order_by().values_list("queue_name", flat=True)))
    if per_queue.total() > FAILED_ELEMENTS_SCAN:
        return _failed_by_scan(start)
    covered = _covered_dated(start, dated) if any_dated else {}
    per_queue.subtract(covered.values())
    newest = [
        e for e in _shown(dated.order_by("-end_date"), len(covered)) if e.pk.hex not in covered
    ]
    newest += _shown(undated.order_by("-created_date"), 0)
    newest.sort(key=lambda e: e.end_date or e.created_date, reverse=True)
    return FailedElements(
        shown=newest[:FAILED_ELEMENTS_SHOWN],
        per_queue=sorted(
            ((queue, n) for queue, n in per_queue.items() if n > 0),
            key=lambda item: (-item[1], item[0]),
        ),
        total=per_queue.total(),
        capped=False,
        inbox_url=_inbox_url(start),
    )


def _failed_in_window(start: dt.datetime):
    """The failures that ended in the window, and those created in it without an end date: two
    index ranges ((status, end_date), and OpenOrchestrator's own index on created_date) rather
    than one OR, which walked the whole created_date index in date order (84 ms)."""
    failed = QueueElement.objects.filter(status=QueueStatus.FAILED)
    return (
        failed.filter(end_date__gte=start),
        failed.filter(end_date__isnull=True, created_date__gte=start),
    )


def _shown(queryset, extra: int) -> list[QueueElement]:
    """The newest FAILED_ELEMENTS_SHOWN (and `extra` more, for the acknowledged among them)."""
    fields = ("id", "queue_name", "reference", "message", "created_date", "end_date")
    return list(queryset.only(*fields)[: FAILED_ELEMENTS_SHOWN + extra])


def _covered_dated(start: dt.datetime, dated) -> dict[str, str]:
    """The failures of `dated` an acknowledgement still covers: their ids (hex) and queues.
    Only an acknowledgement made after the failure can cover it, so those since `start` are
    all that need reading, as the inbox reads them."""
    acknowledged_at = {
        element_id.hex: at
        for element_id, at in Acknowledgement.objects.filter(acknowledged_at__gte=start)
        .order_by()
        .values_list("element_id", "acknowledged_at")
    }
    ids = [uuid.UUID(key) for key in acknowledged_at]
    covered: dict[str, str] = {}
    for first in range(0, len(ids), ACK_BATCH):
        rows = dated.filter(id__in=ids[first : first + ACK_BATCH]).order_by()
        for pk, queue, end in rows.values_list("id", "queue_name", "end_date"):
            if end is not None and end <= acknowledged_at[pk.hex]:
                covered[pk.hex] = queue
    return covered


def _inbox_url(start: dt.datetime) -> str:
    return reverse("queues:failed") + "?" + urlencode({"since": input_text(start)})


def _failed_by_scan(start: dt.datetime) -> FailedElements:
    """failed_elements() when more than FAILED_ELEMENTS_SCAN failed in the window: the newest
    that many, weighed one by one, and the panel says "+".

    Counting needs only each element's id and queue, so the scan reads those two columns; dates,
    which cost a parse per row, are read only for the acknowledged elements and for the rows that
    may be shown.
    """
    dated, undated = _failed_in_window(start)
    dated, undated = dated.order_by("-end_date"), undated.order_by("-created_date")
    # Ids as the database's text (a key compared below), not a UUID built per row: at 1,200
    # failures that was half of the panel's CPU.
    scanned = [(_key(i), q, True) for i, q in _id_texts(dated)[: FAILED_ELEMENTS_SCAN + 1]]
    scanned += [(_key(i), q, False) for i, q in _id_texts(undated)[: FAILED_ELEMENTS_SCAN + 1]]
    capped = len(scanned) > FAILED_ELEMENTS_SCAN
    scanned = scanned[:FAILED_ELEMENTS_SCAN]
    dated_keys = {row[0] for row in scanned if row[2]}
    covered = set(_covered_dated(start, dated)) & dated_keys if dated_keys else set()
    open_rows = [row for row in scanned if row[0] not in covered]
    per_queue = Counter(row[1] for row in open_rows)
    # Each list is in its own date order, so the newest shown are among the first of each.
    newest = [row[0] for row in open_rows if row[2]][:FAILED_ELEMENTS_SHOWN]
    newest += [row[0] for row in open_rows if not row[2]][:FAILED_ELEMENTS_SHOWN]
    candidates = [uuid.UUID(key) for key in newest]
    loaded = QueueElement.objects.filter(id__in=candidates).only(
        "id", "queue_name", "reference", "message", "created_date", "end_date"
    )
    shown = sorted(loaded, key=lambda e: e.end_date or e.created_date, reverse=True)
    return FailedElements(
        shown=shown[:FAILED_ELEMENTS_SHOWN],
        per_queue=sorted(per_queue.items(), key=lambda item: (-item[1], item[0])),
        total=len(open_rows),
        capped=capped,
        inbox_url=_inbox_url(start),
    )


def _id_texts(queryset):
    """(id, queue_name) rows with the id as the database stores it in text (hex on SQLite,
    dashed on PostgreSQL and SQL Server)."""
    return queryset.annotate(id_text=Cast("id", output_field=CharField())).values_list(
        "id_text", "queue_name"
    )


def _key(id_text: str) -> str:
    """An id's text in one form whatever the database wrote: uuid.UUID(...).hex."""
    if len(id_text) == 32:  # SQLite: OpenOrchestrator's hex already
        return id_text.lower()
    return id_text.replace("-", "").replace("{", "").replace("}", "").lower()


@dataclass
class FailureGroups:
    top: list[tuple[Group, str]]  # (group, link to the failed inbox narrowed to it)
    more: int
    all_url: str
    snapshot: snapshots.Snapshot


def failure_groups(start: dt.datetime, now: dt.datetime) -> FailureGroups:
    """The biggest causes of the window's failed elements, from the groups' shared snapshot of
    the last few days (no query of OpenOrchestrator's tables unless it is missing); from the
    30 days' one only when the window reaches further back (a setting changed since the count)."""
    snapshot = recent_groups_snapshot()
    if start < snapshot.value.horizon:
        snapshot = groups_snapshot()
    groups = summarise(snapshot.value, start, now, buckets=0, per_scope=False)
    query = urlencode({"since": input_text(start)})
    return FailureGroups(
        top=[(g, group_link(g.key, start, now, [])) for g in groups[:TOP_GROUPS]],
        more=max(0, len(groups) - TOP_GROUPS),
        all_url=f"{reverse('queues:failed_groups')}?{query}",
        snapshot=snapshot,
    )


@dataclass
class TriggerProblem:
    trigger: Trigger
    problem: str  # "failed" | "stuck"
    reason: str = ""


def _failed_or_active(triggers):
    return triggers.filter(process_status__in=(TriggerStatus.FAILED, *ACTIVE_STATUSES)).order_by(
        "trigger_name"
    )[:200]


def trigger_problems(now: dt.datetime) -> list[TriggerProblem]:
    """FAILED triggers, and active ones that nothing will move (the same judgement as the reset)."""
    triggers = compiled.rows(Trigger, "dashboard:trigger-problems", _failed_or_active)
    who = liveness.owners([t for t in triggers if t.process_status != TriggerStatus.FAILED], now)
    problems = []
    for trigger in triggers:
        if trigger.process_status == TriggerStatus.FAILED:
            problems.append(TriggerProblem(trigger, "failed"))
            continue
        verdict = liveness.staleness(trigger, now, who[trigger.pk])
        if verdict.stale:
            problems.append(TriggerProblem(trigger, "stuck", verdict.reason))
    return problems


@dataclass
class RunningJob:
    job: Job
    seconds: int
    scheduler_state: str


def _running(jobs):
    return jobs.filter(status=JobStatus.RUNNING).order_by("start_time")[:100]


def running_jobs(now: dt.datetime, schedulers: dict[str, Scheduler]) -> list[RunningJob]:
    jobs = compiled.rows(Job, "dashboard:running-jobs", _running)
    result = []
    for job in jobs:
        scheduler = schedulers.get(job.scheduler_name)
        state = scheduler.state(now) if scheduler else SchedulerState.OFFLINE
        result.append(RunningJob(job, max(0, int((now - job.start_time).total_seconds())), state))
    return result


@dataclass
class SchedulerRow:
    scheduler: Scheduler
    state: str
    age: int


def scheduler_rows(now: dt.datetime) -> list[SchedulerRow]:
    schedulers = compiled.rows(
        Scheduler, "dashboard:schedulers", lambda schedulers: schedulers.all()
    )
    rows = [SchedulerRow(s, s.state(now), s.age_seconds(now)) for s in schedulers]
    order: dict[str, int] = {
        SchedulerState.OFFLINE: 0,
        SchedulerState.STALE: 1,
        SchedulerState.ONLINE: 2,
    }  # problems first
    rows.sort(key=lambda r: (order[r.state], r.scheduler.machine_name))
    return rows


@dataclass
class Throughput:
    days: list[dt.date]
    done: list[int]
    failed: list[int]
    bars: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    max_value: int = 0
    width: int = 0
    label_y: int = 0

    @property
    def rows(self) -> list[tuple[dt.date, int, int]]:
        return list(zip(self.days, self.done, self.failed, strict=True))


CHART_HEIGHT = 160
CHART_BAR = 14
# A day's two bars and its date under them, in the console's one format ("28-11-2026", about 52
# px at the chart's 10 px font), with room between one date and the next.
CHART_SLOT = CHART_BAR * 2 + 36


THROUGHPUT_CACHE_SECONDS = 60  # day totals move slowly; the query reads up to days x elements/day


def _daily_counts(start: dt.datetime) -> dict[tuple[dt.date, str], int]:
    """{(day, status): n} for DONE/FAILED elements that ended since `start`, in one grouped query."""
    elements = QueueElement.objects.filter(
        status__in=(QueueStatus.DONE, QueueStatus.FAILED), end_date__gte=start
    )
    if connections[elements.db].vendor == "sqlite":
        # Dates are stored as "YYYY-MM-DD HH:MM:SS.ffffff" text: the day is its first ten
        # characters. TruncDate would call a Python function for every row.
        day: Func = Substr("end_date", 1, 10)
    else:
        day = TruncDate("end_date")
    rows = elements.annotate(day=day).values("day", "status").annotate(n=Count("id")).order_by()
    counts = {}
    for row in rows:
        key = row["day"] if isinstance(row["day"], dt.date) else dt.date.fromisoformat(row["day"])
        counts[(key, row["status"])] = row["n"]
    return counts


def throughput(now: dt.datetime, days: int | None = None) -> Throughput:
    """DONE vs FAILED elements per day (by end date) for the last `days` days: one grouped query."""
    days = days or settings.CONSOLE_THROUGHPUT_DAYS
    first = now.date() - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time.min)
    counts = ttlcache.cached(
        f"dashboard:throughput:{first.isoformat()}:{days}",
        THROUGHPUT_CACHE_SECONDS,
        lambda: _daily_counts(start),
    )
    day_list = [first + dt.timedelta(days=i) for i in range(days)]
    done = [counts.get((d, QueueStatus.DONE), 0) for d in day_list]
    failed = [counts.get((d, QueueStatus.FAILED), 0) for d in day_list]
    chart = Throughput(day_list, done, failed)
    chart.max_value = max(done + failed + [1])
    slot = CHART_SLOT
    for i, day in enumerate(day_list):
        x = 40 + i * slot
        for j, (status, value) in enumerate(
            ((QueueStatus.DONE, done[i]), (QueueStatus.FAILED, failed[i]))
        ):
            height = round(value / chart.max_value * CHART_HEIGHT)
            chart.bars.append(
                {
                    "series": status,
                    "x": x + j * CHART_BAR,
                    "y": 10 + CHART_HEIGHT - height,
                    "height": height,
                    "value": value,
                    "day": day,
                }
            )
    chart.width = 40 + days * slot + 10
    chart.label_y = CHART_HEIGHT + 24
    chart.labels = [{"x": 40 + i * slot + CHART_BAR, "day": d} for i, d in enumerate(day_list)]
    return chart
