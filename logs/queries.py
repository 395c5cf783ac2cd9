"""Read-side queries of the logs pages, each written with its query plan in mind.

Indexes these queries expect on OpenOrchestrator's tables (OpenOrchestrator itself creates none on
Logs besides the primary key; orchestrator_site/indexes.py has the DDL per backend):
  Logs (process_name, log_time)            process pages, around, export, delete by filter
  Logs (process_name, log_level, log_time) the overview's full count (covering: no table rows read)
  Logs (log_level, log_time)               the overview's refresh: the newest rows, recent errors
  Logs (job_id)                            a job's logs (here and on the job page, triggers.job_views)
  Logs (log_time)                          purge_logs without --process, the Log admin unfiltered
The jobs pages' queries are in triggers.queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Value

from logs.models import Log, LogLevel
from orchestrator_site import clock, compiled, indexes, snapshots
from orchestrator_site.tables import LateRows

OVERVIEW_CACHE_KEY = "logs:overview"
# The version follows the shape of grouping.Occurrences: a snapshot of an older shape is not read.
GROUPS_CACHE_KEY = "logs:error-groups:2"  # logs.groups
RECENT_ERRORS = dt.timedelta(hours=48)
AROUND_MAX_ROWS = 500
JOB_LOGS_SHOWN = 200


@dataclass(frozen=True)
class ProcessSummary:
    process_name: str
    trace: int
    info: int
    error: int
    recent_errors: int
    last_log: dt.datetime | None

    @property
    def total(self) -> int:
        return self.trace + self.info + self.error


@dataclass(frozen=True)
class Tally:
    """One process's counts per level and newest log_time, over some of its rows."""

    trace: int = 0
    info: int = 0
    error: int = 0
    last_log: dt.datetime | None = None

    def plus(self, other: Tally, sign: int = 1) -> Tally:
        """Both tallies' rows (`sign` -1: these rows without `other`'s, but the newest log_time
        of both, which only a delete could make wrong, and a delete calls for a full count)."""
        return Tally(
            self.trace + sign * other.trace,
            self.info + sign * other.info,
            self.error + sign * other.error,
            max((t for t in (self.last_log, other.last_log) if t is not None), default=None),
        )


@dataclass(frozen=True)
class LogCounts:
    """The logs overview's snapshot: the rows the page shows, and what the next refresh builds on.

    `settled` holds each process's counts of the rows with log_time before `settled_before`; the
    rows from there on (the last CONSOLE_LOG_COUNT_MARGIN_SECONDS and anything later) are counted
    again by every refresh, so a robot whose clock lags the server's by less than the margin is
    counted once, when its rows arrive. `full_count_at`: when the whole table was last counted.
    """

    summaries: list[ProcessSummary]
    settled: dict[str, Tally]
    settled_before: dt.datetime
    full_count_at: dt.datetime


def process_overview() -> snapshots.Snapshot:
    """One row per process (ProcessSummary), newest activity first, and when it was counted.

    A full count scans the whole table (an index-only scan with the covering index, still a few
    hundred ms at a million rows on SQLite), so the page is served from a snapshot shared by every process
    (orchestrator_site.snapshots) whose periodic refresh (refresh_counts) reads only recent rows.
    """
    snapshot = snapshots.get(OVERVIEW_CACHE_KEY, count_processes, refresh_counts)
    counts = snapshot.value
    # A snapshot stored by an older version of the console held the rows themselves.
    return replace(snapshot, value=counts.summaries if isinstance(counts, LogCounts) else counts)


def mark_overview_changed() -> None:
    """After the console deleted logs: every process recounts once, fully, in the background."""
    snapshots.mark_changed(OVERVIEW_CACHE_KEY, GROUPS_CACHE_KEY)


def count_processes() -> LogCounts:
    """Count the whole table: one grouped scan (of the covering index, when it exists), and in the
    same statement, so that both see the same rows, the rows not settled yet (a range scan)."""
    now = clock.now()
    settled_before = now - dt.timedelta(seconds=settings.CONSOLE_LOG_COUNT_MARGIN_SECONDS)
    since = now - RECENT_ERRORS
    totals, unsettled = _tallies(
        _per_process(Log.objects.all(), 0, errors_since=since),
        _per_process(Log.objects.filter(log_time__gte=settled_before), 1),
    )
    settled = {name: tally.plus(unsettled.get(name, Tally()), -1) for name, tally in totals.items()}
    recent = {name: tally.recent_errors for name, tally in totals.items()}
    return _counted(settled, unsettled, settled_before, recent, full_count_at=now)


