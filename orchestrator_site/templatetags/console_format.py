"""Formatting filters shared by the console's templates; times, durations, sizes and status names
come from orchestrator_site.display, as they do in Python."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from orchestrator_site import audit, chrome, display, errorline, roles, rowactions
from orchestrator_site.htmltext import escaped

register = template.Library()


@register.filter
def when(value, style: str = "datetime") -> str:
    """A moment in the console's one format: `{{ t|when }}`; `{{ log_time|when:"precise" }}` on a
    log line's own page, `{{ day|when:"date" }}` for a day (display.datetime_text); "" for None,
    so `|default:"—"` still applies."""
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


@register.filter
def status_label(value) -> str:
    """A stored status, level or Scheduler state as every page spells it: "IN_PROGRESS" -> "In
    progress" (display.status_label)."""
    return display.status_label(value)


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
    if text:
        return _("(blank name %(name)s)") % {"name": repr(text)}
    return _("(no name)")


@register.filter
def role_labels(value) -> str:
    """Role names, as the header lists them, in the page's language: "Viewer, Operator"."""
    return ", ".join(roles.role_label(role) for role in value or ())


@register.filter
def audit_what(entry) -> SafeString:
    """What an audit row says happened ("next run: … → …", a comment), one line each."""
    return SafeString(
        "<br>".join(escaped(line) for line in audit.what_lines(entry, limit=audit.CHANGE_SHOWN))
    )


@register.filter
def first_line(value) -> str:
    return str(value or "").split("\n", 1)[0]


@register.filter
def summary_line(value) -> str:
    """The line that says what went wrong (orchestrator_site.errorline.summary_line)."""
    return errorline.summary_line(value)


@register.simple_tag
def icon(name: str):
    """`{% icon "pause" %}`: an icon of the sprite that _row_actions.html puts on the page once
    (orchestrator_site.rowactions.icon), sized by console.css inside a `.row-actions` container;
    the button or link around it carries the accessible name."""
    return rowactions.icon(name)


@register.simple_block_tag
def scroll_region(content, label: str):
    """`{% scroll_region "Recent errors" %}<table>…</table>{% endscroll_region %}`: the table in a
    region that scrolls sideways when it is wider than the screen, so that it never widens the
    page; named and focusable (tabindex 0) so that a keyboard can scroll it (console.css)."""
    return format_html(
        '<div class="table-container" role="region" aria-label="{}" tabindex="0">{}</div>',
        label,
        content,
    )


@register.simple_tag(takes_context=True)
def nav_items(context) -> SafeString:
    """The main navigation's items (orchestrator_site.chrome)."""
    user = context.get("user")
    return SafeString(chrome.nav_items(context.get("navigation", ()), bool(user and user.is_staff)))


@register.simple_tag(takes_context=True)
def language_switch(context) -> SafeString:
    """The header's language switch (orchestrator_site.chrome)."""
    request = context.get("request")
    next_path = request.get_full_path() if request is not None else ""
    return SafeString(chrome.language_switch(next_path, context.get("csrf_token")))


@register.simple_tag(takes_context=True)
def scheduler_status(context) -> SafeString:
    """The header's Schedulers status (orchestrator_site.chrome)."""
    return SafeString(chrome.scheduler_status(context.get("scheduler_summary")))
