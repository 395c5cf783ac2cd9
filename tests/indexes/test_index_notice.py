"""The notice administrators see on every page while recommended indexes are missing."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orchestrator_site import health, indexes
from orchestrator_site.identity import signed_in_environ
from orchestrator_site.models import IndexNoticeDismissal
from tests.conftest import PERSONAS, persona_client
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


def notice_shown(client: Client) -> bool:
    return NOTICE in client.get(PAGE).content.decode()


@oo_tx
def test_a_dismissal_is_a_post_that_returns_to_the_page(as_admin):
    response = as_admin.post(DISMISS, {"next": f"{PAGE}?q=x"})
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?q=x"
    assert not notice_shown(as_admin)


@oo_tx
def test_a_dismissal_holds_for_that_person_in_every_browser_and_session(as_admin):
    as_admin.post(DISMISS, {"next": PAGE})
    other_browser = persona_client("admin")  # no cookies: another browser, a new session
    assert not notice_shown(other_browser)
    caches["default"].clear()  # another process, or the same one a while later
    assert not notice_shown(persona_client("admin"))
    assert list(IndexNoticeDismissal.objects.values_list("username", flat=True)) == ["test\\ada"]


@oo_tx
def test_a_dismissal_is_nobody_elses(as_admin, as_operator):
    as_admin.post(DISMISS, {"next": PAGE})
    assert notice_shown(as_operator)  # another administrator still sees it


@oo_tx
def test_it_comes_back_when_the_missing_indexes_change(as_admin):
    as_admin.post(DISMISS, {"next": PAGE})
    assert not notice_shown(as_admin)
    connection = connections[settings.ORCHESTRATOR_DB]
    with connection.cursor() as cursor:
        cursor.execute(indexes.create_sql(indexes.RECOMMENDED[0], connection.vendor))
    indexes.forget()  # what every process does after indexes.CACHE_SECONDS
    fewer = f"{len(indexes.RECOMMENDED) - 1} {NOTICE}"
    assert fewer in as_admin.get(PAGE).content.decode()  # the browser that dismissed it
    assert fewer in persona_client("admin").get(PAGE).content.decode()  # and any other

    as_admin.post(DISMISS, {"next": PAGE})  # dismissing the new situation hides it again
    assert not notice_shown(as_admin)
    assert not notice_shown(persona_client("admin"))


@oo_tx
def test_a_page_costs_nothing_more_once_dismissed(as_admin):
    """Issue #16 counts queries per page: the dismissal is read once per process and person."""
    as_admin.post(DISMISS, {"next": PAGE})
    browser = persona_client("admin")
    assert browser.get(PAGE).status_code == 200
    with CaptureQueriesContext(connections["default"]) as queries:
        assert not notice_shown(browser)
    assert [q["sql"] for q in queries.captured_queries if "auth_user" not in q["sql"]] == []


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
