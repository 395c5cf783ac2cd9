"""The identity adapter in-process, for the cases real HTTP cannot produce (WSGI environ keys)."""

from __future__ import annotations

import pytest

from orchestrator_site.identity import (
    GROUPS_KEY,
    Identity,
    IdentityAdapter,
    WindowsTokenResolver,
    local_identity,
)

pytestmark = pytest.mark.no_orchestrator_db


class Recorder:
    """A WSGI app that records the environ it was given."""

    def __init__(self) -> None:
        self.environ: dict | None = None

    def __call__(self, environ, start_response):
        self.environ = dict(environ)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


def call(adapter, environ: dict) -> str:
    status = []
    adapter(environ, lambda s, headers: status.append(s))
    return status[0]


def resolver(table: dict[str, Identity]):
    seen: list[str] = []

    def resolve(token: str) -> Identity | None:
        seen.append(token)
        return table.get(token)

    resolve.seen = seen
    return resolve


OTTO = Identity("TEST\\Otto", ("TEST\\rpa-operators",))


def test_iis_mode_sets_the_resolved_user_and_strips_the_secret_and_token():
    app, fake = Recorder(), resolver({"0x1": OTTO})
    adapter = IdentityAdapter(app, mode="iis", pairing_secret="s3", resolver=fake)
    environ = {
        "HTTP_X_CONSOLE_PAIRING": "s3",
        "HTTP_X_IIS_WINDOWSAUTHTOKEN": "0x1",
        "REMOTE_USER": "TEST\\Ada",
        "HTTP_REMOTE_USER": "TEST\\Ada",
        "HTTP_X_REMOTE_USER": "TEST\\Ada",
        GROUPS_KEY: ("TEST\\rpa-automation",),
    }
    assert call(adapter, environ) == "200 OK"
    assert app.environ["REMOTE_USER"] == "TEST\\Otto"
    assert app.environ[GROUPS_KEY] == ("TEST\\rpa-operators",)
    for key in (
        "HTTP_X_CONSOLE_PAIRING",
        "HTTP_X_IIS_WINDOWSAUTHTOKEN",
        "HTTP_REMOTE_USER",
        "HTTP_X_REMOTE_USER",
    ):
        assert key not in app.environ


def test_iis_mode_refuses_a_forged_environ_identity_without_the_secret():
    app, fake = Recorder(), resolver({"0x1": OTTO})
    adapter = IdentityAdapter(app, mode="iis", pairing_secret="s3", resolver=fake)
    environ = {"REMOTE_USER": "TEST\\Ada", GROUPS_KEY: ("TEST\\rpa-automation",)}
    assert call(adapter, environ) == "403 Forbidden"
    assert app.environ is None
    assert fake.seen == []


def test_a_failing_resolver_is_a_refusal_not_a_crash():
    def broken(token):
        raise RuntimeError("boom")

    app = Recorder()
    adapter = IdentityAdapter(app, mode="iis", pairing_secret="s3", resolver=broken)
    environ = {"HTTP_X_CONSOLE_PAIRING": "s3", "HTTP_X_IIS_WINDOWSAUTHTOKEN": "0x1"}
    assert call(adapter, environ) == "403 Forbidden"
    assert app.environ is None


def test_a_custom_pairing_header_is_used_and_the_default_one_ignored():
    app, fake = Recorder(), resolver({"0x1": OTTO})
    adapter = IdentityAdapter(
        app, mode="iis", pairing_secret="s3", pairing_header="X-Front-Door", resolver=fake
    )
    environ = {"HTTP_X_CONSOLE_PAIRING": "s3", "HTTP_X_IIS_WINDOWSAUTHTOKEN": "0x1"}
    assert call(adapter, environ) == "403 Forbidden"
    environ = {"HTTP_X_FRONT_DOOR": "s3", "HTTP_X_IIS_WINDOWSAUTHTOKEN": "0x1"}
    assert call(adapter, environ) == "200 OK"


def test_remote_user_mode_trusts_only_the_server_environ():
    app = Recorder()
    adapter = IdentityAdapter(app, mode="remote-user")
    assert call(adapter, {"HTTP_REMOTE_USER": "TEST\\Ada"}) == "403 Forbidden"
    environ = {
        "REMOTE_USER": "TEST\\Vera",
        "REMOTE_GROUPS": "TEST\\rpa-viewers, S-1-5-1",
        "HTTP_X_REMOTE_USER": "TEST\\Ada",
    }
    assert call(adapter, environ) == "200 OK"
    assert app.environ["REMOTE_USER"] == "TEST\\Vera"
    assert app.environ[GROUPS_KEY] == ("TEST\\rpa-viewers", "S-1-5-1")
    assert "HTTP_X_REMOTE_USER" not in app.environ


def test_local_mode_signs_in_the_local_user_whatever_is_sent():
    app = Recorder()
    adapter = IdentityAdapter(app, mode="local", local_identity=local_identity("dev", ["Viewer"]))
    assert call(adapter, {"REMOTE_USER": "TEST\\Ada", "HTTP_REMOTE_USER": "x"}) == "200 OK"
    assert app.environ["REMOTE_USER"] == "dev"
    assert app.environ[GROUPS_KEY] == ("local-role:Viewer",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "local", "pairing_secret": "s3", "local_identity": Identity("dev")}, "refuses"),
        ({"mode": "local"}, "needs a local identity"),
        ({"mode": "iis"}, "needs a pairing secret"),
        ({"mode": "IIS ", "pairing_secret": "s3"}, "Unknown identity mode"),
    ],
)
def test_unsafe_adapter_configurations_refuse_to_start(kwargs, message):
    with pytest.raises(ValueError, match=message):
        IdentityAdapter(Recorder(), **kwargs)


@pytest.mark.parametrize("token", ["", "zz", "-1", "0"])
def test_the_windows_resolver_refuses_a_malformed_handle_without_touching_windows(token):
    assert WindowsTokenResolver()(token) is None


def test_the_windows_resolver_without_pywin32_refuses(caplog):
    # On Linux pywin32 is absent: a refusal and a log line, never a crash.
    assert WindowsTokenResolver()("0x1a2b") is None
    assert "pywin32" in caplog.text
