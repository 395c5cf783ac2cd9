"""Wrong revision, missing version table, a lost, busy or non-database database: each gives one clear
page (never a stack trace or a connection string) and /healthz says which, always as JSON."""

from __future__ import annotations

import contextlib
import os
import sqlite3

import psycopg
import pytest
from django.db import connections
from django.test import Client

from orchestrator_site import health
from orchestrator_site.identity import signed_in_environ
from tests.conftest import PERSONAS
from tests.faults import database_on, orchestrator_sqlite, sqlite_entry, write_locked
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
        "state": "ok",
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


def assert_friendly(response, *, heading: str, secrets: tuple[str, ...] = ()) -> str:
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert heading in text and "Traceback" not in text
    for secret in secrets:
        assert secret not in text
    return text


def assert_health(client, state: str) -> dict:
    response = client.get("/healthz")
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["state"] == state and body["problem"] == state and body["status"] == "error"
    return body


# --- a PostgreSQL server that goes away -----------------------------------------------------------

PG = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "postgres",
    "USER": "postgres",
    "PASSWORD": "pw-s3cret-value",  # never shown; the local server trusts and ignores it
    "HOST": "127.0.0.1",
    "PORT": "5432",
    "CONN_MAX_AGE": 60,
    "CONN_HEALTH_CHECKS": True,
    "OPTIONS": {"connect_timeout": 3},
}


def _kill_backend(pid: int) -> None:
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres") as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def pg_outage():
    """The OpenOrchestrator database on PostgreSQL, connected once, then the server goes away:
    the open connection is killed and the port answers no more (as when the service stops)."""
    try:
        psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3
        ).close()
    except psycopg.OperationalError:
        if os.environ.get("CI"):  # tests/run.py requires PostgreSQL in CI; so does this
            pytest.fail("no PostgreSQL server on 127.0.0.1:5432")
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    with database_on("orchestrator", PG) as wrapper:
        wrapper.ensure_connection()
        _kill_backend(wrapper.connection.info.backend_pid)
        wrapper.settings_dict["PORT"] = "1"  # nothing listens there
        # What Django does at the start of every real request (the test client skips it): the
        # next use checks the kept connection first, finds it dead and connects anew.
        wrapper.health_check_done = False
        yield wrapper


@oo_db
def test_healthz_answers_json_during_a_postgresql_outage(as_viewer, pg_outage):
    body = assert_health(as_viewer, "unreachable")
    assert body["database"] == "unreachable"


@oo_db
def test_pages_say_unreachable_during_a_postgresql_outage(as_viewer, pg_outage):
    text = assert_friendly(
        as_viewer.get("/logs/"),
        heading="The OpenOrchestrator database cannot be reached",
        secrets=("pw-s3cret-value", "127.0.0.1", "5432", "psycopg"),
    )
    assert "OpenOrchestratorSQL" in text


@oo_db
def test_a_postgresql_outage_inside_a_page_is_a_friendly_503(as_viewer, pg_outage, monkeypatch):
    """The status was checked a moment before the server went: the page's own query meets it."""
    monkeypatch.setattr(
        health, "schema_status", lambda fresh=False: health.SchemaStatus(state="ok")
    )
    response = Client(raise_request_exception=False, **signed_in_environ(PERSONAS["viewer"])).get(
        "/logs/"
    )
    assert response["Retry-After"] == "30"
    assert_friendly(
        response,
        heading="The OpenOrchestrator database cannot be reached",
        secrets=("pw-s3cret-value", "5432"),
    )


# --- a file that is not a database ---------------------------------------------------------------


@pytest.fixture
def not_a_database(tmp_path):
    path = tmp_path / "orchestrator.sqlite3"
    path.write_bytes(b"MZ this is a Windows executable, not a database" * 200)
    with database_on("orchestrator", sqlite_entry(path)):
        yield path


@oo_db
def test_a_file_that_is_not_a_database_is_named_so_at_once(as_viewer, not_a_database):
    body = assert_health(as_viewer, "not-a-database")
    assert body["database"] == "not-a-database"
    assert_friendly(
        as_viewer.get("/queues/"),
        heading="The OpenOrchestrator database is not a database",
        secrets=(str(not_a_database),),
    )


@oo_db
def test_a_database_replaced_by_another_file_is_a_503_not_a_500(as_viewer, tmp_path):
    """The status cached a good database (30 s); then the file was replaced."""
    path = orchestrator_sqlite(tmp_path)
    with database_on("orchestrator", sqlite_entry(path)) as wrapper:
        assert as_viewer.get("/triggers/").status_code == 200
        wrapper.close()
        path.write_bytes(b"\0garbage, not SQLite" * 500)
        client = Client(raise_request_exception=False, **signed_in_environ(PERSONAS["viewer"]))
        assert_friendly(client.get("/triggers/"), heading="is not a database")
        assert_friendly(client.get("/jobs/"), heading="is not a database")
        assert_health(client, "not-a-database")


# --- a database another program has locked ------------------------------------------------------


@oo_db
def test_a_locked_database_says_busy_with_retry_after(as_viewer, tmp_path):
    path = orchestrator_sqlite(tmp_path)
    with database_on("orchestrator", sqlite_entry(path)), write_locked(path):
        response = as_viewer.get("/logs/")
        text = assert_friendly(response, heading="The database is busy; try again")
        assert response["Retry-After"] == "5"
        assert "cannot be reached" not in text
        body = assert_health(as_viewer, "busy")
        assert body["database"] == "busy"
    health.forget_status()
    assert as_viewer.get("/logs/").status_code == 200


@oo_db
def test_a_lock_met_inside_a_page_says_busy(tmp_path):
    path = orchestrator_sqlite(tmp_path)
    client = Client(raise_request_exception=False, **signed_in_environ(PERSONAS["viewer"]))
    with database_on("orchestrator", sqlite_entry(path)):
        assert client.get("/triggers/").status_code == 200  # the status is now cached as ok
        with write_locked(path):
            response = client.get("/triggers/")
    assert_friendly(response, heading="The database is busy; try again")


@oo_db
def test_a_busy_console_database_is_a_friendly_503_too(tmp_path):
    """The console's own database locked: the sign-in middleware meets it before any view, and the
    page says busy (without reading the menu or the user, which would wait again)."""
    console = tmp_path / "console.sqlite3"
    with contextlib.closing(sqlite3.connect(console)) as made:
        made.execute("CREATE TABLE anything (x)")  # locked, SQLite cannot even read the schema
    client = Client(raise_request_exception=False, **signed_in_environ(PERSONAS["viewer"]))
    entry = sqlite_entry(console)
    entry["NAME"] = str(console)
    with database_on("default", entry), write_locked(console):
        response = client.get("/logs/")
    text = assert_friendly(response, heading="The database is busy; try again")
    assert "the console&#x27;s own database" in text or "the console's own database" in text
