"""Danish in the site's frame and shared parts (header, footer, error pages, paging and filter
errors, the script's words, the audit trail, failure-group explanations), while English stays the
default and what is recorded stays language-neutral."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import translation

from orchestrator_site import audit, display, health, signatures
from orchestrator_site.models import AuditEntry
from orchestrator_site.paging import CappedCount
from tests.helpers import NOW, make_trigger, oo_db

DA = {"HTTP_ACCEPT_LANGUAGE": "da"}


@pytest.fixture(autouse=True)
def english_afterwards():
    """A Danish request leaves Danish active in this thread (LocaleMiddleware activates, nothing
    deactivates): the tests after these read the default language again."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def script_texts(response) -> dict:
    block = re.search(
        r'<script id="console-texts" type="application/json">(.*?)</script>',
        response.content.decode(),
    )
    assert block, "no console-texts block"
    return json.loads(block[1])


@oo_db
def test_the_frame_speaks_danish_when_the_browser_asks_and_english_stays_the_default(as_viewer):
    danish = text_of(as_viewer.get("/audit/", **DA))
    assert '<html lang="da">' in danish
    for words in ("Spring til indhold", "Overblik", "Loginoplysninger", "Hovedmenu", "Læser"):
        assert words in danish, words
    assert "<h1>Revisionsspor</h1>" in danish and "OpenOrchestrator Console · skema" in danish
    assert "Skip to content" not in danish and "Credentials" not in danish
    english = text_of(as_viewer.get("/audit/"))
    assert '<html lang="en-gb">' in english
    assert "Skip to content" in english and "<h1>Audit trail</h1>" in english
    assert "Viewer" in english and "Læser" not in english


@oo_db
def test_the_scripts_words_come_in_the_pages_language(as_viewer):
    danish = script_texts(as_viewer.get("/audit/", **DA))
    assert danish["resumeRefresh"] == "Genoptag live-opdatering"
    assert danish["hidden"] == "(skjult)"
    english = script_texts(as_viewer.get("/audit/"))
    assert english["resumeRefresh"] == "Resume live refresh" and english["hidden"] == "(hidden)"


@oo_db
def test_paging_errors_are_danish_with_danish_digit_grouping(as_viewer):
    danish = text_of(as_viewer.get("/audit/?page=0&per_page=7", **DA))
    assert "Siden skal være et helt tal fra 1 til 10.000." in danish
    assert "Rækker pr. side skal være 25, 50, 100 eller 200." in danish
    english = text_of(as_viewer.get("/audit/?page=0"))
    assert "Page must be a whole number from 1 to 10,000." in english


def test_a_capped_count_is_grouped_as_the_reader_groups_digits():
    with translation.override("da"):
        assert str(CappedCount(10_000, capped=True)) == "10.000+"
    with translation.override("en-gb"):
        assert str(CappedCount(10_000, capped=True)) == "10,000+"


@oo_db
def test_the_filter_says_its_error_and_buttons_in_danish(as_viewer):
    response = as_viewer.get("/audit/?after=2026-11-28T10:00:00&before=2026-11-27T10:00:00", **DA)
    danish = text_of(response)
    assert "“Til” må ikke være før “Fra”." in danish
    assert ">Filtrér</button>" in danish and ">Ryd</a>" in danish
    assert "trigger: kør nu" in danish and ">triggere</option>" in danish


@oo_db
def test_refusal_and_not_found_pages_are_danish(as_viewer):
    refused = as_viewer.get("/vault/constants/new/", **DA)
    assert refused.status_code == 403 and "<h1>Ikke tilladt</h1>" in text_of(refused)
    missing = as_viewer.get("/no-such-page/", **DA)
    assert missing.status_code == 404 and "<h1>Ikke fundet</h1>" in text_of(missing)


def test_a_failure_groups_explanation_is_kept_without_words_and_said_in_each_language():
    message = "An uncaught error ocurred during the process:\nKeyError: 'beløb' at line 12"
    why = signatures.signature(message).why()
    json.dumps(why)  # a shared snapshot keeps it, whoever's request counted it
    with translation.override("da"):
        danish = signatures.explain_text(why)
    with translation.override("en-gb"):
        english = signatures.explain_text(why)
    assert danish == (
        "OpenOrchestrators generiske første linje fjernet; "
        "1 citeret værdi og 1 linjenummer erstattet"
    )
    assert english == (
        "OpenOrchestrator's generic first line dropped; 1 quoted value and 1 line number replaced"
    )
    assert signatures.explain_text("as an older snapshot said it") == "as an older snapshot said it"


