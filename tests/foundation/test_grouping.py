"""The groups snapshot's sums (orchestrator_site.grouping): binary searches in sorted times must
give exactly what counting the failures one by one gives, at the window's edges too."""

from __future__ import annotations

import datetime as dt
import random

from orchestrator_site.grouping import Occurrences, bounds, summarise

NOW = dt.datetime(2026, 11, 25, 10, 30, 15, 123456)
HORIZON = NOW - dt.timedelta(days=30)


def one_by_one(rows, since, until, scopes, buckets):
    """The oracle: every row looked at, as the snapshot of one row per failure summed it."""
    start, end = bounds(since, until)
    span = (end - start).total_seconds()
    found: dict[str, dict] = {}
    for at, scope, key in rows:
        if not start <= at < end or (scopes and scope not in scopes):
            continue
        group = found.setdefault(
            key, {"count": 0, "times": [], "scopes": {}, "trend": [0] * buckets}
        )
        group["count"] += 1
        group["times"].append(at)
        group["scopes"][scope] = group["scopes"].get(scope, 0) + 1
        group["trend"][min(buckets - 1, int((at - start).total_seconds() / span * buckets))] += 1
    return {
        key: (g["count"], min(g["times"]), max(g["times"]), sorted(g["scopes"].items()), g["trend"])
        for key, g in found.items()
    }


def summed(data, since, until, scopes, buckets):
    return {
        g.key: (g.count, g.first, g.last, sorted(g.scopes), g.trend)
        for g in summarise(data, since, until, scopes, buckets)
    }


def test_sums_equal_counting_one_by_one_edges_included():
    rng = random.Random(20)
    rows = []
    for _ in range(3000):
        at = HORIZON + dt.timedelta(seconds=rng.uniform(0, 30 * 86400))
        rows.append((at, rng.choice("ABCDE"), rng.choice(["k1", "k2", "k3", "k4"])))
    # Failures on a window's edges, to the microsecond: at `since` (in), in the last microsecond
    # of `until`'s second (in), at the next second (out).
    since, until = NOW - dt.timedelta(days=7), NOW - dt.timedelta(days=1)
    edge_rows = [
        (since.replace(microsecond=0), "A", "k1"),
        (until.replace(microsecond=999999), "B", "k1"),
        (until.replace(microsecond=0) + dt.timedelta(seconds=1), "B", "k1"),
        (since.replace(microsecond=0) - dt.timedelta(microseconds=1), "A", "k2"),
    ]
    rows += edge_rows
    rng.shuffle(rows)
    data = Occurrences.build(HORIZON, rows, {}, {}, {})
    windows = [
        (since, until),
        (NOW - dt.timedelta(days=30), NOW),
        (NOW - dt.timedelta(hours=3), NOW),
        (NOW - dt.timedelta(days=2, seconds=1), NOW - dt.timedelta(days=2)),
    ]
    for start, end in windows:
        for scopes in ([], ["B"], ["A", "E"]):
            for buckets in (24, 7):
                # Trend bucket edges: the oracle's float division and the arrays' may disagree
                # only for a time exactly on an inner edge, which these random times never are.
                assert summed(data, start, end, scopes, buckets) == one_by_one(
                    rows, start, end, scopes, buckets
                ), (start, end, scopes, buckets)


def test_a_window_with_nothing_in_it_has_no_groups():
    data = Occurrences.build(HORIZON, [(NOW - dt.timedelta(days=3), "A", "k1")], {}, {}, {})
    assert summarise(data, NOW - dt.timedelta(days=2), NOW) == []
    assert summarise(Occurrences.build(HORIZON, [], {}, {}, {}), HORIZON, NOW) == []


def test_without_trend_or_scopes_the_counts_are_the_same():
    rows = [(NOW - dt.timedelta(hours=h), "A" if h % 2 else "B", f"k{h % 3}") for h in range(60)]
    data = Occurrences.build(HORIZON, rows, {}, {}, {})
    full = summarise(data, NOW - dt.timedelta(hours=48), NOW)
    lean = summarise(data, NOW - dt.timedelta(hours=48), NOW, buckets=0, per_scope=False)
    assert [(g.key, g.count, g.first, g.last) for g in lean] == [
        (g.key, g.count, g.first, g.last) for g in full
    ]
    assert all(g.trend == [] and g.scopes == [] for g in lean)
