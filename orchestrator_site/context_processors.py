from __future__ import annotations

from django.conf import settings

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


def console(request) -> dict:
    """What every page's frame needs from the core; feature apps add their own (settings.TEMPLATES)."""
    return {
        "navigation": NAVIGATION,
        "local_mode": settings.LOCAL_MODE,
        "demo_database": settings.ORCHESTRATOR_IS_DEMO,
    }
