"""`{% index_notice as notice %}`: the recommended indexes an administrator should know are missing."""

from __future__ import annotations

from django import template

from orchestrator_site import index_notice as notice
from orchestrator_site import indexes

register = template.Library()


@register.simple_tag(takes_context=True)
def index_notice(context) -> list[indexes.IndexSpec]:
    """The missing recommended indexes, or [] for non-administrators and dismissed notices."""
    request = context.get("request")
    if request is None:
        return []
    return notice.notice_for(request)
