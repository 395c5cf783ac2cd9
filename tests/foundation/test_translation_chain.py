"""orchestrator_site.translations.prepare(): the start-up step that shortens every lookup of a
message's translation leaves every translation as it was."""

from __future__ import annotations

import gettext

from django.conf import settings
from django.utils import translation

from orchestrator_site import translations

# Not in any catalogue: these walked the whole chain before.
MISSING = ["Triggers of a process that does not exist", "", "Pause", "x\ny"]


def _every_msgid() -> set[str]:
    found = set(MISSING)
    for code, _name in settings.LANGUAGES:
        for catalogue in translations.fallback_chain(code):
            found.update(key for key in catalogue._catalog.keys() if isinstance(key, str))
    return found


def _translated(msgids: set[str]) -> dict[tuple[str, str], str]:
    result = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for msgid in msgids:
                result[code, msgid] = translation.gettext(msgid)
                result[code, "plural:" + msgid] = translation.ngettext(msgid, msgid + "s", 2)
    return result


def test_the_chains_lose_only_empty_catalogues_and_no_translation_changes():
    msgids = _every_msgid()
    before = _translated(msgids)
    lengths = {code: len(translations.fallback_chain(code)) for code, _ in settings.LANGUAGES}
    translations.prepare()
    translations.prepare()  # twice is harmless (a second server start in one process)
    assert _translated(msgids) == before
    for code, _name in settings.LANGUAGES:
        chain = translations.fallback_chain(code)
        assert len(chain) <= lengths[code]
        empty = [
            c
            for c in chain
            if type(c) is gettext.GNUTranslations and all(key == "" for key in c._catalog)
        ]
        assert not empty, f"{code}: {len(empty)} empty catalogues still in the chain"
    # English is the site's first language: its messages are looked up in one catalogue.
    assert len(translations.fallback_chain(settings.LANGUAGES[0][0])) == 1
    with translation.override("da"):
        assert translation.gettext("Triggers") == "Triggere"
