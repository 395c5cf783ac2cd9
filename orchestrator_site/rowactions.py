"""Row actions: the buttons and links at the end of a list row (and on a detail page), in Python.

A page with row actions includes templates/orchestrator_site/_row_actions.html once: the one POST
form (the CSRF token and the way back, `next`) and the icon sprite. A POST action is then a
`<button form="row-actions" formaction="...">` outside that form, a link stays an `<a>`, and an icon
is a `<use>` of the sprite. Per row that is the URL, the label and the icon's name, no more: the
triggers list carried a form with its own token, `next` and the full SVG path data per button
(128 KB for 50 rows). The site's script asks `data-confirm` on the pressed button as on a form.

A button may show a word next to its icon (`icon_name` and `text`): the word is what a person reads,
the label (which names the row) what a screen reader says. A button that cannot be used here stays in
its place, `disabled()`, with the reason as its tooltip and accessible description, so that every
row's buttons line up.

Labels and confirmation texts are names, i.e. hostile text: everything goes through format_html.
URLs come from orchestrator_site.reversing (one reverse() per URL name per process), not {% url %}.
"""

from __future__ import annotations

import functools
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
# `apart`: set off from the buttons before it (Delete away from Edit), console.css .apart.
_APART = {
    "": mark_safe(' class="apart"'),
    **{kind: mark_safe(f' class="{kind} apart"') for kind in KINDS},  # noqa: S308
}


def icon(name: str) -> SafeString:
    """A sprite icon; the button or link around it carries the name (aria-label)."""
    if name not in ICONS:
        raise ValueError(f"no icon {name!r} in the sprite of _row_actions.html")
    return _ICON_HTML[name]


def post(
    url: str,
    label: str,
    *,
    icon_name: str = "",
    text: str = "",
    confirm: str = "",
    kind: str = "",
    apart: bool = False,
) -> SafeString:
    """A button that POSTs the page's row-actions form to `url`; `label` names what it does to
    which object (aria-label; the tooltip of an icon-only button), `confirm` is asked first (site
    script)."""
    if confirm:
        return format_html(
            '<button form="{}" formaction="{}"{} data-confirm="{}" aria-label="{}">{}</button>',
            FORM_ID,
            url,
            _kind(kind, apart),
            confirm,
            label,
            _content(icon_name, text),
        )
    return format_html(
        '<button form="{}" formaction="{}"{} aria-label="{}">{}</button>',
        FORM_ID,
        url,
        _kind(kind, apart),
        label,
        _content(icon_name, text),
    )


def link(
    url: str,
    label: str,
    *,
    icon_name: str = "",
    text: str = "",
    kind: str = "",
    title: str = "",
    apart: bool = False,
) -> SafeString:
    """A link styled as a row button: a page that asks more (edit, delete, reveal...). A `title`
    replaces the label as its tooltip, to say more than the label."""
    return format_html(
        '<a{}{} href="{}" aria-label="{}">{}</a>',
        _kind(kind, apart),
        format_html(' title="{}"', title) if title else "",
        url,
        label,
        _content(icon_name, text),
    )


def disabled(why: str, *, icon_name: str = "", text: str = "", apart: bool = False) -> SafeString:
    """A button that cannot be used here, in the place it has when it can. Its word (or icon) is
    its name, `why` its tooltip and accessible description (title). The same on every row that
    shows it, so built once per process."""
    return _disabled(why, icon_name, text, apart)


@functools.lru_cache(maxsize=128)
def _disabled(why: str, icon_name: str, text: str, apart: bool) -> SafeString:
    return format_html(
        '<button{} disabled title="{}">{}</button>',
        _kind("", apart),
        why,
        _content(icon_name, text),
    )


def _content(icon_name: str, text: str) -> SafeString | str:
    """The icon, the word, or the icon followed by the word."""
    if icon_name and text:
        return _icon_and_word(icon_name, text)
    return icon(icon_name) if icon_name else text


@functools.lru_cache(maxsize=64)
def _icon_and_word(icon_name: str, word: str) -> SafeString:
    """Built once per pair: a page repeats the same few words on every row. The space sets the
    word off from its icon."""
    return format_html("{} {}", icon(icon_name), word)


def _kind(kind: str, apart: bool = False) -> str:
    classes = _APART if apart else _CLASS
    if kind not in classes:
        raise ValueError(f"no row button kind {kind!r}")
    return classes[kind]


def actions(buttons: Iterable[SafeString]) -> SafeString:
    """The row's buttons side by side (console.css .row-actions: small, secondary unless marked).
    The buttons of this module are SafeStrings already: only anything else is escaped (a row has
    up to seven buttons, and conditional_escape is four calls each)."""
    html = "".join(b if type(b) is SafeString else conditional_escape(b) for b in buttons)
    return SafeString(f'<div class="row-actions">{html}</div>')
