"""The dashboard in Danish: panels, their screen-reader summaries and the live fragments follow the
browser's language; English stays the default."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.conf import settings
from django.utils import translation

from logs.models import LogLevel
from orchestrator_site import clock
from queues.models import QueueStatus
from tests.helpers import NOW, make_element, make_log, make_scheduler, oo_db

DA = {"HTTP_ACCEPT_LANGUAGE": "da"}


@pytest.fixture(autouse=True)
def english_afterwards():
    """A Danish request leaves Danish active in this thread (LocaleMiddleware activates, nothing
    deactivates): the tests after these read the default language again."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@oo_db
def test_the_panels_speak_danish_and_english_stays_the_default(as_viewer):
    make_log("Løn", level=LogLevel.ERROR, message="boom", at=NOW - dt.timedelta(hours=1))
    make_log("Løn", level=LogLevel.ERROR, message="bang", at=NOW - dt.timedelta(hours=2))
    make_element("Fakturaer", status=QueueStatus.FAILED, reference="F-1", message="nej")
    make_scheduler("PC-STALE", age_seconds=120)
    danish = text_of(as_viewer.get("/", **DA))
    for words in (
        "<h1>Overblik</h1>",
        "2 fejl logget siden",
        'data-live-summary="Fejlede køelementer: 1."',
        "åbn alle 1 i fejlindbakken",
        "Schedulere, der ikke er online: 1.",
        "Sæt live-opdatering på pause",
        "Ingen fejlede eller fastlåste triggere.",
    ):
        assert words in danish, words
    assert "Recent errors" not in danish and "Pause live refresh" not in danish
    english = text_of(as_viewer.get("/"))
    assert "<h1>Dashboard</h1>" in english and "2 errors logged since" in english
    assert 'data-live-summary="Failed queue elements: 1."' in english and "Overblik" not in english


@oo_db
def test_a_live_fragment_comes_in_the_language_of_the_page_that_asks(as_viewer):
    make_log("Løn", level=LogLevel.ERROR, message="boom", at=NOW - dt.timedelta(hours=1))
    danish = text_of(as_viewer.get("/dashboard/fragments/errors/", **DA))
    assert "Seneste fejl" in danish and "1 fejl logget siden" in danish
    english = text_of(as_viewer.get("/dashboard/fragments/errors/"))
    assert "Recent errors" in english and "1 error logged since" in english
