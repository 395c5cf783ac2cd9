"""The parts of every page's header that change per request, written in Python.

base.html drew them with template tags: the navigation's loop, the language switch (an include
with its own loop, {% csrf_token %} and {% get_available_languages %}) and the Schedulers' status
(an include with three {% blocktranslate count %}). Together that was a tenth of a light list
page's server CPU, for a few hundred bytes that differ only by language, path and counts.
tests/foundation/test_chrome.py renders the same context through the templates these replace and
requires the same HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.conf import settings
from django.utils.translation import get_language, gettext, ngettext, pgettext

from orchestrator_site.htmltext import escaped, format_html
from orchestrator_site.reversing import plain_url


def nav_items(navigation, is_staff: bool) -> str:
    """The items of the main navigation's list: (key, label, url, current) per link, then the
    admin for staff."""
    parts = ["\n    "]
    for _key, label, url, current in navigation:
        here = ' aria-current="page"' if current else ""
        parts.append(f'\n      <li><a href="{escaped(url)}"{here}>{escaped(label)}</a></li>\n    ')
    parts.append("\n    ")
    if is_staff:
        admin = escaped(pgettext("navigation", "Admin"))
        parts.append(f'<li><a href="{escaped(plain_url("admin:index"))}">{admin}</a></li>')
    parts.append("\n    ")
    return "".join(parts)


def language_switch(next_path: str, csrf_token: object) -> str:
    """The form that switches the interface language (orchestrator_site.views.set_language)."""
    current = get_language()
    parts: list[str] = [
        format_html(
            '<form method="post" action="{}" class="language-switch" aria-label="{}">',
            plain_url("set_language"),
            gettext("Language"),
        ),
        _csrf_input(csrf_token),
        format_html('<input type="hidden" name="next" value="{}">', next_path),
    ]
    for code, name in settings.LANGUAGES:
        if code == current:
            html = '<span class="current" lang="{0}" aria-current="true">{1}</span>'
        else:
            html = (
                '<button type="submit" name="language" value="{0}" lang="{0}" '
                'class="link-button">{1}</button>'
            )
        parts.append(format_html(html, code, gettext(name)))
    parts.append("</form>\n")
    return "".join(parts)


def _csrf_input(token: object) -> str:
    """What {% csrf_token %} writes for the context's csrf_token."""
    if not token or token == "NOTPROVIDED":  # noqa: S105 - Django's marker for "no token"
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def scheduler_status(summary: Mapping[str, int] | Callable[[], Mapping | None] | None) -> str:
    """The header's Schedulers link with online / stale / offline counts; nothing without a summary
    (a page that shows none, or a database that did not answer). Both end in the newline the
    template's file ended with."""
    if callable(summary):
        summary = summary()
    if not summary:
        return "\n"
    parts: list[str] = [
        format_html(
            '<a class="sched-status" href="{}" title="{}">{}\n',
            plain_url("triggers:schedulers"),
            gettext("Schedulers: online / stale / offline"),
            gettext("Schedulers:"),
        ),
    ]
    words = {
        "online": ngettext("%(counter)s online", "%(counter)s online", summary["online"]),
        "stale": ngettext("%(counter)s stale", "%(counter)s stale", summary["stale"]),
        "offline": ngettext("%(counter)s offline", "%(counter)s offline", summary["offline"]),
    }
    # Online always; stale and offline only when there are any, each after a space.
    parts.append(
        " ".join(
            _badge(state, words[state], summary[state])
            for state in ("online", "stale", "offline")
            if state == "online" or summary[state]
        )
    )
    parts.append("</a>\n")
    return "".join(parts)


def _badge(state: str, words: str, counter: int) -> str:
    # As {% blocktranslate count %}: the translation is trusted, the counter is escaped into it.
    return f'<span class="badge badge-{state}">{words % {"counter": escaped(counter)}}</span>'
