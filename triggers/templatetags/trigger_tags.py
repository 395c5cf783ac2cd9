from django import template

from triggers.tables import status_badge as _status_badge

register = template.Library()


@register.simple_tag
def status_badge(status: str) -> str:
    """A trigger status as an icon and a coloured badge."""
    return _status_badge(status)
