from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from orchestrator_site import clock, crypto

NAVIGATION = (
    ("dashboard", "Dashboard", "/"),
    ("triggers", "Triggers", "/triggers/"),
    ("queues", "Queues", "/queues/"),
    ("logs", "Logs", "/logs/"),
    ("jobs", "Jobs", "/jobs/"),
    ("schedulers", "Schedulers", "/schedulers/"),
    ("credentials", "Credentials", "/vault/credentials/"),
    ("constants", "Constants", "/vault/constants/"),
    ("audit", "Audit", "/audit/"),
)


def scheduler_summary() -> dict[str, int] | None:
    """Counts of online/stale/offline Schedulers for the header, cached for 10 seconds."""
    summary = cache.get("console:scheduler-summary")
    if summary is None:
        from triggers.models import Scheduler

        now = clock.now()
        summary = {"online": 0, "stale": 0, "offline": 0}
        try:
            for last_update in Scheduler.objects.values_list("last_update", flat=True):
                summary[Scheduler(last_update=last_update).state(now)] += 1
        except DatabaseError:
            return None
        cache.set("console:scheduler-summary", summary, 10)
    return summary


def console(request) -> dict:
    signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
    return {
        "navigation": NAVIGATION,
        "local_mode": settings.LOCAL_MODE,
        "demo_database": settings.ORCHESTRATOR_IS_DEMO,
        "vault_available": crypto.vault_available(),
        "scheduler_summary": scheduler_summary if signed_in else None,
    }
