"""The header's Scheduler status, on every page: a context processor of the app that owns Schedulers."""

from __future__ import annotations

from django.db import DatabaseError
from django.http import HttpRequest

from orchestrator_site import clock, ttlcache
from triggers.models import Scheduler

SUMMARY_CACHE_KEY = "triggers:scheduler-summary"
SUMMARY_SECONDS = 10


def scheduler_summary() -> dict[str, int] | None:
    """Counts of online/stale/offline Schedulers for the header, cached for 10 seconds; None when
    the OpenOrchestrator database does not answer (the page still renders)."""
    try:
        return ttlcache.cached(SUMMARY_CACHE_KEY, SUMMARY_SECONDS, _count_schedulers)
    except DatabaseError:
        return None


def _count_schedulers() -> dict[str, int]:
    now = clock.now()
    summary = {"online": 0, "stale": 0, "offline": 0}
    for last_update in Scheduler.objects.values_list("last_update", flat=True):
        summary[Scheduler(last_update=last_update).state(now)] += 1
    return summary


def scheduler_status(request: HttpRequest) -> dict:
    """Signed-in pages only; passed as a callable, so a page that does not show it (a fragment)
    does not query for it."""
    signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
    return {"scheduler_summary": scheduler_summary if signed_in else None}