def refresh_counts(previous: LogCounts) -> LogCounts:
    """`previous` brought up to date by reading only the rows from its `settled_before` on, and
    the error rows of the last RECENT_ERRORS (range scans of an index on log_level, log_time),
    or a full count when CONSOLE_LOG_RECOUNT_MINUTES have passed since the last one.

    Robots only insert logs, and only the console deletes them (then the snapshot is marked
    changed and counted fully), so adding the rows that settled since the last refresh is exact,
    except for a row that arrives with a log_time already settled: a robot clock lagging by more
    than the margin. The periodic full count corrects that.
    """
    now = clock.now()
    recount = dt.timedelta(minutes=settings.CONSOLE_LOG_RECOUNT_MINUTES)
    if (
        not isinstance(previous, LogCounts)
        or not dt.timedelta(0) <= now - previous.full_count_at < recount
    ):
        return count_processes()  # also when the server's clock was set back
    margin = dt.timedelta(seconds=settings.CONSOLE_LOG_COUNT_MARGIN_SECONDS)
    # Never back: a server clock set back must not count the same rows twice.
    settled_before = max(previous.settled_before, now - margin)
    since = now - RECENT_ERRORS
    settling, unsettled, errors = _tallies(
        _per_process(
            Log.objects.filter(log_time__gte=previous.settled_before, log_time__lt=settled_before),
            0,
        ),
        _per_process(Log.objects.filter(log_time__gte=settled_before), 1),
        # Counted afresh each time, so that errors age out of the window as time passes.
        _per_process(Log.objects.filter(log_level=LogLevel.ERROR, log_time__gte=since), 2),
    )
    settled = dict(previous.settled)
    for name, tally in settling.items():
        settled[name] = settled.get(name, Tally()).plus(tally)
    recent = {name: tally.error for name, tally in errors.items()}
    return _counted(settled, unsettled, settled_before, recent, previous.full_count_at)


@dataclass(frozen=True)
class _Counted(Tally):
    recent_errors: int = 0


def _per_process(logs: QuerySet[Log], part: int, errors_since: dt.datetime | None = None):
    """`logs` counted per process, each level apart (and the errors from `errors_since`), as
    `part` of the one statement `_tallies` runs.

    A time range reads only OpenOrchestrator's three levels: `log_level IN (...)` lets it use an
    index on (log_level, log_time) or the covering (process_name, log_level, log_time) index.
    Counting log_level (not id) keeps every referenced column inside the covering index.
    """
    if errors_since is None:
        logs = logs.filter(log_level__in=list(LogLevel.values))
        recent: Count | Value = Value(0)
    else:
        recent = Count("log_level", filter=Q(log_level=LogLevel.ERROR, log_time__gte=errors_since))
    return (
        logs.order_by()
        .values("process_name")
        .annotate(
            part=Value(part),
            trace=Count("log_level", filter=Q(log_level=LogLevel.TRACE)),
            info=Count("log_level", filter=Q(log_level=LogLevel.INFO)),
            error=Count("log_level", filter=Q(log_level=LogLevel.ERROR)),
            recent_errors=recent,
            last_log=Max("log_time"),
        )
    )


def _tallies(*parts) -> list[dict[str, _Counted]]:
    """Each part's counts by process name, from one UNION ALL: one statement sees one state of
    the table, so no row written meanwhile is counted in one part and missed in another."""
    found: list[dict[str, _Counted]] = [{} for _ in parts]
    for row in parts[0].union(*parts[1:], all=True):
        name, part = row.pop("process_name"), row.pop("part")
        found[part][name] = _Counted(**row)
    return found


def _counted(
    settled: dict[str, Tally],
    unsettled: dict[str, _Counted],
    settled_before: dt.datetime,
    recent: dict[str, int],
    full_count_at: dt.datetime,
) -> LogCounts:
    """The settled counts plus the rows not settled yet: what the page shows."""
    current = dict(settled)
    for name, tally in unsettled.items():
        current[name] = current.get(name, Tally()).plus(tally)
    summaries = sorted(
        (
            ProcessSummary(
                process_name=name,
                trace=tally.trace,
                info=tally.info,
                error=tally.error,
                recent_errors=recent.get(name, 0),
                last_log=tally.last_log,
            )
            for name, tally in current.items()
        ),
        key=lambda s: (s.last_log or dt.datetime.min, s.process_name),
        reverse=True,
    )
    return LogCounts(summaries, settled, settled_before, full_count_at)


def around(log: Log, minutes: int):
    """The process's logs within +/- `minutes` of `log`, oldest first, at most AROUND_MAX_ROWS.

    Centred on the line: up to half the rows before it and the rest after it (two index range scans).
    """
    delta = dt.timedelta(minutes=minutes)
    same = Log.objects.filter(process_name=log.process_name)
    half = AROUND_MAX_ROWS // 2
    before = list(
        same.filter(log_time__gte=log.log_time - delta, log_time__lt=log.log_time).order_by(
            "-log_time"
        )[: half + 1]
    )
    after = list(
        same.filter(log_time__gte=log.log_time, log_time__lte=log.log_time + delta).order_by(
            "log_time"
        )[: AROUND_MAX_ROWS - half + 1]
    )
    truncated = len(before) > half or len(after) > AROUND_MAX_ROWS - half
    rows = before[:half][::-1] + after[: AROUND_MAX_ROWS - half]
    return rows, truncated


