"""The missing-index notice: whom it is for, and its dismissal, kept per person.

An administrator who dismisses the notice dismisses it for themselves, in every browser and
session: the dismissal is a row of the console's database (IndexNoticeDismissal, keyed by
username) that names the indexes that were missing then. It lasts while the situation is the one
they dismissed, and the notice comes back by itself as soon as the set of missing indexes changes:
an index created or dropped (`manage.py orchestrator_indexes --apply` / `--drop`, or by hand), or a
release of the console that recommends another one. Nobody has to undo a dismissal.

Cost per page: nothing for people who are not administrators, and for administrators only cached
values: the missing indexes (indexes.missing_indexes, per process) and their own dismissal (per
process and user, CACHE_SECONDS; one query of the console's database to fill it). Dismissing
forgets the cached dismissal of that process and records it in the session too, so the browser
that dismissed it does not meet the notice again in the console's other processes while their
copy is older (a session is read only where the browser already has one).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

from orchestrator_site import clock, health, indexes, ttlcache
from orchestrator_site.models import IndexNoticeDismissal

CACHE_SECONDS = indexes.CACHE_SECONDS
# The session's copy of its user's dismissal: the situation dismissed (never the only record).
SESSION_KEY = "console_index_notice_dismissed"


def is_administrator(user: User | AnonymousUser | None) -> bool:
    # The perms are usually cached on the user already (every view checks one), so no extra query.
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_staff or user.has_perm("triggers.add_trigger"))
    )


def situation(missing: list[indexes.IndexSpec]) -> str:
    """What a dismissal names: the missing indexes' names, sorted, one per line."""
    return "\n".join(sorted(spec.name for spec in missing))


def notice_for(request: HttpRequest) -> list[indexes.IndexSpec]:
    """The missing recommended indexes to tell this request's user about: [] for someone who is
    not an administrator, while the schema is not OpenOrchestrator 3.0's, when none are
    missing, and when this user dismissed exactly this set of missing indexes."""
    user = getattr(request, "user", None)
    if not is_administrator(user) or not health.schema_status().ok:
        return []
    missing = indexes.missing_indexes()
    if not missing:
        return []
    current = situation(missing)
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_KEY) == current:
        return []
    if _dismissed(user) == current:
        return []
    return missing


def dismiss(request: HttpRequest) -> None:
    """Hide the notice for this request's user, until the missing indexes change."""
    user = request.user
    current = situation(indexes.missing_indexes())
    IndexNoticeDismissal.objects.update_or_create(
        username=user.get_username(), defaults={"missing": current, "dismissed_at": clock.now()}
    )
    ttlcache.forget(_cache_key(user))
    request.session[SESSION_KEY] = current


def _dismissed(user) -> str | None:
    """The situation `user` dismissed, or None; cached per process and user."""
    return ttlcache.cached(
        _cache_key(user),
        CACHE_SECONDS,
        lambda: (
            IndexNoticeDismissal.objects.filter(username=user.get_username())
            .values_list("missing", flat=True)
            .first()
        ),
    )


def _cache_key(user) -> str:
    # The primary key, not the name: a Windows name may hold spaces, which cache keys must not.
    return f"indexes:notice-dismissed:{user.pk}"
