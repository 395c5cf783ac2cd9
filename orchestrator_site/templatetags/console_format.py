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


@register.filter
def summary_line(value) -> str:
    """The first line, joined with the next one when it only announces it.

    OpenOrchestrator's Scheduler logs "An uncaught error ocurred during the process:" and puts the
    useful part (the robot's stderr) on the following lines.
    """
    lines = [line.strip() for line in str(value or "").splitlines() if line.strip()]
    if not lines:
        return ""
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {lines[-1] if lines[1].startswith('Traceback') else lines[1]}"
    return lines[0]
