"""The one TTL-cache idiom (orchestrator_site/ttlcache.py): what is kept, for how long, where."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from orchestrator_site import ttlcache

pytestmark = pytest.mark.no_orchestrator_db

KEY = "tests:value"


class Counter:
    def __init__(self, *values):
        self.values = list(values)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.values[min(self.calls, len(self.values)) - 1]


def test_a_value_is_computed_once_within_its_ttl_and_kept_per_process():
    compute = Counter({"online": 1}, {"online": 2})
    assert ttlcache.cached(KEY, 60, compute) == {"online": 1}
    assert ttlcache.cached(KEY, 60, compute) == {"online": 1}
    assert compute.calls == 1
    assert caches["default"].get(ttlcache.PREFIX + KEY) == {"online": 1}
    assert caches["shared"].get(ttlcache.PREFIX + KEY) is None


def test_false_and_none_are_kept_too():
    for value in (False, None):
        ttlcache.forget(KEY)
        compute = Counter(value)
        ttlcache.cached(KEY, 60, compute)
        assert ttlcache.cached(KEY, 60, compute) is value
        assert compute.calls == 1


def test_the_ttl_may_depend_on_the_value():
    compute = Counter("bad", "ok", "later")
    ttl = lambda value: 60 if value == "ok" else 0  # noqa: E731 - a failure is not kept
    assert ttlcache.cached(KEY, ttl, compute) == "bad"
    assert ttlcache.cached(KEY, ttl, compute) == "ok"
    assert ttlcache.cached(KEY, ttl, compute) == "ok"
    assert compute.calls == 2


def test_a_compute_that_raises_keeps_nothing():
    def fail():
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        ttlcache.cached(KEY, 60, fail)
    assert ttlcache.cached(KEY, 60, Counter("back")) == "back"


def test_fresh_and_forget_compute_again():
    compute = Counter(1, 2, 3)
    ttlcache.cached(KEY, 60, compute)
    assert ttlcache.cached(KEY, 60, compute, fresh=True) == 2
    ttlcache.forget(KEY)
    assert ttlcache.cached(KEY, 60, compute) == 3


def test_shared_values_live_in_the_shared_cache():
    compute = Counter("everyone")
    assert ttlcache.cached(KEY, 60, compute, shared=True) == "everyone"
    assert caches["shared"].get(ttlcache.PREFIX + KEY) == "everyone"
    assert caches["default"].get(ttlcache.PREFIX + KEY) is None
    ttlcache.forget(KEY, shared=True)
    assert caches["shared"].get(ttlcache.PREFIX + KEY) is None
