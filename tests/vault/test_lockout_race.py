"""The wrong-key lockout under parallel requests: counting and checking the limit are one step.

Twelve wrong keys arrive at once, each on its own waitress thread with its own connection to a
file database, as in production; every key comparison is counted and takes 50 ms, so that all
requests are in flight together. No more keys may ever be compared than the limit allows.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from cryptography.fernet import Fernet
from django.db import OperationalError, connections

from orchestrator_site.models import AuditEntry
from tests.iis_server import SECRET, Server, iis_console
from tests.vault.conftest import KEY
from vault import guard

# A server of its own on its own SQLite files: the same in both runs.
pytestmark = pytest.mark.no_orchestrator_db

PARALLEL = 12
LIMIT = 5  # CONSOLE_REVEAL_MAX_FAILURES's default
KEEPER = "0x0c1a"
REVEAL = "/vault/credentials/Mail/reveal/"


def in_parallel(calls) -> list:
    """Run the calls at the same moment, one thread each."""
    start = threading.Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


class Keeper:
    """One browser of the Vault keeper: its own session and CSRF token, through IIS."""

    def __init__(self, server: Server) -> None:
        self.server = server
        status, headers, body = server.request("GET", REVEAL, self._headers())
        assert status == 200, body[-500:]
        cookies = [v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie"]
        self.cookie = "; ".join(cookies)
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1]

    def _headers(self) -> list[tuple[str, str]]:
        return [("X-Console-Pairing", SECRET), ("X-IIS-WindowsAuthToken", KEEPER)]

    def reveal(self, key: str) -> tuple[int, str]:
        form = {"csrfmiddlewaretoken": self.token, "reason": "robot login broke", "key": key}
        headers = [
            *self._headers(),
            ("Cookie", self.cookie),
            ("Origin", self.server.origin),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ]
        status, _, body = self.server.request("POST", REVEAL, headers, urlencode(form).encode())
        return status, body


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Server:
    folder = tmp_path_factory.mktemp("lockout")
    tokens = {KEEPER: ["TEST\\Kim", ["TEST\\rpa-viewers", "TEST\\rpa-vault"]]}
    env = {"CONSOLE_TEST_KEY_CHECK_LOG": str(folder / "key-checks.log")}
    with iis_console(folder, tokens, threads=PARALLEL + 2, env=env) as running:
        running.orchestrator_execute(
            "INSERT INTO Credentials (name, username, password, changed_at) VALUES (?, ?, ?, ?)",
            (
                "Mail",
                "robot",
                Fernet(KEY).encrypt(b"s3cret").decode(),
                "2026-11-25 10:30:15.000000",
            ),
        )
        yield running


def key_checks(server: Server) -> int:
    log = server.folder / "key-checks.log"
    return len(log.read_text(encoding="utf-8").splitlines()) if log.exists() else 0


def audit_count(server: Server, action: str) -> int:
    return server.console_rows(
        "SELECT COUNT(*) FROM orchestrator_site_auditentry WHERE action = ?", (action,)
    )[0][0]


def test_parallel_wrong_keys_never_get_more_comparisons_than_the_limit(server):
    keepers = [Keeper(server) for _ in range(PARALLEL)]  # signed in first: the race is the reveal

    results = in_parallel(
        [lambda k=k, n=n: k.reveal(f"wrong key {n}") for n, k in enumerate(keepers)]
    )

    assert all(status == 200 and "s3cret" not in body for status, body in results)
    assert key_checks(server) == LIMIT
    assert audit_count(server, guard.WRONG_KEY) == LIMIT
    assert audit_count(server, guard.LOCKED) == PARALLEL - LIMIT
    assert sum("Too many wrong keys" in body for _, body in results) >= PARALLEL - LIMIT
    # Locked: not even the right key is compared any more.
    status, body = keepers[0].reveal(KEY)
    assert status == 200 and "s3cret" not in body and "Too many wrong keys" in body
    assert key_checks(server) == LIMIT


@pytest.mark.django_db(transaction=True)
def test_parallel_reservations_in_process_never_exceed_the_limit(django_user_model, settings):
    """The guard alone, from many threads with their own connections, for a user with no row yet.

    The test database is SQLite in memory with a shared cache, where a writer meeting another
    gets "table is locked" at once instead of waiting: such a try changed nothing and is retried.
    """
    settings.CONSOLE_REVEAL_MAX_FAILURES = LIMIT
    user = django_user_model.objects.create(username="test\\kim")

    def reserve():
        try:
            while True:
                try:
                    return guard.reserve_key_check(user)
                except OperationalError as exc:
                    if "locked" not in str(exc):
                        raise
        finally:
            connections.close_all()

    results = in_parallel([reserve] * PARALLEL)

    assert sum(r is None for r in results) == LIMIT
    assert all(r.locked for r in results if r is not None)
    assert guard.lockout_state(user).locked
    assert not AuditEntry.objects.exists()  # reserving writes no audit row of its own
