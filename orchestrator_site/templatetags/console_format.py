"""Formatting filters shared by the console's templates."""

from __future__ import annotations

import datetime as dt

from django import template

register = template.Library()


@register.filter
def seconds_human(value) -> str:
    """3725 -> "1 h 2 min"; 45 -> "45 s"."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.timedelta):
        value = value.total_seconds()
    seconds = int(value)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds and minutes < 10 else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


@register.filter
def first_line(value) -> str:
    return str(value or "").split("\n", 1)[0]
