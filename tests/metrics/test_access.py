"""Who may read /metrics: the bearer token, or a signed-in user whose roles view the data; nobody
else, and never the data with a refusal."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import Client, override_settings

from orchestrator_site import health
from orchestrator_site.identity import Identity, signed_in_environ
from tests.conftest import persona_client
from tests.helpers import make_element, oo_db
from tests.metrics.util import BEARER, scrape
from tests.settings import TEST_METRICS_TOKEN


def refused(response, status: int) -> None:
    assert response.status_code == status
    assert b"oo_" not in response.content
    assert response["Content-Type"].startswith("text/plain")


@oo_db
def test_the_token_alone_reads_the_metrics():
    make_element("Fakturaer")
    samples = scrape(Client(), **BEARER)
    assert samples["oo_queue_elements"]


@oo_db
def test_the_token_scheme_is_case_insensitive_as_http_says():
    assert (
        Client().get("/metrics", HTTP_AUTHORIZATION=f"bearer {TEST_METRICS_TOKEN}").status_code
        == 200
    )


@pytest.mark.parametrize(
    "wrong",
    [
        TEST_METRICS_TOKEN[:-1],
        TEST_METRICS_TOKEN + "x",
        TEST_METRICS_TOKEN.upper(),
        "",
        "tøken",
    ],
)
@oo_db
def test_a_wrong_token_is_refused(wrong):
    refused(Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {wrong}"), 403)


@oo_db
def test_a_wrong_token_is_refused_even_for_a_viewer():
    viewer = persona_client("viewer")
    refused(viewer.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token"), 403)


@oo_db
@override_settings(CONSOLE_METRICS_TOKEN="")
def test_no_token_matches_while_none_is_configured():
    refused(Client().get("/metrics", HTTP_AUTHORIZATION="Bearer "), 403)
    refused(Client().get("/metrics", **BEARER), 403)


@oo_db
def test_nobody_without_a_token_is_asked_for_one():
    response = Client().get("/metrics")
    refused(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer ")


@oo_db
def test_another_authorization_scheme_is_no_token():
    refused(Client().get("/metrics", HTTP_AUTHORIZATION=f"Basic {TEST_METRICS_TOKEN}"), 401)


@pytest.mark.parametrize("persona", ["viewer", "operator", "admin", "keeper"])
@oo_db
def test_a_signed_in_user_who_may_view_reads_the_metrics(persona):
    make_element("Fakturaer")
    assert scrape(persona_client(persona), HTTP_ACCEPT="text/plain")["oo_queue_elements"]


@oo_db
def test_a_browser_behind_iis_sends_its_negotiate_header_and_is_still_a_viewer():
    viewer = persona_client("viewer")
    assert (
        viewer.get("/metrics", HTTP_AUTHORIZATION="Negotiate YIIGhgYGKwYBBQUCoII=").status_code
        == 200
    )


@oo_db
def test_an_identity_without_a_role_is_refused():
    refused(persona_client("outsider").get("/metrics"), 403)


@oo_db
def test_a_vault_keeper_alone_may_not_read_the_metrics():
    keeper_only = Client(**signed_in_environ(Identity("TEST\\Kai", ("TEST\\rpa-vault",))))
    refused(keeper_only.get("/metrics"), 403)


@oo_db
def test_it_answers_only_get_without_any_csrf_token():
    # A scraper has no cookie: the GET needs none; nothing else is accepted (nothing changes).
    client = Client(enforce_csrf_checks=True)
    assert client.get("/metrics", **BEARER).status_code == 200
    for method in ("post", "put", "delete"):
        assert getattr(client, method)("/metrics", **BEARER).status_code in (403, 405)
    assert Client().post("/metrics", **BEARER).status_code == 405


@oo_db
def test_the_answer_is_never_cached():
    response = Client().get("/metrics", **BEARER)
    assert "no-store" in response["Cache-Control"]


@oo_db
def test_nobody_learns_the_databases_state_but_the_scraper_does():
    with connections["orchestrator"].cursor() as cursor:
        cursor.execute("UPDATE alembic_version SET version_num = '90d46abd44a3'")
    health.forget_status()
    try:
        response = Client().get("/metrics")
        refused(response, 401)
        assert b"90d46abd44a3" not in response.content
        refused(Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong"), 403)
        scraped = Client().get("/metrics", **BEARER)
        assert scraped.status_code == 503 and b"90d46abd44a3" in scraped.content
        assert b"oo_" not in scraped.content
    finally:
        health.forget_status()