def test_an_audit_change_stores_its_labels_untranslated_and_shows_them_in_the_readers_language():
    with translation.override("da"):
        change = audit.change("outcome", AuditEntry.Outcome.REFUSED, AuditEntry.Outcome.OK)
        shown = audit.change_text(change)
    assert change == {
        "field": "outcome",
        "old": {"label": "Refused"},
        "new": {"label": "Succeeded"},
    }
    json.dumps(change)
    assert shown == "outcome: Afvist → Lykkedes"
    with translation.override("en-gb"):
        assert audit.change_text(change) == "outcome: Refused → Succeeded"


@oo_db
def test_blocking_a_user_is_said_in_danish_and_audited_as_ever(as_admin, as_viewer):
    as_viewer.get("/audit/")
    as_admin.get("/admin/")
    vera = User.objects.get(username="test\\vera")
    response = as_admin.post(
        "/admin/auth/user/",
        {"action": "block_users", "_selected_action": [vera.pk]},
        follow=True,
        **DA,
    )
    page = text_of(response)
    assert "Spærrede 1 af 1 brugere." in page and "Blocked 1 of" not in page
    row = AuditEntry.objects.get(action="user.block")
    assert (row.target_ids, row.count, row.outcome) == ("test\\vera", 1, "ok")


@oo_db
def test_the_admin_names_the_console_and_the_signed_in_person_in_danish(as_admin):
    danish = text_of(as_admin.get("/admin/", **DA))
    assert "Administration af OpenOrchestrator Console" in danish
    assert "Logget ind via Windows som <strong>test\\ada</strong>." in danish
    assert "Tilbage til konsollen" in danish and "Back to the console" not in danish
    users = text_of(as_admin.get("/admin/auth/user/", **DA))
    assert "Spær de valgte brugere" in users and "Automatiseringsadministrator" in users


def test_durations_and_ages_are_said_in_the_readers_language():
    with translation.override("da"):
        assert display.duration_text(185) == "3 min. 5 sek."
        assert display.duration_text(190_000) == "2 d. 4 t."
        assert display.age_text(3725) == "for 1 t. 2 min. siden"
        assert display.age_text(None) == "aldrig"
    with translation.override("en-gb"):
        assert display.duration_text(185) == "3 min 5 s" and display.age_text(45) == "45 s ago"


def test_a_weekday_is_written_in_the_readers_language(settings):
    settings.CONSOLE_DATETIME_FORMATS = {
        **settings.CONSOLE_DATETIME_FORMATS,
        "datetime": "D d-m-Y H:i",
    }
    friday = dt.datetime(2026, 11, 27, 11, 19)
    with translation.override("da"):
        assert display.datetime_text(friday) == "fre 27-11-2026 11:19"
    with translation.override("en-gb"):
        assert display.datetime_text(friday) == "Fri 27-11-2026 11:19"


@pytest.mark.parametrize(
    ("state", "heading"),
    [
        ("busy", "Databasen er optaget; prøv igen"),
        ("unreachable", "OpenOrchestrator-databasen kan ikke nås"),
        ("not-a-database", "OpenOrchestrator-databasen er ikke en database"),
        ("no-version-table", "Denne database er ikke en OpenOrchestrator 3.0-database"),
        ("wrong-revision", "Databasen har en anden skemarevision"),
    ],
)
def test_the_database_fault_page_is_danish(rf, state, heading):
    with translation.override("da"):
        page = text_of(health.unavailable_response(rf.get("/"), health.SchemaStatus(state=state)))
    assert f"<h1>{heading}</h1>" in page and '<html lang="da">' in page
    assert "Sundhedstjek (JSON)" in page


@oo_db
def test_the_audit_trail_names_its_targets_in_danish(as_viewer):
    trigger = make_trigger(name="Nat")
    gone = "1a2b3c4d-0000-4000-8000-000000000000"
    for target in (str(trigger.pk), gone):
        AuditEntry.objects.create(
            at=NOW, username="test\\otto", action="trigger.pause", target_type="trigger",
            target_ids=target,
        )  # fmt: skip
    AuditEntry.objects.create(
        at=NOW, username="test\\otto", action="trigger.pause", target_type="trigger",
        target_ids="\n".join([str(trigger.pk), gone, "b", "c"]),
    )  # fmt: skip
    danish = as_viewer.get("/audit/", **DA).content.decode()
    assert f'trigger <a href="/triggers/{trigger.pk}/">Nat</a>' in danish
    assert "slettet trigger 1a2b3c4d" in danish and "4 triggere: " in danish
    assert " og 1 til" in danish and "deleted trigger" not in danish
    assert "deleted trigger 1a2b3c4d" in as_viewer.get("/audit/").content.decode()
