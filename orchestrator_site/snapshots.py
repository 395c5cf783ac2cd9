"""Numbers that cost a full scan (the logs and queues overviews), served from a recent snapshot.

A snapshot younger than CONSOLE_OVERVIEW_CACHE_SECONDS is served as it is. An older one is still
served (the page says when it was counted) while one background thread per key recounts, so no
visitor waits for a scan of a million rows. Only when there is no snapshot at all, or it is older
than STALE_LIMIT x the max age, does the request count itself. The server counts once at start-up
(`warm_up`), so the first visitor after a restart does not wait either.

With CONSOLE_BACKGROUND_REFRESH off (the tests), a stale snapshot is recounted in the request.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

log = logging.getLogger(__name__)

# A snapshot older than this many max ages is not shown at all: the request counts afresh.
STALE_LIMIT = 20

_lock = threading.Lock()
_refreshing: set[str] = set()


@dataclass(frozen=True)
class Snapshot:
    value: Any
    taken_at: dt.datetime


def get(key: str, compute: Callable[[], Any]) -> Snapshot:
    """The snapshot under `key`, recounted by `compute` as described in the module docstring."""
    max_age = settings.CONSOLE_OVERVIEW_CACHE_SECONDS
    entry = cache.get(key)
    if entry is None or max_age == 0:
        return take(key, compute)
    if (timezone.now() - entry.taken_at).total_seconds() > max_age:
        if not settings.CONSOLE_BACKGROUND_REFRESH:
            return take(key, compute)
        refresh_in_background(key, compute)
    return entry


def take(key: str, compute: Callable[[], Any]) -> Snapshot:
    """Count now and keep the result (for STALE_LIMIT max ages)."""
    entry = Snapshot(compute(), timezone.now())
    keep = settings.CONSOLE_OVERVIEW_CACHE_SECONDS * STALE_LIMIT
    if keep:
        cache.set(key, entry, keep)
    return entry


def forget(key: str) -> None:
    """After a write through the console: the next view counts afresh, in its own request."""
    cache.delete(key)


def refresh_in_background(key: str, compute: Callable[[], Any]) -> bool:
    """Start one recount of `key` unless one is already running; False when one was."""
    with _lock:
        if key in _refreshing:
            return False
        _refreshing.add(key)
    thread = threading.Thread(
        target=_refresh, args=(key, compute), name=f"snapshot {key}", daemon=True
    )
    thread.start()
    return True


def _refresh(key: str, compute: Callable[[], Any]) -> None:
    try:
        take(key, compute)
    except Exception as exc:  # a lost database shows on the next page view, not here
        log.warning("Recounting %s failed: %s", key, type(exc).__name__)
    finally:
        with _lock:
            _refreshing.discard(key)
        connections.close_all()  # this thread's connections; the request threads keep theirs


def warm_up(sources: dict[str, Callable[[], Any]]) -> None:
    """Count every snapshot once in the background (server start-up)."""
    if not settings.CONSOLE_BACKGROUND_REFRESH or not settings.CONSOLE_OVERVIEW_CACHE_SECONDS:
        return
    for key, compute in sources.items():
        refresh_in_background(key, compute)
