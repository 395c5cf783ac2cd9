"""Texts of the triggers app that are read in two places: on the page, in the reader's language,
and in the audit trail, in English (audit rows are records, never translated).

A write's message is built once, lazily (`lazy_text`): it becomes the words of whichever language
is active when it is read, so the flash message shows Danish to a Danish reader while `english()`
gives the audit row the same sentence in English. A lazy text is not a `str` instance: join it
with `lazy_join` or format it (f-strings and `%` read it), never with `str.join`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise, lazy
from django.utils.translation import override


def _percent(template: str | Promise, values: dict) -> str:
    return str(template) % values if values else str(template)


def _join(separator: str, parts: tuple) -> str:
    return separator.join(str(part) for part in parts)


_lazy_percent = lazy(_percent, str)
_lazy_join = lazy(_join, str)


def lazy_text(template: str | Promise, /, **values) -> str:
    """`template % values`, formatted each time it is read, in the language active then (a value
    that is itself lazy is translated then too). Without values, the template itself."""
    return _lazy_percent(template, values)


def lazy_join(separator: str, parts: Iterable[str | Promise]) -> str:
    """Sentences, each read in the language active when the whole is read."""
    return _lazy_join(separator, tuple(parts))


def english(text: str | Promise) -> str:
    """The text as the audit trail records it."""
    with override("en"):
        return str(text)
