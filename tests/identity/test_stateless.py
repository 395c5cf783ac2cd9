"""The identity is read from REMOTE_USER on every request: cheap, and nothing of it lingers.

Windows authentication proves who is asking on every request, so a page costs the console's
database one query (the user row), a client without cookies writes nothing, and session data
(a CSV waiting to be confirmed, when the vault key was last proved) belongs to whoever stored it.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from orchestrator_site.identity import Identity, signed_in_environ
from orchestrator_site.index_notice import SESSION_KEY as INDEX_NOTICE_DISMISSED
from tests.helpers import oo_db

PAGES = ["/", "/queues/", "/triggers/", "/logs/", "/vault/credentials/", "/vault/constants/"]


def client_for(username: str, *groups: str) -> Client:
    return Client(**signed_in_environ(Identity(username, groups)))


@oo_db
@pytest.mark.parametrize("path", PAGES)
def test_a_page_costs_the_console_database_one_query(path):
    client = client_for("TEST\\Ada", "TEST\\rpa-automation", "TEST\\rpa-vault")
    assert client.get(path).status_code == 200  # the first visit creates the user and its roles
    with CaptureQueriesContext(connections["default"]) as queries:
        assert client.get(path).status_code == 200
    assert [q["sql"] for q in queries.captured_queries if "auth_user" not in q["sql"]] == []
    assert len(queries.captured_queries) == 1


@oo_db
def test_a_client_without_cookies_writes_no_session_and_keeps_its_roles():
    for _ in range(3):
        response = client_for("TEST\\Otto", "TEST\\rpa-operators").get("/queues/")
        assert response.status_code == 200
        assert not response.cookies.get(settings.SESSION_COOKIE_NAME)
        assert response.wsgi_request.user.has_perm("queues.retry_queueelement")
    assert not Session.objects.exists()
    assert User.objects.filter(username="test\\otto").count() == 1
    assert User.objects.get(username="test\\otto").last_login is not None


@oo_db
def test_session_data_does_not_follow_another_identity_on_the_same_browser():
    client = client_for("TEST\\Ada", "TEST\\rpa-automation")
    client.post("/index-notice/dismiss/")
    assert INDEX_NOTICE_DISMISSED in client.session
    dismissed = client.session[INDEX_NOTICE_DISMISSED]
    client.get("/audit/")
    assert client.session.get(INDEX_NOTICE_DISMISSED) == dismissed  # still Ada: kept

    client.defaults.update(signed_in_environ(Identity("TEST\\Otto", ("TEST\\rpa-operators",))))
    response = client.get("/audit/")
    assert response.wsgi_request.user.username == "test\\otto"
    assert INDEX_NOTICE_DISMISSED not in client.session


@oo_db
def test_a_planted_session_cookie_carries_nothing_in():
    owner = client_for("TEST\\Otto", "TEST\\rpa-operators")
    assert owner.post("/index-notice/dismiss/").status_code == 302
    victim = client_for("TEST\\Ada", "TEST\\rpa-automation")
    cookie = settings.SESSION_COOKIE_NAME
    victim.cookies[cookie] = owner.cookies[cookie].value
    response = victim.get("/audit/")
    assert response.wsgi_request.user.username == "test\\ada"
    assert INDEX_NOTICE_DISMISSED not in response.wsgi_request.session


@oo_db
def test_the_header_names_the_roles_of_this_request():
    client = client_for("TEST\\Otto", "TEST\\rpa-operators")
    assert '<span class="roles">Operator</span>' in client.get("/audit/").content.decode()
    client.defaults.update(
        signed_in_environ(Identity("TEST\\Otto", ("TEST\\rpa-operators", "TEST\\rpa-viewers")))
    )
    assert '<span class="roles">Viewer, Operator</span>' in client.get("/audit/").content.decode()
