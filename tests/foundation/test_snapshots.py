"""Overview snapshots: fresh ones are served; stale or changed ones are served while exactly one
recount runs in the background, under a lease in the shared cache.

In these in-process tests the shared cache is an in-memory one (tests/settings.py); two real
server processes on the database cache are in test_shared_snapshots.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

import pytest
from django.core.cache import caches

from orchestrator_site import snapshots

pytestmark = pytest.mark.no_orchestrator_db

KEY = "tests:snapshot"


@pytest.fixture
def background(settings):
    settings.CONSOLE_OVERVIEW_CACHE_SECONDS = 15
    settings.CONSOLE_BACKGROUND_REFRESH = True
    settings.CONSOLE_RECOUNT_MIN_SECONDS = 0  # see the tests of the floor below


def _shared():
    return caches["shared"]


def _store(value, age_seconds: float) -> None:
    taken = dt.datetime.now() - dt.timedelta(seconds=age_seconds)
    _shared().set(KEY, snapshots.Snapshot(value, taken), 300)


def _wait_for_refreshes() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("snapshot "):
            thread.join(timeout=10)


def _blocking_count(value, calls: list, release: threading.Event, started: threading.Event):
    def count():
        calls.append(threading.current_thread().name)
        started.set()
        release.wait(10)
        return value

    return count


def test_it_counts_when_there_is_no_snapshot_and_then_reuses_it(background):
    calls = []
    first = snapshots.get(KEY, lambda: calls.append(1) or "counted")
    second = snapshots.get(KEY, lambda: calls.append(1) or "recounted")
    assert (first.value, second.value, len(calls)) == ("counted", "counted", 1)
    assert not second.changed


def test_a_stale_snapshot_is_served_while_one_thread_recounts(background):
    _store("old", age_seconds=60)
    release, started, calls = threading.Event(), threading.Event(), []
    slow_count = _blocking_count("new", calls, release, started)

    assert snapshots.get(KEY, slow_count).value == "old"
    assert started.wait(10)
    # A second visitor while the recount runs: still the old numbers, and no second recount.
    assert snapshots.get(KEY, slow_count).value == "old"
    release.set()
    _wait_for_refreshes()
    assert snapshots.get(KEY, slow_count).value == "new"
    assert calls == [f"snapshot {KEY}"]


def test_after_a_write_the_old_numbers_are_served_marked_while_one_thread_recounts(background):
    _store("old", age_seconds=1)  # young: only the write makes it stale
    snapshots.mark_changed(KEY)
    release, started, calls = threading.Event(), threading.Event(), []
    slow_count = _blocking_count("new", calls, release, started)

    served = snapshots.get(KEY, slow_count)
    assert (served.value, served.changed) == ("old", True)
    assert started.wait(10)
    assert threading.current_thread().name not in calls  # not counted in the request
    again = snapshots.get(KEY, slow_count)
    assert (again.value, again.changed) == ("old", True)
    release.set()
    _wait_for_refreshes()
    fresh = snapshots.get(KEY, slow_count)
    assert (fresh.value, fresh.changed) == ("new", False)
    assert calls == [f"snapshot {KEY}"]


def test_writes_in_a_row_are_recounted_no_sooner_than_the_floor_after_the_last_count(
    background, settings
):
    """Each write marks the count changed; a steady stream of writes must not keep a recount
    running back to back: the next one starts CONSOLE_RECOUNT_MIN_SECONDS after the last count,
    once for all the writes meanwhile, and the views meanwhile say it is being recounted."""
    settings.CONSOLE_RECOUNT_MIN_SECONDS = 1
    _store("old", age_seconds=0)
    counted_at, calls = [], []

    def count():
        counted_at.append(time.monotonic())
        calls.append(1)
        return "new"

    started = time.monotonic()
    for _ in range(5):  # five writes, each followed by a view
        snapshots.mark_changed(KEY)
        served = snapshots.get(KEY, count)
        assert (served.value, served.changed) == ("old", True)
    _wait_for_refreshes()
    assert len(calls) == 1 and counted_at[0] - started >= 0.9
    assert snapshots.get(KEY, count).value == "new"


def test_a_costly_count_waits_ten_times_its_cost_after_a_write(background, settings):
    """Recounting after writes takes at most a tenth of a thread: a count that took 0.15 s is
    recounted 1.5 s after it was taken, not after the 1 s floor."""
    settings.CONSOLE_RECOUNT_MIN_SECONDS = 1
    taken = dt.datetime.now()
    _shared().set(KEY, snapshots.Snapshot("old", taken, seconds=0.15), 300)
    snapshots.mark_changed(KEY)
    counted_at = []
    snapshots.get(KEY, lambda: counted_at.append(dt.datetime.now()) or "new")
    _wait_for_refreshes()
    assert (counted_at[0] - taken).total_seconds() >= 1.45
    assert snapshots.get(KEY, lambda: "again").value == "new"


def test_a_count_older_than_the_floor_is_recounted_at_once_after_a_write(background, settings):
    settings.CONSOLE_RECOUNT_MIN_SECONDS = 5
    _store("old", age_seconds=6)
    snapshots.mark_changed(KEY)
    started = time.monotonic()
    snapshots.get(KEY, lambda: "new")
    _wait_for_refreshes()
    assert time.monotonic() - started < 2
    assert snapshots.get(KEY, lambda: "again").value == "new"


def test_a_write_during_the_count_leaves_the_new_snapshot_stale(background):
    _store("old", age_seconds=60)

    def count_while_someone_writes():
        snapshots.mark_changed(KEY)  # committed after the count began: maybe not counted
        return "counted before the write"

    snapshots.get(KEY, count_while_someone_writes)
    _wait_for_refreshes()
    served = snapshots.get(KEY, lambda: "counted after the write")
    assert (served.value, served.changed) == ("counted before the write", True)
    _wait_for_refreshes()
    assert snapshots.get(KEY, lambda: "again").value == "counted after the write"


def test_an_old_snapshot_is_updated_from_its_value_but_a_write_calls_for_a_full_count(background):
    _store(1, age_seconds=60)

    def get():
        return snapshots.get(KEY, lambda: 100, update=lambda previous: previous + 1)

    assert get().value == 1
    _wait_for_refreshes()
    assert get().value == 2  # updated in the background
    snapshots.mark_changed(KEY)
    assert get().value == 2
    _wait_for_refreshes()
    assert get().value == 100  # after a write: counted afresh, not updated


def test_a_recount_another_process_holds_is_not_repeated_until_its_lease_lapses(
    background, monkeypatch
):
    _store("old", age_seconds=60)
    _shared().add(f"{KEY}:lease", "a process that crashed", 1)
    calls = []
    assert snapshots.get(KEY, lambda: calls.append(1) or "new").value == "old"
    _wait_for_refreshes()
    assert calls == []
    time.sleep(1.1)
    assert snapshots.get(KEY, lambda: calls.append(1) or "new").value == "old"
    _wait_for_refreshes()
    assert calls == [1] and snapshots.get(KEY, lambda: "again").value == "new"
    assert _shared().get(f"{KEY}:lease") is None  # released after the count


def test_a_failed_recount_keeps_the_old_numbers_releases_the_lease_and_says_so(background, caplog):
    _store("old", age_seconds=60)

    def broken():
        raise ConnectionError("server gone with password=hunter2")

    with caplog.at_level(logging.WARNING, logger="orchestrator_site.snapshots"):
        assert snapshots.get(KEY, broken).value == "old"
        _wait_for_refreshes()
    assert _shared().get(KEY).value == "old"
    assert _shared().get(f"{KEY}:lease") is None  # the next view tries again
    assert "Recounting tests:snapshot failed: ConnectionError" in caplog.text
    assert "hunter2" not in caplog.text


def test_something_else_under_the_key_is_counted_afresh(background):
    _shared().set(KEY, {"stored by": "another version"}, 300)
    assert snapshots.get(KEY, lambda: "counted").value == "counted"


def test_without_background_refresh_a_stale_snapshot_is_recounted_in_the_request(settings):
    settings.CONSOLE_OVERVIEW_CACHE_SECONDS = 15
    settings.CONSOLE_BACKGROUND_REFRESH = False
    _store("old", age_seconds=60)
    assert snapshots.get(KEY, lambda: "new").value == "new"


def test_without_background_refresh_a_write_makes_the_next_view_count_afresh(settings):
    settings.CONSOLE_OVERVIEW_CACHE_SECONDS = 15
    settings.CONSOLE_BACKGROUND_REFRESH = False
    _store("old", age_seconds=1)
    snapshots.mark_changed(KEY)
    served = snapshots.get(KEY, lambda: "new")
    assert (served.value, served.changed) == ("new", False)


def test_warm_up_counts_every_source_once(background):
    snapshots.warm_up({KEY: lambda: "warm", KEY + "2": lambda: "warm too"})
    _wait_for_refreshes()
    assert _shared().get(KEY).value == "warm" and _shared().get(KEY + "2").value == "warm too"


def test_warm_up_replaces_a_snapshot_from_before_the_restart(background):
    _store("from the previous version", age_seconds=1)
    snapshots.warm_up({KEY: lambda: "warm"})
    _wait_for_refreshes()
    assert _shared().get(KEY).value == "warm"


def test_the_server_warms_up_every_overview_its_apps_registered():
    """wsgi.py counts what the apps registered from AppConfig.ready(); the core names none of them."""
    from logs import groups as log_groups
    from logs import queries
    from metrics import windows
    from queues import groups as element_groups
    from queues import models

    assert snapshots.registered_warm_ups() == {
        windows.CACHE_KEY: windows.count_windows,
        queries.OVERVIEW_CACHE_KEY: queries.count_processes,
        models.OVERVIEW_CACHE_KEY: models.count_queues,
        queries.GROUPS_CACHE_KEY: log_groups.count_groups,
        models.GROUPS_CACHE_KEY: element_groups.count_groups,
        models.RECENT_GROUPS_CACHE_KEY: element_groups.count_recent_groups,
    }


def test_warm_up_does_nothing_when_background_work_is_off(settings):
    settings.CONSOLE_BACKGROUND_REFRESH = False
    snapshots.warm_up({KEY: lambda: "warm"})
    assert _shared().get(KEY) is None


def test_a_key_may_be_kept_longer_than_the_overviews(settings):
    """The failure groups' snapshot (max_age) outlives CONSOLE_OVERVIEW_CACHE_SECONDS."""
    settings.CONSOLE_OVERVIEW_CACHE_SECONDS = 15
    settings.CONSOLE_BACKGROUND_REFRESH = False
    _store("counted 30 s ago", age_seconds=30)
    assert snapshots.get(KEY, lambda: "recounted", max_age=60).value == "counted 30 s ago"
    assert snapshots.get(KEY, lambda: "recounted").value == "recounted"  # 30 s > 15 s
