"""The notice administrators see on every page while recommended indexes are missing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from orchestrator_site import health, indexes
from orchestrator_site.identity import signed_in_environ
from tests.conftest import PERSONAS
from tests.helpers import oo_tx

NOTICE = "recommended database indexes missing"
PAGE = "/logs/"
DISMISS = reverse("dismiss_index_notice")


@pytest.fixture(autouse=True)
def no_console_indexes():
    health.forget_status()
    indexes.forget()
    yield
    indexes.drop()
    indexes.forget()


@oo_tx
@pytest.mark.parametrize("persona", ["as_admin", "as_operator"])  # operators are staff
def test_administrators_see_the_missing_indexes_and_how_to_create_them(persona, request):
    response = request.getfixturevalue(persona).get(PAGE)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"{len(indexes.RECOMMENDED)} {NOTICE}" in text
    assert "manage.py orchestrator_indexes --apply" in text
    assert "<code>Logs(process_name, log_time)</code>" in text
    assert f'action="{DISMISS}"' in text


@oo_tx
@pytest.mark.parametrize("persona", ["as_viewer", "as_keeper"])
def test_others_do_not_see_it(persona, request):
    response = request.getfixturevalue(persona).get(PAGE)
    assert response.status_code == 200
    assert NOTICE not in response.content.decode()


@oo_tx
def test_it_can_be_dismissed_for_the_session_with_a_post(as_admin):
    response = as_admin.post(DISMISS, {"next": f"{PAGE}?q=x"})
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?q=x"
    assert NOTICE not in as_admin.get(PAGE).content.decode()


@oo_tx
def test_a_link_from_another_site_cannot_dismiss_it(as_admin):
    # The old way, a GET with a parameter, changes nothing any more.
    assert NOTICE in as_admin.get(f"{PAGE}?dismiss-index-notice=1").content.decode()
    assert NOTICE in as_admin.get(PAGE).content.decode()
    assert as_admin.get(DISMISS).status_code == 405
    strict = Client(enforce_csrf_checks=True, **signed_in_environ(PERSONAS["admin"]))
    assert strict.post(DISMISS, {"next": PAGE}).status_code == 403
    assert NOTICE in strict.get(PAGE).content.decode()


@oo_tx
def test_dismissing_never_redirects_off_the_site(as_admin):
    for elsewhere in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", ""):
        response = as_admin.post(DISMISS, {"next": elsewhere})
        assert response["Location"] == "/", elsewhere


@oo_tx
def test_it_disappears_once_the_indexes_exist(as_admin):
    assert NOTICE in as_admin.get(PAGE).content.decode()
    indexes.apply()
    assert NOTICE not in as_admin.get(PAGE).content.decode()
