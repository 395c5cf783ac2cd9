"""The interface's language: English by default, Danish from the browser or the header's switch."""

from __future__ import annotations

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db(databases=["default", "orchestrator"])


def _lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def test_english_is_the_default(as_viewer):
    response = as_viewer.get("/schedulers/")
    assert response.status_code == 200 and _lang(response) == "en-gb"
    assert 'value="da"' in response.content.decode()  # the switch offers Danish


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("da-DK,da;q=0.9,en;q=0.8", "da"), ("da", "da"), ("en-US,en;q=0.9", "en-gb"), ("fr", "en-gb")],
)
def test_the_browsers_language_is_followed(as_viewer, accept, expected):
    response = as_viewer.get("/schedulers/", HTTP_ACCEPT_LANGUAGE=accept)
    assert _lang(response) == expected
    assert "Accept-Language" in response.headers.get("Vary", "")


def test_the_switch_is_remembered_over_the_browsers_language(as_viewer):
    response = as_viewer.post("/language/", {"language": "da", "next": "/jobs/?status=FAILED"})
    assert response.status_code == 302 and response.url == "/jobs/?status=FAILED"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "da" and int(cookie["max-age"]) >= 300 * 24 * 3600
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    page = as_viewer.get("/schedulers/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert _lang(page) == "da"
    back = as_viewer.post("/language/", {"language": "en-gb", "next": "/schedulers/"})
    assert _lang(as_viewer.get(back.url, HTTP_ACCEPT_LANGUAGE="da")) == "en-gb"


@pytest.mark.parametrize(
    "data",
    [{"language": "xx"}, {"language": ""}, {}, {"language": "da\n"}],
)
def test_an_unknown_language_changes_nothing(as_viewer, data):
    response = as_viewer.post("/language/", {**data, "next": "/jobs/"})
    assert response.status_code == 302 and response.url == "/jobs/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example", "/\\evil", ""])
def test_the_way_back_stays_on_the_site(as_viewer, next_url):
    response = as_viewer.post("/language/", {"language": "da", "next": next_url})
    assert response.status_code == 302 and response.url == "/"


def test_the_switch_needs_csrf_and_a_post(as_viewer):
    from tests.conftest import persona_client

    strict = persona_client("viewer", enforce_csrf_checks=True)
    response = strict.post("/language/", {"language": "da"})
    assert response.status_code == 403 and settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert as_viewer.get("/language/").status_code == 405
