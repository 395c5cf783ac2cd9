"""Wrong revision, missing version table and a lost database each give one clear page; /healthz says so."""

from __future__ import annotations

import pytest
from django.db import connections

from orchestrator_site import health
from tests.helpers import oo_db, oo_tx


@pytest.fixture(autouse=True)
def fresh_status():
    health.forget_status()
    yield
    health.forget_status()


@oo_db
def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "reachable",
        "revision": "1c87ed320c78",
        "expected_revision": "1c87ed320c78",
    }


@oo_db
def test_wrong_revision_shows_the_upgrade_command_on_every_page(as_viewer):
    with connections["orchestrator"].cursor() as cursor:
        cursor.execute("UPDATE alembic_version SET version_num = '90d46abd44a3'")
    for url in ("/", "/queues/", "/logs/"):
        response = as_viewer.get(url)
        assert response.status_code == 503
        text = response.content.decode()
        assert "90d46abd44a3" in text and "1c87ed320c78" in text
        assert "python -m OpenOrchestrator upgrade" in text
    health_response = as_viewer.get("/healthz")
    assert health_response.status_code == 503
    assert health_response.json()["problem"] == "wrong-revision"


@oo_db
def test_missing_version_table_is_explained(as_viewer):
    with connections["orchestrator"].cursor() as cursor:
        cursor.execute("DELETE FROM alembic_version")
    response = as_viewer.get("/")
    assert response.status_code == 503
    assert "(none)" in response.content.decode()


@oo_tx
def test_unreachable_database_gives_a_friendly_503_and_recovers(as_viewer, settings):
    connection = connections["orchestrator"]
    original = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "file:/nonexistent/dir/oo.db?mode=rw"
    else:
        connection.settings_dict["PORT"] = "1"
    try:
        response = as_viewer.get("/queues/")
        assert response.status_code == 503
        text = response.content.decode()
        assert "cannot be reached" in text and "Traceback" not in text
        assert "nonexistent" not in text and "postgres" not in text
        assert as_viewer.get("/healthz").json()["database"] == "unreachable"
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    health.forget_status()
    assert as_viewer.get("/healthz").status_code == 200
