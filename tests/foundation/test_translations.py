"""The Danish catalogues are complete and their committed .mo files are compiled from them.

`make messages` collects and compiles them; the page-by-page check that nothing on screen was left
unmarked is tests/e2e/test_danish.py.
"""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("*/locale/da/LC_MESSAGES/django.po"))


def test_there_are_catalogues():
    assert ROOT / "orchestrator_site/locale/da/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_every_string_is_translated(po_path):
    catalogue = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated and not fuzzy, f"{po_path}: untranslated {untranslated}, fuzzy {fuzzy}"
    assert catalogue.percent_translated() == 100
    # A translation keeps the original's placeholders (a missing %(name)s is a crash).
    for entry in catalogue.translated_entries():
        for original, translated in _pairs(entry):
            assert _placeholders(original) == _placeholders(translated), (entry.msgid, translated)


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parts[-5])
def test_the_compiled_catalogue_matches(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `make messages`"
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(mo_path))
    }
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in polib.pofile(str(po_path)).translated_entries()
    }
    assert compiled == source, f"{mo_path} is out of date: run `make messages`"


def _pairs(entry) -> list[tuple[str, str]]:
    if entry.msgid_plural:
        return [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
    return [(entry.msgid, entry.msgstr)]


def _placeholders(text: str) -> list[str]:
    import re

    return sorted(re.findall(r"%\([a-z_]+\)[sd]|\{[a-z_]*\}", text))
