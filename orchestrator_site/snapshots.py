"""Numbers that cost a full scan (the logs and queues overviews), served from a snapshot that every
server process shares.

A snapshot lives in the `shared` cache (settings.CACHES: Django's database cache in the console's
own database), so one count serves every waitress process and every server on that database, and a
write through any of them reaches all of them:

* A snapshot younger than CONSOLE_OVERVIEW_CACHE_SECONDS and counted after the last change is
  served as it is.
* An older one, or one counted before a console write (`mark_changed` gives the key a new
  generation), is still served at once, marked `changed` after a write so the page says it is
  being recounted, while exactly one recount runs: whoever takes the key's lease (`cache.add`,
  expiring after LEASE_SECONDS, so a recounter that crashed blocks nobody for long) counts in a
  background thread of its own process. No visitor waits for a scan of a million rows, and a
  burst of writes costs one recount at a time, not one per view.
* Only when there is no snapshot at all does the request count itself; the server counts at
  start-up (`warm_up`, over what the apps registered with `register_warm_up`), so the first visitor after a restart does not wait either.

With CONSOLE_BACKGROUND_REFRESH off (the tests), a stale snapshot is recounted in the request.

A key may also have an `update`: it turns the previous value into a current one more cheaply than
`compute` (the logs overview adds the rows written since). It is used only for a snapshot that is
merely old, never after a console write (whose new generation calls for a full `compute`), and it
must be a pure function of the previous value and the database, so that two recounters racing on a
lapsed lease both store the same result.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import connections, router, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

SHARED_CACHE = "shared"
# Longer than any count takes (~1 s at a million rows); after it a dead recounter's lease lapses.
LEASE_SECONDS = 120
RECOUNT_COST_FACTOR = 10  # see Snapshot.recount_floor


@dataclass(frozen=True)
class Snapshot:
    value: Any
    taken_at: dt.datetime
    generation: str = ""  # the key's generation when the count began
    changed: bool = False  # a write came after the count; a recount is under way
    seconds: float = 0.0  # how long the count took

    @property
    def recount_floor(self) -> float:
        """Seconds after this count before a write may have it recounted: at least
        CONSOLE_RECOUNT_MIN_SECONDS, and ten times what the count took, so that recounting after
        writes takes at most a tenth of one thread's time (a snapshot pickled before this field
        came has none: 0)."""
        took = getattr(self, "seconds", 0.0)
        return max(float(settings.CONSOLE_RECOUNT_MIN_SECONDS), RECOUNT_COST_FACTOR * took)

    @property
    def age_seconds(self) -> float:
        """Seconds since the count, for "counted 12 s ago"."""
        return max(0.0, (timezone.now() - self.taken_at).total_seconds())


def _shared() -> BaseCache:
    return caches[SHARED_CACHE]


def _generation_key(key: str) -> str:
    return f"{key}:generation"


def _lease_key(key: str) -> str:
    return f"{key}:lease"


Update = Callable[[Any], Any]


def get(
    key: str,
    compute: Callable[[], Any],
    update: Update | None = None,
    max_age: int | None = None,
) -> Snapshot:
    """The snapshot under `key`, recounted by `compute` (or `update`) as the module docstring says.

    Costs one read of the shared cache (one indexed SELECT on the console's database); one more,
    the lease, only when the snapshot is due for a recount.
    """
    if not settings.CONSOLE_OVERVIEW_CACHE_SECONDS:
        return Snapshot(compute(), timezone.now())
    entry, generation = _read(key)
    if entry is None:
        return take(key, compute)
    if _is_current(entry, generation, max_age):
        return entry
    if not settings.CONSOLE_BACKGROUND_REFRESH:
        return take(key, compute, update)
    refresh_in_background(key, compute, update, max_age)
    return replace(entry, changed=entry.generation != generation)


def _read(key: str) -> tuple[Snapshot | None, str]:
    """The stored snapshot (None when absent or unreadable) and the key's current generation."""
    try:
        found = _shared().get_many([key, _generation_key(key)])
    except (
        pickle.UnpicklingError,
        AttributeError,
        ImportError,
        EOFError,
        TypeError,
        ValueError,
    ) as exc:
        # A snapshot pickled by another version of the code: count afresh rather than fail.
        log.warning("Snapshot %s unreadable (%s); counting afresh", key, type(exc).__name__)
        return None, ""
    entry = found.get(key)
    return (entry if isinstance(entry, Snapshot) else None), found.get(_generation_key(key), "")


def _is_current(entry: Snapshot, generation: str, max_age: int | None = None) -> bool:
    """Counted after the last change, and younger than `max_age` (default
    CONSOLE_OVERVIEW_CACHE_SECONDS)."""
    age = (timezone.now() - entry.taken_at).total_seconds()
    limit = settings.CONSOLE_OVERVIEW_CACHE_SECONDS if max_age is None else max_age
    return entry.generation == generation and age <= limit


def take(key: str, compute: Callable[[], Any], update: Update | None = None) -> Snapshot:
    """Count now and share the result; one log line per count, so counts can be seen and counted.

    With `update`, a stored snapshot counted at the current generation is updated rather than
    recounted. The generation is read before counting: a write that lands during the count gives
    the key a new generation, so this snapshot is born stale and recounted, never taken as current.
    """
    previous, generation = _read(key) if update else (None, _shared().get(_generation_key(key), ""))
    started = time.monotonic()
    if update and previous is not None and previous.generation == generation:
        how, value = "Updated", update(previous.value)
    else:
        how, value = "Counted", compute()
    took = time.monotonic() - started
    entry = Snapshot(value, timezone.now(), generation, seconds=took)
    log.info("%s %s in %.0f ms", how, key, took * 1000)
    _shared().set(key, entry, None)  # kept until replaced: an old count beats a count in a request
    return entry


def mark_changed(*keys: str) -> None:
    """After a write through the console (any process): every process's next view shows the old
    numbers marked as being recounted, and one recount starts. Call it after the commit. Several
    keys are marked in one transaction of the console's database (one commit, not one per key)."""
    cache = _shared()
    generations = {_generation_key(key): uuid.uuid4().hex for key in keys}
    model = getattr(cache, "cache_model_class", None)  # a database cache: its own database
    if model is None:
        cache.set_many(generations, None)
        return
    with transaction.atomic(using=router.db_for_write(model)):
        cache.set_many(generations, None)


def refresh_in_background(
    key: str,
    compute: Callable[[], Any],
    update: Update | None = None,
    max_age: int | None = None,
) -> bool:
    """Start one recount of `key` in this process unless any process holds its lease already."""
    token = _take_lease(key)
    if token is None:
        return False
    thread = threading.Thread(
        target=_refresh,
        args=(key, compute, token),
        kwargs={"update": update, "max_age": max_age},
        name=f"snapshot {key}",
        daemon=True,
    )
    thread.start()
    return True


def _take_lease(key: str) -> str | None:
    """A token when this caller may recount `key` now, None when another recount runs.

    Read first: while a recount runs, every view would otherwise open a write transaction. The
    database cache's `add` is an INSERT on the key (its primary key), so one caller wins; on SQLite
    inside BEGIN IMMEDIATE. Only a lapsed lease row, left by a recounter that died, is replaced by
    an UPDATE that two callers on a server database could both make: then two recounts, once.
    """
    shared = _shared()
    if shared.get(_lease_key(key)) is not None:
        return None
    token = uuid.uuid4().hex
    return token if shared.add(_lease_key(key), token, LEASE_SECONDS) else None


def _refresh(
    key: str,
    compute: Callable[[], Any],
    token: str,
    wanted_after: dt.datetime = dt.datetime.min,
    update: Update | None = None,
    max_age: int | None = None,
) -> None:
    """Recount under the lease `token`, unless a recount that ended a moment ago (its lease just
    released) already left a current snapshot taken after `wanted_after`."""
    try:
        entry, generation = _read(key)
        if entry is not None and entry.generation != generation:
            # Marked changed: counted at most once per Snapshot.recount_floor, however many
            # writes mark it meanwhile (writes every second kept three queue counts running back
            # to back, more CPU than the pages). The lease is held while waiting, so no other
            # process starts one, and the views meanwhile say the numbers are being recounted.
            wait = entry.recount_floor - entry.age_seconds
            if wait > 0:
                time.sleep(wait)
                entry, generation = _read(key)
        if (
            entry is None
            or not _is_current(entry, generation, max_age)
            or entry.taken_at < wanted_after
        ):
            take(key, compute, update)
    except Exception as exc:  # a lost database shows on the next page view, not here
        log.warning("Recounting %s failed: %s", key, type(exc).__name__)
    finally:
        _release(key, token)
        connections.close_all()  # this thread's connections; the request threads keep theirs


def _release(key: str, token: str) -> None:
    """Give the lease back, unless it lapsed meanwhile and another recounter holds it now."""
    try:
        shared = _shared()
        if shared.get(_lease_key(key)) == token:
            shared.delete(_lease_key(key))
    except Exception as exc:  # the lease then lapses by itself after LEASE_SECONDS
        log.warning("Releasing the recount of %s failed: %s", key, type(exc).__name__)


# key -> compute, filled by each app's AppConfig.ready(): the core counts what the apps register
# and imports none of them.
_warm_ups: dict[str, Callable[[], Any]] = {}


def register_warm_up(key: str, compute: Callable[[], Any]) -> None:
    """Have `warm_up` count the snapshot `key` at server start-up. Call it from AppConfig.ready();
    registering a key again replaces its compute, so a repeated ready() does no harm."""
    _warm_ups[key] = compute


def registered_warm_ups() -> dict[str, Callable[[], Any]]:
    return dict(_warm_ups)


def warm_up(sources: dict[str, Callable[[], Any]] | None = None) -> None:
    """Count every snapshot once (`sources`, by default every registered one), in a background
    thread, at server start-up: the first visitor does not wait, and a snapshot stored before the
    restart (perhaps by the version that ran before a deployment) is replaced. Of processes
    starting together, one counts."""
    if not settings.CONSOLE_BACKGROUND_REFRESH or not settings.CONSOLE_OVERVIEW_CACHE_SECONDS:
        return
    sources = registered_warm_ups() if sources is None else sources
    started = timezone.now()

    def count_all() -> None:
        for key, compute in sources.items():
            try:
                token = _take_lease(key)
            except Exception as exc:  # e.g. the console's database not migrated yet
                log.warning("Warming up %s failed: %s", key, type(exc).__name__)
                continue
            if token is not None:
                _refresh(key, compute, token, wanted_after=started)

    threading.Thread(target=count_all, name="snapshot warm-up", daemon=True).start()
