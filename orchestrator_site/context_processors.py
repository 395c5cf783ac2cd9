from __future__ import annotations

import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse

from orchestrator_site.oo_schema import REVISION

# (key, label, URL name): reversed per script prefix, so the links work in an IIS virtual directory.
NAVIGATION = (
    ("dashboard", "Dashboard", "dashboard:home"),
    ("triggers", "Triggers", "triggers:list"),
    ("queues", "Queues", "queues:overview"),
    ("logs", "Logs", "logs:overview"),
    ("jobs", "Jobs", "triggers:jobs"),
    ("schedulers", "Schedulers", "triggers:schedulers"),
    ("credentials", "Credentials", "vault:credentials"),
    ("constants", "Constants", "vault:constants"),
    ("alerts", "Alerts", "alerts:rules"),
    ("audit", "Audit", "audit"),
)


@functools.lru_cache(maxsize=16)
def _navigation_urls(script_prefix: str) -> tuple[tuple[str, str, str], ...]:
    # The prefix is part of the key: reverse() reads it per request (thread-local).
    return tuple((key, label, reverse(name)) for key, label, name in NAVIGATION)


@receiver(setting_changed)
def _forget_on_new_urlconf(setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _navigation_urls.cache_clear()


def navigation(path: str) -> list[tuple[str, str, str, bool]]:
    """(key, label, url, current) of each main navigation link for a page at `path`."""
    urls = _navigation_urls(get_script_prefix())
    home = urls[0][2]
    return [
        (key, label, url, path == url or (url != home and path.startswith(url)))
        for key, label, url in urls
    ]


def console(request) -> dict:
    """What every page's frame needs from the core; feature apps add their own (settings.TEMPLATES)."""
    return {
        "navigation": navigation(request.path),
        "schema_revision": REVISION,
        "local_mode": settings.LOCAL_MODE,
        "demo_database": settings.ORCHESTRATOR_IS_DEMO,
        # Every time shown is naive local time in this zone (USE_TZ = False), as OpenOrchestrator
        # writes it; each page's footer says so (orchestrator_site/_time_zone.html).
        "time_zone": settings.TIME_ZONE,
    }
