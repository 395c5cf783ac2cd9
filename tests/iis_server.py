"""A real console over real HTTP: waitress in a subprocess, the IIS identity adapter with a fake
Windows token resolver (tests/fake_iis_wsgi.py), and its own SQLite databases in a folder.

Used where only a real server shows the behaviour: the identity path, and parallel requests (each
waitress thread has its own database connection to a file database, as in production).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestrator_site.oo_schema import create_sqlite_schema

ROOT = Path(__file__).resolve().parents[1]
SECRET = "tests-pairing-secret"  # tests/settings.py's CONSOLE_PAIRING_SECRET


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, port: int, folder: Path, process: subprocess.Popen, log_path: Path) -> None:
        self.port = port
        self.folder = folder
        self.resolver_log = folder / "resolver.log"
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        """What the server process printed so far (its log lines)."""
        return self.log_path.read_text(encoding="utf-8")

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"  # waitress runs with --url-scheme=https

    def resolved(self) -> list[str]:
        return self.resolver_log.read_text(encoding="utf-8").splitlines()

    def request(
        self,
        method: str,
        path: str,
        headers: list[tuple[str, str]] = (),
        body: bytes | None = None,
    ) -> tuple[int, list[tuple[str, str]], str]:
        """One request with exactly these headers (repeats allowed), on a fresh connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.putrequest(method, path)
            for name, value in headers:
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            return response.status, response.getheaders(), text
        finally:
            connection.close()

    def get(
        self, path: str, headers: list[tuple[str, str]] = (), method: str = "GET"
    ) -> tuple[int, str]:
        status, _, body = self.request(method, path, headers)
        return status, body

    def console_rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of the server's own console database (users, sessions, audit trail)."""
        connection = sqlite3.connect(self.folder / "console.sqlite3", timeout=30)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def orchestrator_execute(self, sql: str, params: tuple = ()) -> None:
        connection = sqlite3.connect(self.folder / "orchestrator.sqlite3", timeout=30)
        try:
            with connection:
                connection.execute(sql, params)
        finally:
            connection.close()


@contextmanager
def iis_console(
    folder: Path,
    tokens: dict[str, list],
    *,
    threads: int = 4,
    env: dict[str, str] | None = None,
    prepare: bool = True,
    url_prefix: str = "",
) -> Iterator[Server]:
    """Start the console in `folder` with `tokens` ({"0x1": ["TEST\\\\Otto", [groups]]}).

    With `prepare=False`, one more server process on the databases that an earlier call made in
    the same folder, as the deployment runs two processes on one console database. With
    `url_prefix` ("/rpa/console"), waitress serves the console in that virtual directory.
    """
    if prepare:
        create_sqlite_schema(folder / "orchestrator.sqlite3")
        (folder / "resolver.log").write_text("", encoding="utf-8")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.identity.server_settings",
        "CONSOLE_TEST_DB": "sqlite",
        "CONSOLE_TEST_RUN_ID": f"iis-{os.getpid()}-{folder.name}",
        "CONSOLE_TEST_SERVER_DIR": str(folder),
        "CONSOLE_TEST_FAKE_TOKENS": json.dumps(tokens),
        "CONSOLE_TEST_RESOLVER_LOG": str(folder / "resolver.log"),
        **(env or {}),
    }
    if prepare:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=environment,
            check=True,
            timeout=180,
        )
    port = _free_port()
    log_path = folder / f"waitress-{port}.log"
    log = log_path.open("w", encoding="utf-8")  # a file: a pipe could fill up
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "waitress",
            f"--listen=127.0.0.1:{port}",
            "--url-scheme=https",
            f"--threads={threads}",
            f"--url-prefix={url_prefix}",
            "tests.fake_iis_wsgi:application",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                output = log_path.read_text(encoding="utf-8")
                raise RuntimeError("waitress did not start: " + output[-2000:]) from None
            time.sleep(0.2)
    try:
        yield Server(port, folder, process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
