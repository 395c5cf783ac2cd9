"""`{% index_notice as notice %}`: the recommended indexes an administrator should know are missing."""

from __future__ import annotations

from django import template

from orchestrator_site import health, indexes

register = template.Library()

DISMISS_PARAMETER = "dismiss-index-notice"
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
    """The missing recommended indexes, or [] for non-administrators and dismissed notices.

    `?dismiss-index-notice=1` on any page hides the notice for the rest of the session.
    """
    request = context.get("request")
    if request is None or not is_administrator(getattr(request, "user", None)):
        return []
    session = getattr(request, "session", None)
    if session is None:
        return []
    if request.GET.get(DISMISS_PARAMETER) == "1":
        session[SESSION_KEY] = True
    if session.get(SESSION_KEY):
        return []
    if not health.schema_status().ok:
        return []
    return indexes.missing_indexes()


@register.simple_tag(takes_context=True)
def dismiss_index_notice_url(context) -> str:
    """The current page with `dismiss-index-notice=1` added to its query string."""
    request = context["request"]
    query = request.GET.copy()
    query[DISMISS_PARAMETER] = "1"
    return f"{request.path}?{query.urlencode()}"
