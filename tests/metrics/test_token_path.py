"""A scraper has no Windows identity: the identity adapter lets exactly /metrics through without
one (still only through IIS), and only while a metrics token is configured; the view then asks
for the token. Checked in-process (WSGI environ) and over real HTTP through waitress."""

from __future__ import annotations

import pytest

from orchestrator_site.identity import GROUPS_KEY, TOKEN_PATHS, Identity, IdentityAdapter
from tests.identity.test_adapter import Recorder, call
from tests.iis_server import SECRET, Server, iis_console
from tests.security.test_startup import manage, production
from tests.settings import TEST_METRICS_TOKEN

# In-process adapters, servers and manage.py of their own: the same in both runs.
pytestmark = pytest.mark.no_orchestrator_db

VERA = Identity("TEST\\Vera", ("TEST\\rpa-viewers",))


def iis(app, token_paths=TOKEN_PATHS) -> IdentityAdapter:
    return IdentityAdapter(
        app,
        mode="iis",
        pairing_secret="s3",
        resolver=lambda token: VERA if token == "0x1" else None,
        token_paths=token_paths,
    )


def test_iis_lets_the_token_path_through_as_nobody():
    app = Recorder()
    environ = {"PATH_INFO": "/metrics", "HTTP_X_CONSOLE_PAIRING": "s3", "REMOTE_USER": "x\\ada"}
    assert call(iis(app), environ) == "200 OK"
    assert "REMOTE_USER" not in app.environ and GROUPS_KEY not in app.environ


def test_iis_still_signs_in_a_windows_identity_on_the_token_path():
    app = Recorder()
    environ = {
        "PATH_INFO": "/metrics",
        "HTTP_X_CONSOLE_PAIRING": "s3",
        "HTTP_X_IIS_WINDOWSAUTHTOKEN": "0x1",
    }
    assert call(iis(app), environ) == "200 OK"
    assert app.environ["REMOTE_USER"] == "TEST\\Vera"


@pytest.mark.parametrize(
    "environ",
    [
        {"PATH_INFO": "/metrics"},  # not through IIS
        {"PATH_INFO": "/metrics", "HTTP_X_CONSOLE_PAIRING": "wrong"},
        {"PATH_INFO": "/metrics/", "HTTP_X_CONSOLE_PAIRING": "s3"},  # exactly the path only
        {"PATH_INFO": "/metricsx", "HTTP_X_CONSOLE_PAIRING": "s3"},
        {"PATH_INFO": "/audit/", "HTTP_X_CONSOLE_PAIRING": "s3"},
        {"PATH_INFO": "/healthz", "HTTP_X_CONSOLE_PAIRING": "s3"},
    ],
)
def test_iis_refuses_everything_else_without_an_identity(environ):
    app = Recorder()
    assert call(iis(app), environ) == "403 Forbidden"
    assert app.environ is None


def test_without_token_paths_nobody_gets_in_at_all():
    app = Recorder()
    environ = {"PATH_INFO": "/metrics", "HTTP_X_CONSOLE_PAIRING": "s3"}
    assert call(iis(app, token_paths=()), environ) == "403 Forbidden"


def test_remote_user_mode_lets_only_the_token_path_through_as_nobody():
    app = Recorder()
    adapter = IdentityAdapter(app, mode="remote-user", token_paths=TOKEN_PATHS)
    assert call(adapter, {"PATH_INFO": "/audit/"}) == "403 Forbidden"
    assert call(adapter, {"PATH_INFO": "/metrics", "HTTP_REMOTE_USER": "TEST\\Ada"}) == "200 OK"
    assert "REMOTE_USER" not in app.environ


def test_a_short_metrics_token_stops_start_up(tmp_path):
    result = manage("check", env=production(CONSOLE_METRICS_TOKEN="too-short"), tmp_path=tmp_path)
    assert result.returncode != 0
    assert "CONSOLE_METRICS_TOKEN must be at least 32 characters" in result.stderr
    assert "too-short" not in result.stderr


TOKENS = {"0x3c4d": ["TEST\\Vera", ["TEST\\rpa-viewers"]], "0x5e6f": ["TEST\\Oscar", []]}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    with iis_console(tmp_path_factory.mktemp("scrape"), TOKENS) as running:
        yield running


def test_a_scraper_through_iis_needs_only_the_token(server):
    before = server.resolved()
    paired = [("X-Console-Pairing", SECRET)]
    status, body = server.get(
        "/metrics", [*paired, ("Authorization", f"Bearer {TEST_METRICS_TOKEN}")]
    )
    assert status == 200 and "# TYPE oo_queue_elements gauge" in body
    status, body = server.get("/metrics", [*paired, ("Authorization", "Bearer wrong")])
    assert status == 403 and "oo_" not in body
    status, body = server.get("/metrics", paired)
    assert status == 401 and "oo_" not in body
    assert server.resolved() == before  # no identity was asked for


def test_the_token_does_not_get_past_iis_without_the_pairing_secret(server):
    status, body = server.get("/metrics", [("Authorization", f"Bearer {TEST_METRICS_TOKEN}")])
    assert status == 403 and "did not come through IIS" in body


def test_viewers_and_outsiders_through_iis(server):
    paired = [("X-Console-Pairing", SECRET)]
    assert server.get("/metrics", [*paired, ("X-IIS-WindowsAuthToken", "0x3c4d")])[0] == 200
    status, body = server.get("/metrics", [*paired, ("X-IIS-WindowsAuthToken", "0x5e6f")])
    assert status == 403 and "oo_" not in body


def test_the_token_opens_no_other_page(server):
    headers = [("X-Console-Pairing", SECRET), ("Authorization", f"Bearer {TEST_METRICS_TOKEN}")]
    for path in ("/", "/queues/", "/audit/", "/healthz", "/metrics/"):
        assert server.get(path, headers)[0] == 403, path
