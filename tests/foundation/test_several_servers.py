"""Two servers behind a load balancer, without sticky sessions: two waitress processes on two ports
whose console database (CONSOLE_DATABASE_URL) is one PostgreSQL database, made for this test and
dropped after it. What one server keeps, the other must see at once: a session (a CSV upload's
first step on A, its second on B), a vault lockout (wrong keys on A lock the reveal on B), and a
retry (A's POST reaches B's queues overview and /metrics).

Runs in the PostgreSQL run (CONSOLE_TEST_DB=postgresql); skipped with the reason elsewhere or when
no PostgreSQL server answers.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from cryptography.fernet import Fernet

from tests import oo
from tests import settings as test_settings
from tests.iis_server import SECRET, Server, iis_console
from tests.metrics.util import parse

pytestmark = pytest.mark.skipif(
    test_settings.TEST_BACKEND != "postgresql",
    reason="needs a PostgreSQL console database: runs in the PostgreSQL run "
    "(CONSOLE_TEST_DB=postgresql)",
)

OPERATOR, KEEPER, OTHER_KEEPER = "0x0001", "0x0002", "0x0003"
TOKENS = {
    OPERATOR: ["TEST\\Otto", ["TEST\\rpa-operators"]],
    KEEPER: ["TEST\\Kim", ["TEST\\rpa-viewers", "TEST\\rpa-vault"]],
    OTHER_KEEPER: ["TEST\\Kai", ["TEST\\rpa-viewers", "TEST\\rpa-vault"]],
}
# Deployed behaviour: background recounts by one process at a time, snapshots that do not age
# during the test (every recount in it is one a write asked for).
ENV = {"CONSOLE_TEST_BACKGROUND_REFRESH": "1", "CONSOLE_TEST_OVERVIEW_CACHE_SECONDS": "600"}
CSRF = "d" * 32  # an unmasked CSRF secret: the cookie and the form field carry the same value
FAILED = re.compile(r'badge-FAILED" href="[^"]*">([\d,]+)<')
KEY = test_settings.TEST_FERNET_KEY


def _admin_connection():
    import psycopg

    parts = urlsplit(test_settings.TEST_PG_URL.replace("postgresql+psycopg", "postgresql"))
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


@pytest.fixture(scope="module")
def console_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the console's own tables; its CONSOLE_DATABASE_URL."""
    try:
        admin = _admin_connection()
    except Exception as exc:  # noqa: BLE001 - any failure to connect is a reason to skip
        pytest.skip(f"PostgreSQL is not reachable at {test_settings.TEST_PG_URL}: {exc}")
    name = f"oo_console_servers_{os.getpid()}"
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(test_settings.TEST_PG_URL)
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def servers(tmp_path, console_database) -> Iterator[tuple[Server, Server]]:
    """Servers A and B on a fresh OpenOrchestrator database; the shared cache starts empty."""
    folder = tmp_path
    env = {**ENV, "CONSOLE_TEST_CONSOLE_DATABASE_URL": console_database}
    if console_rows(console_database, "SELECT to_regclass('console_cache')")[0][0]:
        console_rows(console_database, "DELETE FROM console_cache")
    with (
        iis_console(folder, TOKENS, env=env) as a,
        iis_console(folder, TOKENS, env=env, prepare=False) as b,
    ):
        a.orchestrator_execute(
            "INSERT INTO Credentials (name, username, password, changed_at) VALUES (?, ?, ?, ?)",
            (
                "Mail",
                "robot",
                Fernet(KEY).encrypt(b"s3cret").decode(),
                "2026-11-25 10:30:15.000000",
            ),
        )
        yield a, b


