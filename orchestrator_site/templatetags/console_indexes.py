"""`{% index_notice as notice %}`: the recommended indexes an administrator should know are missing."""

from __future__ import annotations

from django import template

from orchestrator_site import health, indexes

register = template.Library()

# Set by views.dismiss_index_notice (a POST), read here.
SESSION_KEY = "console_index_notice_dismissed"


def is_administrator(user) -> bool:
    # The perms are usually cached on the user already (every view checks one), so no extra query.
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_staff or user.has_perm("triggers.add_trigger"))
    )


@register.simple_tag(takes_context=True)
def index_notice(context) -> list[indexes.IndexSpec]:
    """The missing recommended indexes, or [] for non-administrators and dismissed notices."""
    request = context.get("request")
    if request is None or not is_administrator(getattr(request, "user", None)):
        return []
    session = getattr(request, "session", None)
    if session is None or session.get(SESSION_KEY):
        return []
    if not health.schema_status().ok:
        return []
    return indexes.missing_indexes()
