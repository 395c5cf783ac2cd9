"""Overview snapshots: fresh ones are served, stale ones recounted once in the background."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from django.core.cache import cache

from orchestrator_site import snapshots

pytestmark = pytest.mark.no_orchestrator_db

KEY = "tests:snapshot"


@pytest.fixture
def background(settings):
    settings.CONSOLE_OVERVIEW_CACHE_SECONDS = 15
    settings.CONSOLE_BACKGROUND_REFRESH = True


def _store(value, age_seconds: float) -> None:
    taken = dt.datetime.now() - dt.timedelta(seconds=age_seconds)
    cache.set(KEY, snapshots.Snapshot(value, taken), 300)


def _wait_for_refreshes() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("snapshot "):
            thread.join(timeout=10)


def test_it_counts_when_there_is_no_snapshot_and_then_reuses_it(background):
    calls = []
    first = snapshots.get(KEY, lambda: calls.append(1) or "counted")
    second = snapshots.get(KEY, lambda: calls.append(1) or "recounted")
    assert (first.value, second.value, len(calls)) == ("counted", "counted", 1)


def test_a_stale_snapshot_is_served_while_one_thread_recounts(background):
    _store("old", age_seconds=60)
    release, started = threading.Event(), threading.Event()
    calls = []

    def slow_count():
        calls.append(threading.current_thread().name)
        started.set()
        release.wait(10)
        return "new"

    assert snapshots.get(KEY, slow_count).value == "old"
    assert started.wait(10)
    # A second visitor while the recount runs: still the old numbers, and no second recount.
    assert snapshots.get(KEY, slow_count).value == "old"
    release.set()
    _wait_for_refreshes()
    assert snapshots.get(KEY, slow_count).value == "new"
    assert calls == [f"snapshot {KEY}"]


def test_a_failed_recount_keeps_the_old_numbers_and_says_so(background, caplog):
    _store("old", age_seconds=60)

    def broken():
        raise ConnectionError("server gone with password=hunter2")

    with caplog.at_level(logging.WARNING, logger="orchestrator_site.snapshots"):
        assert snapshots.get(KEY, broken).value == "old"
        _wait_for_refreshes()
    assert cache.get(KEY).value == "old"
    assert "Recounting tests:snapshot failed: ConnectionError" in caplog.text
    assert "hunter2" not in caplog.text


def test_without_background_refresh_a_stale_snapshot_is_recounted_in_the_request(settings):
    settings.CONSOLE_OVERVIEW_CACHE_SECONDS = 15
    settings.CONSOLE_BACKGROUND_REFRESH = False
    _store("old", age_seconds=60)
    assert snapshots.get(KEY, lambda: "new").value == "new"


def test_a_write_makes_the_next_view_count_afresh(background):
    _store("old", age_seconds=1)
    snapshots.forget(KEY)
    assert snapshots.get(KEY, lambda: "new").value == "new"


def test_warm_up_counts_every_source_once(background):
    snapshots.warm_up({KEY: lambda: "warm", KEY + "2": lambda: "warm too"})
    _wait_for_refreshes()
    assert cache.get(KEY).value == "warm" and cache.get(KEY + "2").value == "warm too"


def test_warm_up_does_nothing_when_background_work_is_off(settings):
    settings.CONSOLE_BACKGROUND_REFRESH = False
    snapshots.warm_up({KEY: lambda: "warm"})
    assert cache.get(KEY) is None
