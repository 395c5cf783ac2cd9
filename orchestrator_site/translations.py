"""Translation catalogues, made ready once per process.

Django loads a language's catalogue when a request first asks for it, and chains every catalogue
Python's gettext found for that locale as a fallback. For British English that is Django's and each
contrib app's `en` catalogue behind their `en_GB` one: six catalogues holding nothing but their
header, which every untranslated message (nearly all of an English page's) walked, two dictionary
lookups and a plural function each. A list page asks for a few hundred messages, so that walk was
about a tenth of its server CPU.
"""

from __future__ import annotations

import gettext

from django.conf import settings
from django.utils.translation import trans_real


def prepare() -> None:
    """Load every offered language's catalogue now and unlink the empty ones from its fallbacks.

    An empty catalogue (only the header, whose msgid is "") translates nothing, so leaving it out
    of the chain changes no translation: a message it was asked for went on to the next one."""
    for code, _name in settings.LANGUAGES:
        _unlink_empty_fallbacks(trans_real.translation(code))


def _fallback(translation: gettext.NullTranslations) -> gettext.NullTranslations | None:
    # The attribute add_fallback() sets and gettext() follows; typeshed does not declare it.
    return getattr(translation, "_fallback", None)


def _unlink_empty_fallbacks(translation: gettext.NullTranslations) -> None:
    node = translation
    while (after := _fallback(node)) is not None:
        if _is_empty(after):
            setattr(node, "_fallback", _fallback(after))  # noqa: B010 - see _fallback()
        else:
            node = after


def _is_empty(translation: gettext.NullTranslations) -> bool:
    catalog = getattr(translation, "_catalog", None)
    return (
        type(translation) is gettext.GNUTranslations
        and catalog is not None
        and all(key == "" for key in catalog)
    )


def fallback_chain(code: str) -> list[gettext.NullTranslations]:
    """The catalogues a message of language `code` is looked up in, in order (for tests)."""
    chain: list[gettext.NullTranslations] = []
    node: gettext.NullTranslations | None = trans_real.translation(code)
    while node is not None:
        chain.append(node)
        node = _fallback(node)
    return chain
