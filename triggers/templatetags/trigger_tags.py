from django import template

from triggers.models import SchedulerState
from triggers.tables import status_badge as _status_badge

register = template.Library()


@register.simple_tag
def status_badge(status: str) -> str:
    """A trigger status as an icon and a coloured badge."""
    return _status_badge(status)


@register.filter
def scheduler_state_label(state: str) -> str:
    """A Scheduler's state ("online", "stale", "offline") as the pages name it."""
    return str(SchedulerState(state).label) if state in SchedulerState.values else state