def console_rows(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
        cursor = connection.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


class Browser:
    """One person's browser, sent to whichever server the load balancer picks: one cookie jar."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.cookies = {"__Host-console-csrf": CSRF}

    def _headers(self, server: Server, extra: tuple = ()) -> list[tuple[str, str]]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return [
            ("X-Console-Pairing", SECRET),
            ("X-IIS-WindowsAuthToken", self.token),
            ("Cookie", cookie),
            ("Origin", server.origin),
            *extra,
        ]

    def request(
        self, server: Server, method: str, path: str, body: bytes | None = None, kind: str = ""
    ):
        extra = (("Content-Type", kind),) if kind else ()
        status, headers, text = server.request(method, path, self._headers(server, extra), body)
        for name, value in headers:
            if name.lower() == "set-cookie":
                cookie, _, _ = value.partition(";")
                key, _, val = cookie.partition("=")
                if val and "Max-Age=0" not in value:
                    self.cookies[key] = val
        return status, dict(headers), text

    def post(self, server: Server, path: str, fields: dict):
        body = urlencode({"csrfmiddlewaretoken": CSRF, **fields}, doseq=True).encode()
        return self.request(server, "POST", path, body, "application/x-www-form-urlencoded")

    def upload(self, server: Server, path: str, fields: dict, file_text: str):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in {"csrfmiddlewaretoken": CSRF, **fields}.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="rows.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n{file_text}\r\n--{boundary}--\r\n"
        )
        kind = f"multipart/form-data; boundary={boundary}"
        return self.request(server, "POST", path, "".join(parts).encode(), kind)


def elements_in(server: Server, queue: str) -> int:
    connection = sqlite3.connect(server.folder / "orchestrator.sqlite3")
    try:
        return connection.execute(
            "SELECT COUNT(*) FROM Queues WHERE queue_name = ?", (queue,)
        ).fetchone()[0]
    finally:
        connection.close()


def test_the_console_tables_are_in_the_shared_postgresql_database(servers, console_database):
    a, _ = servers
    tables = {row[0] for row in console_rows(console_database, "SELECT tablename FROM pg_tables")}
    assert {"django_session", "console_cache", "vault_revealattempts"} <= tables
    assert not (a.folder / "console.sqlite3").exists()


def test_a_session_made_on_one_server_goes_on_on_the_other(servers):
    a, b = servers
    person = Browser(OPERATOR)
    status, _, page = person.upload(
        a, "/queues/upload/", {"queue_name": "Fakturaer"}, "reference,data\nf-1,x\nf-2,y\n"
    )
    assert status == 200, page[-300:]
    token = re.search(r'name="token" value="([^"]+)"', page)[1]
    assert elements_in(a, "Fakturaer") == 0  # step 1 only keeps the rows in the session

    # Without the session cookie, B knows nothing of the upload ...
    stranger = Browser(OPERATOR)
    status, headers, _ = stranger.post(b, "/queues/upload/", {"token": token})
    assert status == 302 and headers["Location"].endswith("/queues/upload/")
    assert elements_in(a, "Fakturaer") == 0
    # ... with it, B finishes what A started.
    status, headers, _ = person.post(b, "/queues/upload/", {"token": token})
    assert (
        status == 302 and "/queues/" in headers["Location"] and "upload" not in headers["Location"]
    )
    assert elements_in(a, "Fakturaer") == 2


def _reveal(browser: Browser, server: Server, key: str) -> str:
    status, _, page = browser.post(
        server, "/vault/credentials/Mail/reveal/", {"reason": "robot login broke", "key": key}
    )
    assert status == 200
    return page


def test_a_lockout_on_one_server_holds_on_the_other(servers):
    a, b = servers
    keeper = Browser(KEEPER)
    for n in range(5):  # CONSOLE_REVEAL_MAX_FAILURES
        assert "s3cret" not in _reveal(keeper, a, f"wrong key {n}")
    page = _reveal(keeper, b, KEY)
    assert "Too many wrong keys" in page and "s3cret" not in page
    # B reveals for anyone not locked out: it is the lockout that B refuses on.
    assert "s3cret" in _reveal(Browser(OTHER_KEEPER), b, KEY)


def _failed_on_overview(browser: Browser, server: Server) -> tuple[int, bool]:
    status, _, page = browser.request(server, "GET", "/queues/")
    assert status == 200, page[-300:]
    (failed,) = FAILED.findall(page)
    return int(failed.replace(",", "")), "recounting after a change" in page


def _failed_in_metrics(server: Server, queue: str) -> float:
    headers = [
        ("X-Console-Pairing", SECRET),
        ("Authorization", f"Bearer {test_settings.TEST_METRICS_TOKEN}"),
    ]
    status, body = server.get("/metrics", headers)
    assert status == 200, body[-300:]
    return parse(body)["oo_queue_elements"][(("queue", queue), ("status", "FAILED"))]


def test_a_retry_on_one_server_is_reflected_in_the_others_overview_at_once(servers):
    a, b = servers
    operator = Browser(OPERATOR)
    ids = oo.failed_elements(f"sqlite:///{a.folder / 'orchestrator.sqlite3'}", "Lønsedler", 3)
    counted_before = a.log().count("Counted queues:overview") + b.log().count(
        "Counted queues:overview"
    )
    assert _failed_on_overview(operator, b) == (3, False)
    assert _failed_on_overview(operator, a) == (3, False)  # B's count, read by A
    assert _failed_in_metrics(a, "Lønsedler") == 3

    status, _, _ = operator.post(a, "/queues/retry/", {"ids": ids[:2], "confirmed": "True"})
    assert status == 302
    # At once: B never again shows the old count as current; it says it is recounting, or shows
    # the new count, and one recount across both servers brings the new one.
    failed, recounting = _failed_on_overview(operator, b)
    assert (failed, recounting) in {(3, True), (1, False)}
    deadline = time.monotonic() + 20
    while _failed_on_overview(operator, b) != (1, False):
        assert time.monotonic() < deadline, "B never showed the retry"
        time.sleep(0.2)
    assert _failed_in_metrics(b, "Lønsedler") == 1
    counted = a.log().count("Counted queues:overview") + b.log().count("Counted queues:overview")
    assert counted - counted_before == 2  # the first count and one recount, not one per server
