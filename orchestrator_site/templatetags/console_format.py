"""Formatting filters shared by the console's templates; times, durations and sizes come from
orchestrator_site.display, as they do in Python."""

from __future__ import annotations

from django import template

from orchestrator_site import display

register = template.Library()


@register.filter
def when(value, style: str = "datetime") -> str:
    """A moment in a display format of settings.CONSOLE_DATETIME_FORMATS: `{{ t|when }}`,
    `{{ t|when:"schedule" }}`; "" for None, so `|default:"—"` still applies."""
    try:
        return display.datetime_text(value, style)
    except (AttributeError, TypeError):  # not a date: nothing, as Django's `date` filter does
        return ""


@register.filter
def duration(value) -> str:
    """Seconds or a timedelta as "1 h 2 min" (display.duration_text)."""
    return display.duration_text(value)


@register.filter
def ago(value) -> str:
    """Seconds since something happened as "3 min ago", or "never" (display.age_text)."""
    return display.age_text(value)


@register.filter(name="bytes")
def bytes_(value) -> str:
    """A size in bytes as "4.8 MiB" (display.bytes_text)."""
    return display.bytes_text(value)


@register.filter
def name_label(value) -> str:
    """Link text for a stored name: the name itself, or a stand-in when it would show nothing
    ("" or only whitespace), so that its link can still be seen and clicked."""
    text = "" if value is None else str(value)
    if text.strip():
        return text
    return f"(blank name {text!r})" if text else "(no name)"


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


_ICONS = {
    "pause": '<rect x="4" y="3" width="3" height="10"/><rect x="9" y="3" width="3" height="10"/>',
    "resume": '<path d="M4 3v10l9-5z"/>',
    "run": '<path d="M3 3v10l7-5z"/><rect x="11" y="3" width="2.5" height="10"/>',
    "kill": '<rect x="3.5" y="3.5" width="9" height="9"/>',
    "reset": '<path d="M8 3a5 5 0 1 1-4.6 3H1.5l3-3.5 3 3.5H5.6A3 3 0 1 0 8 5z"/>',
    "edit": '<path d="M2 11.5V14h2.5l7.4-7.4-2.5-2.5zM13.7 4.8a.7.7 0 0 0 0-1L12.2 2.3a.7.7 0 0 0-1 0l-1 1 2.5 2.5z"/>',
    "delete": '<path d="M5 2h6v1.5h3V5H2V3.5h3zM3.5 6h9l-.8 8h-7.4z"/>',
}


@register.simple_tag
def icon(name: str):
    """A small inline SVG icon (no font or image needed, allowed by the CSP)."""
    from django.utils.safestring import mark_safe

    return mark_safe(  # noqa: S308 - fixed markup from the table above, no user input
        '<svg class="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" '
        f'fill="currentColor">{_ICONS[name]}</svg>'
    )
