"""Twenty people acknowledging the same failures at the same moment, through a real waitress with
eight threads (as deployed) and the console's own database in a SQLite file: not one error.

Before BEGIN IMMEDIATE, two requests that both read and then wrote the console's database
deadlocked, and SQLite answered one of them at once with "database is locked" (a 503 page)."""

from __future__ import annotations

import threading
from urllib.parse import urlencode

import pytest

from tests import oo
from tests.iis_server import SECRET, Server, iis_console

# A server of its own on its own SQLite files: the same in both runs.
pytestmark = pytest.mark.no_orchestrator_db

USERS = 20
CSRF = "c" * 32  # a CSRF secret of the client's choosing, sent as cookie and form field


def _as(server: Server, token: str, method: str, path: str, body: str = "") -> int:
    headers = [
        ("X-Console-Pairing", SECRET),
        ("X-IIS-WindowsAuthToken", token),
        ("Cookie", f"__Host-console-csrf={CSRF}"),
        ("Origin", server.origin),
        ("Referer", f"{server.origin}/queues/failed/"),
    ]
    if body:
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
    status, _, _ = server.request(method, path, headers, body.encode() if body else None)
    return status


def test_twenty_people_acknowledge_the_same_failures_at_once(tmp_path):
    tokens = {f"0x{i:04x}": [f"TEST\\op{i}", ["TEST\\rpa-operators"]] for i in range(USERS)}
    with iis_console(tmp_path, tokens, threads=8) as server:
        ids = oo.failed_elements(f"sqlite:///{tmp_path / 'orchestrator.sqlite3'}", "Kø", USERS)
        body = urlencode(
            {"ids": ids, "comment": "seen", "confirmed": "True", "csrfmiddlewaretoken": CSRF},
            doseq=True,
        )
        start = threading.Barrier(USERS)
        statuses: dict[str, tuple[int, int]] = {}

        def person(token: str) -> None:
            first = _as(server, token, "GET", "/queues/failed/")
            start.wait(timeout=60)
            statuses[token] = (first, _as(server, token, "POST", "/queues/acknowledge/", body))

        threads = [threading.Thread(target=person, args=(token,)) for token in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        assert sorted(statuses) == sorted(tokens)
        assert set(statuses.values()) == {(200, 302)}, statuses
        assert server.console_rows(
            "SELECT COUNT(*), COUNT(DISTINCT element_id) FROM queues_acknowledgement"
        ) == [(USERS, USERS)]
        assert server.console_rows(
            "SELECT COUNT(*) FROM orchestrator_site_auditentry WHERE action = 'queues.acknowledge'"
        ) == [(USERS,)]