# The indexes that give each level's newest lines in order, without and with a process filter.
LEVEL_TIME_INDEX = f"{indexes.PREFIX}logs_level_time"
PROCESS_LEVEL_TIME_INDEX = f"{indexes.PREFIX}logs_process_level_time"


# The order in which the search reads levels (see SearchRows.__getitem__).
_SEARCH_ORDER: dict[str, int] = {LogLevel.ERROR: 0, LogLevel.INFO: 1, LogLevel.TRACE: 2}


class SearchRows(LateRows):
    """The cross-process search's table data, newest first: a page's keys, then its rows.

    Logs has no index on log_time alone, so "newest first across levels" is read per level, each
    an ordered range scan of an index on (log_level, log_time), or (process_name, log_level,
    log_time) with a process, reading no more than the page's end per level; the keys are merged
    here. Without those indexes one ordered query is cheaper (one scan rather than one per level).
    """

    def __init__(
        self,
        queryset: QuerySet[Log],
        *,
        levels: list[str],
        process: bool,
        rows_from: Callable[[dt.datetime], QuerySet[Log]] | None = None,
        **kwargs,
    ):
        """`rows_from(time)`: the same rows from that time on, with one time bound (see
        StartChosenForSpeed.queryset_from); by default `queryset` with a second one."""
        super().__init__(queryset, **kwargs)
        self.levels = levels
        self.rows_from = rows_from or (lambda since: self.data.filter(log_time__gte=since))
        needed = PROCESS_LEVEL_TIME_INDEX if process else LEVEL_TIME_INDEX
        self.per_level = len(levels) > 1 and indexes.present(needed)

    def level_keys(self, level: str, stop: int, since=None) -> QuerySet:
        """(log_time, pk) of the `stop` newest matching lines of one level, no older than `since`."""
        rows = self.data if since is None else self.rows_from(since)
        return (
            rows.filter(log_level=level).order_by("-log_time").values_list("log_time", "pk")[:stop]
        )

    def __getitem__(self, key):
        if not isinstance(key, slice) or not self.per_level or key.step is not None:
            return super().__getitem__(key)
        start, stop = key.start or 0, key.stop
        if stop is None:  # never asked by the paginator, which pages with an end
            return super().__getitem__(key)
        # Once `stop` lines are found, a line older than the oldest of them cannot be on the page:
        # each next level is read only down to that time. With a text filter that is what keeps a
        # level without any match from being read to the start of the range (a million logs: the
        # levels without a match took 45 of the page's 55 ms). Errors first: they are what people
        # search for, and the level with the fewest lines.
        found: list[tuple] = []
        since = None
        # A statement per lower bound, compiled once and read per level (the ORM compiled the
        # same query for each level).
        reads: dict = {}
        for level in sorted(
            self.levels, key=lambda level: _SEARCH_ORDER.get(level, len(_SEARCH_ORDER))
        ):
            if since not in reads:
                reads[since] = compiled.per_value(partial(self.level_keys, stop=stop, since=since))
            found.extend(reads[since](level))
            found.sort(key=lambda row: row[0], reverse=True)  # stable: a tie keeps level order
            if len(found) >= stop:
                del found[stop:]
                since = found[-1][0]
        return self.rows_of([pk for _, pk in found[start:stop]], key)


def newest_errors_sql(connection, job_ids: list) -> tuple[str, list]:
    """The id, job, time and message of the newest ERROR log of each job, as one statement for
    `connection`'s backend (triggers.queries.failure_logs: why each failed job failed)."""
    quote = connection.ops.quote_name
    meta = Log._meta
    fields = {field.name: field for field in meta.concrete_fields}
    job_field, level_field = fields["job_id"], fields["log_level"]
    job, level, time = (quote(fields[name].column) for name in ("job_id", "log_level", "log_time"))
    columns = ", ".join(
        quote(fields[name].column) for name in ("id", "job_id", "log_time", "log_message")
    )
    params = [job_field.get_db_prep_value(pk, connection) for pk in job_ids]
    params.append(level_field.get_db_prep_value(LogLevel.ERROR, connection))
    marks = ", ".join(["%s"] * len(job_ids))
    # Identifiers from the model, quoted; every value is a parameter.
    sql = (
        f"SELECT {columns} FROM (SELECT {columns}, ROW_NUMBER() OVER "  # noqa: S608
        f"(PARTITION BY {job} ORDER BY {time} DESC) AS newest FROM {quote(meta.db_table)} "
        f"WHERE {job} IN ({marks}) AND {level} = %s) AS ranked WHERE newest = 1"
    )
    return sql, params
