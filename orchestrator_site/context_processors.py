from __future__ import annotations

import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from orchestrator_site.oo_schema import REVISION

# (key, label, URL name): reversed per script prefix, so the links work in an IIS virtual directory.
# The labels are lazy: translated when a page prints them, in that request's language.
NAVIGATION = (
    ("dashboard", gettext_lazy("Dashboard"), "dashboard:home"),
    ("triggers", pgettext_lazy("navigation", "Triggers"), "triggers:list"),
    ("queues", pgettext_lazy("navigation", "Queues"), "queues:overview"),
    ("logs", pgettext_lazy("navigation", "Logs"), "logs:overview"),
    ("jobs", pgettext_lazy("navigation", "Jobs"), "triggers:jobs"),
    ("schedulers", pgettext_lazy("navigation", "Schedulers"), "triggers:schedulers"),
    ("credentials", pgettext_lazy("navigation", "Credentials"), "vault:credentials"),
    ("constants", pgettext_lazy("navigation", "Constants"), "vault:constants"),
    ("alerts", pgettext_lazy("navigation", "Alerts"), "alerts:rules"),
    ("audit", pgettext_lazy("navigation", "Audit"), "audit"),
)


@functools.lru_cache(maxsize=16)
def _navigation_urls(script_prefix: str) -> tuple[tuple[str, Promise, str], ...]:
    # The prefix is part of the key: reverse() reads it per request (thread-local).
    return tuple((key, label, reverse(name)) for key, label, name in NAVIGATION)


@receiver(setting_changed)
def _forget_on_new_urlconf(setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _navigation_urls.cache_clear()


def navigation(path: str) -> list[tuple[str, Promise, str, bool]]:
    """(key, label, url, current) of each main navigation link for a page at `path`."""
    urls = _navigation_urls(get_script_prefix())
    home = urls[0][2]
    return [
        (key, label, url, path == url or (url != home and path.startswith(url)))
        for key, label, url in urls
    ]


def script_texts() -> dict[str, str]:
    """The words console.js writes into a page, in the request's language: base.html puts them
    in a JSON block (`console-texts`) that the script reads, so Django's catalogues translate
    them too and the script carries no text of its own."""
    return {
        "hidden": gettext("(hidden)"),
        "refreshFailed": gettext("update failed, retrying"),
        "dashboardChanged": gettext("Dashboard changed."),
        "pauseRefresh": gettext("Pause live refresh"),
        "resumeRefresh": gettext("Resume live refresh"),
    }


def console(request) -> dict:
    """What every page's frame needs from the core; feature apps add their own (settings.TEMPLATES)."""
    return {
        "navigation": navigation(request.path),
        "schema_revision": REVISION,
        "local_mode": settings.LOCAL_MODE,
        "demo_database": settings.ORCHESTRATOR_IS_DEMO,
        "console_texts": script_texts(),
        # Every time shown is naive local time in this zone (USE_TZ = False), as OpenOrchestrator
        # writes it; each page's footer says so (orchestrator_site/_time_zone.html).
        "time_zone": settings.TIME_ZONE,
    }
