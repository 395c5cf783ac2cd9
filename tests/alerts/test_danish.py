"""The alerts in Danish: the catalogue is complete and compiled, the pages follow the browser's
language, and the alerts themselves are written in CONSOLE_ALERTS_LANGUAGE."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from OpenOrchestrator.database.triggers import TriggerStatus as OOTriggerStatus

from tests.alerts.conftest import BASE_URL, make_rule, run_alerts
from tests.helpers import oo_db, oo_tx

CATALOGUE = Path(__file__).resolve().parents[2] / "alerts" / "locale" / "da" / "LC_MESSAGES"


@pytest.mark.no_orchestrator_db
def test_every_string_has_a_danish_translation_and_the_mo_file_is_up_to_date():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    assert len(po) > 100  # the alerts' strings are collected at all
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == [] and not po.metadata_is_fuzzy
    compiled = {(e.msgid, e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo}
    written = {(e.msgid, e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in po}
    assert compiled == written, "run: cd alerts && ../.venv/bin/django-admin compilemessages"


@oo_db
def test_the_pages_speak_danish_to_a_danish_browser(as_admin):
    rule = make_rule(name="Natlig", target="Fakturaer", threshold=3, email_to="ops@example.com")
    listing = as_admin.get("/alerts/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    form = as_admin.get(f"/alerts/{rule.pk}/edit/", HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "<h1>Alarmer</h1>" in listing and "Ny alarmregel" in listing
    # The window in the one duration style, in Danish (orchestrator_site.display.duration_text).
    assert "3 eller flere fejl på 15 min., logget af processen “Fakturaer”" in listing
    assert "Inden for minutter" in form and "Annullér" in form


@oo_tx
def test_the_alerts_are_written_in_the_configured_language(db_util, inbox, clock, settings):
    settings.CONSOLE_ALERTS_LANGUAGE = "da"
    make_rule("trigger_problem", email_to="ops@example.com")
    trigger_id = db_util.create_single_trigger(
        "Nightly run", "Proc T", clock.now(), "C:/r/main.py", "", False, True, 0
    )
    db_util.set_trigger_status(trigger_id, OOTriggerStatus.FAILED)
    run_alerts()
    (mail,) = inbox.messages
    assert mail.subject == "[OpenOrchestrator] Triggeren “Nightly run”: Fejlet"
    assert "Betingelse: En hvilken som helst trigger, der er fejlet eller sidder fast" in mail.body
    assert f"Åbn i konsollen: {BASE_URL}/triggers/" in mail.body
