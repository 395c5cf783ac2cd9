"""Twenty people acknowledging the same failures at the same moment, through a real waitress with
eight threads (as deployed) and the console's own database in a SQLite file: not one error.

Before BEGIN IMMEDIATE, two requests that both read and then wrote the console's database
deadlocked, and SQLite answered one of them at once with "database is locked" (a 503 page)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from OpenOrchestrator.database import db_util
from OpenOrchestrator.database.queues import QueueStatus

from orchestrator_site.oo_schema import create_sqlite_schema
from tests import oo

ROOT = Path(__file__).resolve().parents[2]
USERS = 20
PAIRING = "tests-pairing-secret"  # tests/settings.py's CONSOLE_PAIRING_SECRET
CSRF = "c" * 32  # a CSRF secret of the client's choosing, sent as cookie and form field


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _failed_elements(oo_file: Path, count: int) -> list[str]:
    oo.connect(f"sqlite:///{oo_file}")
    try:
        ids = []
        for i in range(count):
            element = db_util.create_queue_element("Kø", f"ref-{i}")
            db_util.set_queue_element_status(element.id, QueueStatus.IN_PROGRESS)
            db_util.set_queue_element_status(element.id, QueueStatus.FAILED, "it broke")
            ids.append(str(element.id))
        return ids
    finally:
        db_util.disconnect()


@pytest.fixture
def server(tmp_path):
    create_sqlite_schema(tmp_path / "orchestrator.sqlite3")
    tokens = {f"0x{i:04x}": [f"TEST\\op{i}", ["TEST\\rpa-operators"]] for i in range(USERS)}
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.identity.server_settings",
        "CONSOLE_TEST_DB": "sqlite",
        "CONSOLE_TEST_SERVER_DIR": str(tmp_path),
        "CONSOLE_TEST_FAKE_TOKENS": json.dumps(tokens),
        "CONSOLE_TEST_RESOLVER_LOG": str(tmp_path / "resolver.log"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=180,
    )
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "waitress",
            f"--listen=127.0.0.1:{port}",
            "--url-scheme=https",
            "--threads=8",
            "tests.fake_iis_wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(process.stderr.read().decode()[-2000:]) from None
            time.sleep(0.2)
    yield port, tokens, tmp_path
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _request(port: int, token: str, method: str, path: str, body: str = "") -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    origin = f"https://127.0.0.1:{port}"
    headers = {
        "X-Console-Pairing": PAIRING,
        "X-IIS-WindowsAuthToken": token,
        "Cookie": f"__Host-console-csrf={CSRF}",
        "Origin": origin,
        "Referer": f"{origin}/queues/failed/",
    }
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_twenty_people_acknowledge_the_same_failures_at_once(server):
    port, tokens, folder = server
    ids = _failed_elements(folder / "orchestrator.sqlite3", USERS)
    body = urlencode({"ids": ids, "comment": "seen", "csrfmiddlewaretoken": CSRF}, doseq=True)
    start = threading.Barrier(USERS)
    statuses: dict[str, list[int]] = {}

    def person(token: str) -> None:
        first = _request(port, token, "GET", "/queues/failed/")
        start.wait(timeout=60)
        statuses[token] = [first, _request(port, token, "POST", "/queues/acknowledge/", body)]

    threads = [threading.Thread(target=person, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(statuses) == sorted(tokens)
    assert {tuple(pair) for pair in statuses.values()} == {(200, 302)}, statuses
    console = sqlite3.connect(folder / "console.sqlite3")
    try:
        acknowledged = console.execute(
            "SELECT COUNT(*), COUNT(DISTINCT element_id) FROM queues_acknowledgement"
        ).fetchone()
        audited = console.execute(
            "SELECT COUNT(*) FROM orchestrator_site_auditentry WHERE action = 'queues.acknowledge'"
        ).fetchone()[0]
    finally:
        console.close()
    assert acknowledged == (USERS, USERS)
    assert audited == USERS
