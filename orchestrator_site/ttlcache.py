"""One idiom for a value computed from a database and kept for a few seconds: `cached`.

Keys are "<app>:<what>" (plus ":<parameters>" when the value depends on them); the helper stores
them under "ttl:<key>", so they never meet the overview snapshots' keys in the `shared` cache.

Which cache:

* `default` (shared=False, Django's per-process memory cache): cheap hints that need no
  invalidation from another process: the schema status probe, the missing-index notice, the header
  Scheduler summary, a database's capabilities, the dashboard's day totals. Each process
  recomputes after the TTL; a `forget` reaches only the process that calls it. It never fails,
  so it also serves what must work while a database is down.
* `shared` (shared=True, the database cache in the console's own database): a value that every
  process must see the same, or that a write in one process must invalidate in all. A read costs
  one indexed SELECT on the console's database. Counts that cost a full scan belong in
  `orchestrator_site.snapshots` instead, which recounts in the background.

A compute that raises caches nothing: the caller decides the fallback (e.g. "nothing to say").
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import BaseCache, caches

T = TypeVar("T")

PREFIX = "ttl:"
_MISSING = object()
_locks: dict[str, threading.Lock] = {}
_locks_lock = threading.Lock()


def _cache(shared: bool) -> BaseCache:
    return caches["shared" if shared else "default"]


def _lock(key: str) -> threading.Lock:
    with _locks_lock:
        return _locks.setdefault(key, threading.Lock())


def cached(
    key: str,
    ttl: float | Callable[[T], float],
    compute: Callable[[], T],
    *,
    shared: bool = False,
    fresh: bool = False,
) -> T:
    """The value under `key`, computed by `compute` when absent or older than `ttl` seconds.

    `ttl` may be a function of the value (e.g. a failure kept for less time than a success).
    `fresh` recomputes even when a value is kept. In one process, one caller computes a key at a
    time; the others wait for its value rather than ask the database too.
    """
    store = _cache(shared)
    name = PREFIX + key
    if not fresh:
        value = store.get(name, _MISSING)
        if value is not _MISSING:
            return value
    with _lock(key):
        if not fresh:
            value = store.get(name, _MISSING)
            if value is not _MISSING:
                return value
        value = compute()
        store.set(name, value, ttl(value) if callable(ttl) else ttl)
        return value


def forget(key: str, *, shared: bool = False) -> None:
    """Drop the kept value, so that the next `cached` computes afresh."""
    _cache(shared).delete(PREFIX + key)
