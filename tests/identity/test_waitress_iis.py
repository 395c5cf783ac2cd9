"""The IIS identity path over real HTTP: waitress in a subprocess, the real adapter and Django.

Only the Windows API call is fake (tests/fake_iis_wsgi.py); everything a client can send is real.
"""

from __future__ import annotations

import pytest

from tests.iis_server import SECRET, Server, iis_console

# A server of its own on its own SQLite files: the same in both runs.
pytestmark = pytest.mark.no_orchestrator_db

TOKENS = {
    "0x1a2b": ["TEST\\Otto", ["TEST\\domain users", "TEST\\rpa-operators"]],
    "0x3c4d": ["TEST\\Vera", ["S-1-5-21-9999", "TEST\\rpa-viewers"]],
    "0x5e6f": ["TEST\\Oscar", ["TEST\\domain users"]],
    # In the Operator role by SID only (tests/settings.py maps S-1-5-21-1111-2222-3333-1104).
    "0x7a8b": ["TEST\\Sid", ["S-1-5-21-1111-2222-3333-1104"]],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    with iis_console(tmp_path_factory.mktemp("iis"), TOKENS) as running:
        yield running


def paired(token: str | None = None, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    headers = [("X-Console-Pairing", SECRET)]
    if token is not None:
        headers.append(("X-IIS-WindowsAuthToken", token))
    return [*headers, *extra]


def test_a_request_without_the_pairing_secret_is_refused_before_the_resolver(server):
    before = server.resolved()
    status, body = server.get("/audit/", [("X-IIS-WindowsAuthToken", "0x1a2b")])
    assert status == 403
    assert "did not come through IIS" in body
    status, _ = server.get("/audit/")
    assert status == 403
    assert server.resolved() == before


def test_the_health_check_and_static_files_are_refused_without_the_secret_too(server):
    before = server.resolved()
    for path in ("/healthz", "/static/console/console.css", "/admin/", "/denied/"):
        status, _ = server.get(path, [("X-IIS-WindowsAuthToken", "0x1a2b")])
        assert status == 403, path
    assert server.resolved() == before


def test_a_wrong_secret_is_refused_before_the_resolver(server):
    before = server.resolved()
    for wrong in ("", "tests-pairing-secre", "tests-pairing-secretX", SECRET.upper()):
        status, _ = server.get(
            "/audit/", [("X-Console-Pairing", wrong), ("X-IIS-WindowsAuthToken", "0x1a2b")]
        )
        assert status == 403, wrong
    assert server.resolved() == before


@pytest.mark.parametrize(
    "header", ["REMOTE_USER", "Remote-User", "X-Remote-User", "X-Forwarded-User"]
)
def test_a_forged_user_header_without_the_secret_is_refused(server, header):
    before = server.resolved()
    status, _ = server.get("/audit/", [(header, "TEST\\Ada")])
    assert status == 403
    assert server.resolved() == before


@pytest.mark.parametrize(
    "header", ["REMOTE_USER", "Remote-User", "X-Remote-User", "X-Forwarded-User"]
)
def test_a_forged_user_header_is_ignored_even_with_the_secret(server, header):
    # Ada is an Automation admin in tests/settings.py; the token says Otto.
    status, body = server.get("/audit/", paired("0x1a2b", (header, "TEST\\Ada")))
    assert status == 200
    assert '<span class="user">test\\otto</span>' in body
    assert "test\\ada" not in body
    # Without a token, a user header alone never signs anyone in.
    status, body = server.get("/audit/", paired(None, (header, "TEST\\Ada")))
    assert status == 403
    assert "IIS sent no Windows identity" in body


def test_duplicated_secret_headers_are_refused(server):
    before = server.resolved()
    headers = [
        ("X-Console-Pairing", SECRET),
        ("X-Console-Pairing", SECRET),
        ("X-IIS-WindowsAuthToken", "0x1a2b"),
    ]
    status, _ = server.get("/audit/", headers)
    assert status == 403
    # A wrong value next to the right one is refused too, whichever comes first.
    for pair in ([SECRET, "x"], ["x", SECRET]):
        headers = [("X-Console-Pairing", v) for v in pair] + [("X-IIS-WindowsAuthToken", "0x1a2b")]
        status, _ = server.get("/audit/", headers)
        assert status == 403
    assert server.resolved() == before


@pytest.mark.parametrize("name", ["X_Console_Pairing", "X-Console_Pairing", "X_CONSOLE_PAIRING"])
def test_the_underscore_spelling_of_the_secret_header_is_refused(server, name):
    before = server.resolved()
    status, _ = server.get("/audit/", [(name, SECRET), ("X-IIS-WindowsAuthToken", "0x1a2b")])
    assert status == 403
    assert server.resolved() == before


def test_the_underscore_spelling_of_the_token_header_is_not_a_token(server):
    status, body = server.get("/audit/", paired(None, ("X_IIS_WindowsAuthToken", "0x1a2b")))
    assert status == 403
    assert "IIS sent no Windows identity" in body


def test_a_valid_secret_and_token_sign_in_the_resolved_user_with_the_mapped_role(server):
    status, body = server.get("/audit/", paired("0x1a2b"))
    assert status == 200
    assert '<span class="user">test\\otto</span>' in body
    assert '<span class="roles">Operator</span>' in body
    assert server.resolved()[-1] == "0x1a2b"


def test_a_group_sid_maps_to_its_role(server):
    status, body = server.get("/audit/", paired("0x7a8b"))
    assert status == 200
    assert '<span class="roles">Operator</span>' in body


def test_a_viewer_is_a_viewer_and_not_staff(server):
    status, body = server.get("/audit/", paired("0x3c4d"))
    assert status == 200
    assert '<span class="roles">Viewer</span>' in body
    assert 'href="/admin/"' not in body


def test_an_unknown_token_is_refused(server):
    status, body = server.get("/audit/", paired("0xdead"))
    assert status == 403
    assert "could not be read" in body
    assert server.resolved()[-1] == "0xdead"


def test_a_user_in_no_mapped_group_is_refused(server):
    status, body = server.get("/audit/", paired("0x5e6f"))
    assert status == 403
    assert "not in any group allowed" in body
    assert "test\\oscar" not in _usernames(server)


def test_a_post_through_the_adapter_still_needs_a_csrf_token(server):
    status, _ = server.get("/admin/logout/", paired("0x1a2b"), method="POST")
    assert status == 403


def _usernames(server: Server) -> list[str]:
    return [row[0] for row in server.console_rows("SELECT username FROM auth_user")]
