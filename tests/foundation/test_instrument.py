"""The benchmark's queries-per-request header: absent unless asked for, exact when on."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from orchestrator_site import instrument
from tests.security.test_startup import manage, production

MIDDLEWARE = "orchestrator_site.instrument.query_count_middleware"


@pytest.mark.django_db(databases=["default", "orchestrator"])
def test_no_query_header_by_default(as_viewer, settings):
    assert MIDDLEWARE not in settings.MIDDLEWARE
    response = as_viewer.get("/triggers/")
    assert response.status_code == 200
    assert instrument.HEADER not in response.headers


@pytest.mark.django_db(databases=["default", "orchestrator"])
@pytest.mark.parametrize("path", ["/", "/triggers/", "/queues/failed/"])
def test_the_header_counts_each_databases_queries(as_viewer, settings, path):
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    with (
        CaptureQueriesContext(connections["orchestrator"]) as orchestrator,
        CaptureQueriesContext(connections["default"]) as console,
    ):
        response = as_viewer.get(path, headers={instrument.ASK_HEADER: "1"})
    assert response.status_code == 200
    counts = instrument.parse_counts(response.headers[instrument.HEADER])
    assert counts == {"orchestrator": len(orchestrator), "console": len(console)}
    assert counts["orchestrator"] > 0  # the page reads OpenOrchestrator's tables
    assert response.headers[instrument.HEADER].startswith("orchestrator=")


@pytest.mark.django_db(databases=["default", "orchestrator"])
def test_only_a_request_that_asks_is_counted(as_viewer, settings):
    """Timed requests go without the header, so the counting costs them nothing."""
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    assert instrument.HEADER not in as_viewer.get("/triggers/").headers
    asked = as_viewer.get("/triggers/", headers={instrument.ASK_HEADER: "1"})
    assert instrument.parse_counts(asked.headers[instrument.HEADER])["orchestrator"] > 0


@pytest.mark.no_orchestrator_db
def test_the_setting_turns_it_on_for_a_local_run(tmp_path):
    code = "from django.conf import settings; print(settings.MIDDLEWARE[0])"
    env = {"CONSOLE_LOCAL_USER": "dev", "CONSOLE_BENCH_INSTRUMENT": "1"}
    result = manage("shell", "-c", code, env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == MIDDLEWARE


@pytest.mark.no_orchestrator_db
def test_production_refuses_the_setting(tmp_path):
    result = manage("check", env=production(CONSOLE_BENCH_INSTRUMENT="1"), tmp_path=tmp_path)
    assert result.returncode != 0
    assert "CONSOLE_BENCH_INSTRUMENT is for the benchmark" in result.stderr
