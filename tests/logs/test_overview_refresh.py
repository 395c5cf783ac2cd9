"""The logs overview's periodic refresh reads only recent rows, and must equal a full count.

Logs are written by OpenOrchestrator's own db_util, as robots write them: log_time is the robot
PC's clock (here the real clock), so the console's clock is moved to play a robot whose clock lags.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.core.cache import caches
from OpenOrchestrator.database.logs import LogLevel as OOLevel

from logs import queries
from logs.models import Log
from logs.services import delete_logs
from orchestrator_site import clock
from tests.helpers import oo_tx

MARGIN = dt.timedelta(seconds=300)


@pytest.fixture
def server_clock(monkeypatch, settings):
    """The console's clock, settable: `server_clock[0] = ...`."""
    settings.CONSOLE_LOG_COUNT_MARGIN_SECONDS = int(MARGIN.total_seconds())
    settings.CONSOLE_LOG_RECOUNT_MINUTES = 60
    current = [dt.datetime.now()]
    monkeypatch.setattr(clock, "now", lambda: current[0])
    return current


def robot_writes(db_util, process: str, *levels: OOLevel) -> None:
    for level in levels:
        db_util.create_log(process, level, None, f"{level.value} from {process}")


def refreshed(previous: queries.LogCounts) -> queries.LogCounts:
    """A refresh that must have been incremental, and must equal a full count at the same time."""
    counts = queries.refresh_counts(previous)
    assert counts.full_count_at == previous.full_count_at  # no full count in between
    assert counts.summaries == queries.count_processes().summaries
    return counts


def counts_of(counts: queries.LogCounts, process: str) -> tuple[int, int, int, int]:
    (row,) = [s for s in counts.summaries if s.process_name == process]
    return row.trace, row.info, row.error, row.recent_errors


@oo_tx
def test_new_logs_are_added_to_the_counts(db_util, server_clock):
    robot_writes(db_util, "Invoices", OOLevel.TRACE, OOLevel.INFO, OOLevel.ERROR)
    counts = queries.count_processes()
    assert counts_of(counts, "Invoices") == (1, 1, 1, 1)
    robot_writes(db_util, "Invoices", OOLevel.INFO, OOLevel.ERROR)
    robot_writes(db_util, "Payroll", OOLevel.TRACE)
    server_clock[0] += dt.timedelta(seconds=15)
    counts = refreshed(counts)
    assert counts_of(counts, "Invoices") == (1, 2, 2, 2)
    assert counts_of(counts, "Payroll") == (1, 0, 0, 0)
    # Once those rows are older than the margin they are settled: counted once, not again.
    server_clock[0] += MARGIN * 2
    counts = refreshed(counts)
    counts = refreshed(counts)
    assert counts_of(counts, "Invoices") == (1, 2, 2, 2)


@oo_tx
def test_a_robot_whose_clock_lags_within_the_margin_is_counted_once(db_util, server_clock):
    robot_writes(db_util, "Invoices", OOLevel.INFO)
    # The server is 4 minutes ahead of the robot: its rows arrive 4 minutes "in the past".
    server_clock[0] = dt.datetime.now() + dt.timedelta(minutes=4)
    counts = queries.count_processes()
    server_clock[0] += dt.timedelta(seconds=15)
    counts = refreshed(counts)
    robot_writes(db_util, "Invoices", OOLevel.INFO, OOLevel.ERROR)
    server_clock[0] += dt.timedelta(seconds=15)
    counts = refreshed(counts)
    assert counts_of(counts, "Invoices") == (0, 2, 1, 1)
    for _ in range(3):  # past the margin: settled, still counted once
        server_clock[0] += MARGIN
        counts = refreshed(counts)
    assert counts_of(counts, "Invoices") == (0, 2, 1, 1)


@oo_tx
def test_a_robot_lagging_beyond_the_margin_is_corrected_by_the_next_full_count(
    db_util, server_clock
):
    server_clock[0] = dt.datetime.now() + MARGIN + dt.timedelta(minutes=5)
    robot_writes(db_util, "Invoices", OOLevel.INFO)
    counts = queries.count_processes()
    robot_writes(db_util, "Invoices", OOLevel.INFO)  # already settled when it arrives
    server_clock[0] += dt.timedelta(seconds=15)
    counts = queries.refresh_counts(counts)
    assert counts_of(counts, "Invoices") == (0, 1, 0, 0)  # the documented lag
    server_clock[0] += dt.timedelta(minutes=60)
    counts = queries.refresh_counts(counts)
    assert counts.full_count_at == server_clock[0]
    assert counts_of(counts, "Invoices") == (0, 2, 0, 0)


@oo_tx
def test_errors_leave_the_48_hour_column_as_time_passes(db_util, server_clock):
    robot_writes(db_util, "Invoices", OOLevel.ERROR)
    written = Log.objects.get().log_time
    server_clock[0] = written + dt.timedelta(hours=48) - dt.timedelta(seconds=10)
    counts = queries.count_processes()
    assert counts_of(counts, "Invoices") == (0, 0, 1, 1)
    server_clock[0] += dt.timedelta(seconds=20)
    counts = refreshed(counts)
    assert counts_of(counts, "Invoices") == (0, 0, 1, 0)


@oo_tx
def test_a_console_delete_makes_the_next_view_count_afresh(db_util, server_clock, settings):
    settings.CONSOLE_OVERVIEW_CACHE_SECONDS = 15
    robot_writes(db_util, "Invoices", OOLevel.INFO, OOLevel.INFO, OOLevel.ERROR)
    assert [s.info for s in queries.process_overview().value] == [2]
    first = age_snapshot(seconds=20)
    server_clock[0] += dt.timedelta(seconds=20)
    robot_writes(db_util, "Invoices", OOLevel.INFO)
    assert [s.info for s in queries.process_overview().value] == [3]
    assert stored().full_count_at == first.full_count_at  # refreshed, not counted afresh
    info = Log.objects.filter(log_level="INFO").values_list("pk", flat=True)[:2]
    assert delete_logs(user=None, ids=list(info)).changed == 2
    (row,) = queries.process_overview().value
    assert (row.info, row.error) == (1, 1)
    assert [row] == queries.count_processes().summaries
    assert stored().full_count_at > first.full_count_at


def stored() -> queries.LogCounts:
    return caches["shared"].get(queries.OVERVIEW_CACHE_KEY).value


def age_snapshot(seconds: int) -> queries.LogCounts:
    """Make the stored snapshot `seconds` older (its age is read off the real clock)."""
    entry = caches["shared"].get(queries.OVERVIEW_CACHE_KEY)
    aged = replace(entry, taken_at=entry.taken_at - dt.timedelta(seconds=seconds))
    caches["shared"].set(queries.OVERVIEW_CACHE_KEY, aged, None)
    return entry.value


@oo_tx
def test_a_server_clock_set_back_means_a_full_count(db_util, server_clock):
    robot_writes(db_util, "Invoices", OOLevel.INFO)
    counts = queries.count_processes()
    server_clock[0] -= dt.timedelta(hours=1)
    robot_writes(db_util, "Invoices", OOLevel.INFO)
    counts = queries.refresh_counts(counts)
    assert counts.full_count_at == server_clock[0]
    assert counts_of(counts, "Invoices") == (0, 2, 0, 0)
