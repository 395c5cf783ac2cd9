"""Row actions: the buttons and links at the end of a list row (and on a detail page), in Python.

A page with row actions includes templates/orchestrator_site/_row_actions.html once: the one POST
form (the CSRF token and the way back, `next`) and the icon sprite. A POST action is then a
`<button form="row-actions" formaction="...">` outside that form, a link stays an `<a>`, and an icon
is a `<use>` of the sprite. Per row that is the URL, the label and the icon's name, no more: the
triggers list carried a form with its own token, `next` and the full SVG path data per button
(128 KB for 50 rows). The site's script asks `data-confirm` on the pressed button as on a form.

Labels and confirmation texts are names, i.e. hostile text: everything goes through format_html.
URLs come from orchestrator_site.reversing (one reverse() per URL name per process), not {% url %}.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from orchestrator_site.htmltext import format_html

FORM_ID = "row-actions"  # the form of _row_actions.html
KINDS = frozenset({"primary", "danger"})  # the default is a small secondary button (console.css)
ICONS = frozenset({"pause", "resume", "run", "kill", "reset", "edit", "delete"})  # its sprite


_ICON_HTML = {
    name: mark_safe(f'<svg aria-hidden="true"><use href="#icon-{name}"/></svg>')  # noqa: S308
    for name in ICONS
}
_CLASS = {"": "", **{kind: mark_safe(f' class="{kind}"') for kind in KINDS}}  # noqa: S308


def icon(name: str) -> SafeString:
    """A sprite icon; the button or link around it carries the name (aria-label)."""
    if name not in ICONS:
        raise ValueError(f"no icon {name!r} in the sprite of _row_actions.html")
    return _ICON_HTML[name]


def post(
    url: str, label: str, *, icon_name: str = "", text: str = "", confirm: str = "", kind: str = ""
) -> SafeString:
    """A button that POSTs the page's row-actions form to `url`; `label` names what it does to
    which object (aria-label, shown as its tooltip), `confirm` is asked first (site script)."""
    content = icon(icon_name) if icon_name else text
    if confirm:
        return format_html(
            '<button form="{}" formaction="{}"{} data-confirm="{}" aria-label="{}">{}</button>',
            FORM_ID,
            url,
            _kind(kind),
            confirm,
            label,
            content,
        )
    return format_html(
        '<button form="{}" formaction="{}"{} aria-label="{}">{}</button>',
        FORM_ID,
        url,
        _kind(kind),
        label,
        content,
    )


def link(
    url: str, label: str, *, icon_name: str = "", text: str = "", kind: str = "", title: str = ""
) -> SafeString:
    """A link styled as a row button: a page that asks more (edit, delete, reveal...). A `title`
    replaces the label as its tooltip, to say more than the label."""
    return format_html(
        '<a{}{} href="{}" aria-label="{}">{}</a>',
        _kind(kind),
        format_html(' title="{}"', title) if title else "",
        url,
        label,
        icon(icon_name) if icon_name else text,
    )


def disabled(why: str, *, icon_name: str = "", text: str = "") -> SafeString:
    """A button that cannot be used here; `why` is its tooltip and accessible name (title)."""
    return format_html(
        '<button type="button" disabled title="{}">{}</button>',
        why,
        icon(icon_name) if icon_name else text,
    )


def _kind(kind: str) -> str:
    if kind not in _CLASS:
        raise ValueError(f"no row button kind {kind!r}")
    return _CLASS[kind]


def actions(buttons: Iterable[SafeString]) -> SafeString:
    """The row's buttons side by side (console.css .row-actions: small, secondary unless marked)."""
    html = "".join(conditional_escape(button) for button in buttons)
    return mark_safe(f'<div class="row-actions">{html}</div>')  # noqa: S308 - escaped above
