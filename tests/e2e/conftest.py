"""A real console for the browser: waitress in a subprocess behind the IIS identity adapter (with a
fake Windows token resolver), the demo database, and Debian's Chromium driven by Playwright.

Each role gets its own browser context that sends what IIS would: the pairing secret and a token.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.harness import CHROMIUM_ARGS

# Playwright's sync API keeps an asyncio loop on the main thread for the whole session; Django would
# then refuse ORM calls from the (synchronous) tests that run after the browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SECRET = "tests-pairing-secret"
TOKENS = {
    "viewer": ["TEST\\Vera", ["TEST\\rpa-viewers"]],
    "operator": ["TEST\\Otto", ["TEST\\rpa-operators"]],
    "admin": ["TEST\\Ada", ["TEST\\rpa-automation"]],
    "keeper": ["TEST\\Kim", ["TEST\\rpa-viewers", "TEST\\rpa-vault"]],
}

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Console:
    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder
        self.oo_url = f"sqlite:///{folder / 'orchestrator.sqlite3'}"


@pytest.fixture(scope="session")
def console(tmp_path_factory) -> Console:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.server_settings",
        "CONSOLE_TEST_DB": "sqlite",
        "CONSOLE_TEST_RUN_ID": f"e2e-{os.getpid()}",
        "CONSOLE_TEST_SERVER_DIR": str(folder),
        "CONSOLE_TEST_FAKE_TOKENS": json.dumps(
            {f"0x{i + 1:04x}": v for i, v in enumerate(TOKENS.values())}
        ),
        "CONSOLE_TEST_RESOLVER_LOG": str(folder / "resolver.log"),
    }
    for command in (
        ["demo_data", "--path", str(folder / "orchestrator.sqlite3")],
        ["migrate", "--noinput", "-v0"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    port = _free_port()
    log = (folder / "waitress.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "waitress",
            f"--listen=127.0.0.1:{port}",
            "--threads=8",
            "tests.fake_iis_wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            request = urllib.request.Request(
                f"{url}/healthz",
                headers={"X-Console-Pairing": SECRET, "X-IIS-WindowsAuthToken": "0x0001"},
            )
            urllib.request.urlopen(request, timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError((folder / "waitress.log").read_text()) from None
            time.sleep(0.2)
    yield Console(url, folder)
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


class RolePage:
    """A page whose every request carries what IIS adds for this role, collecting console problems."""

    def __init__(self, page, console: Console) -> None:
        self.page = page
        self.console = console
        self.problems: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.problems.append(msg.text))
        page.on("pageerror", lambda exc: self.problems.append(str(exc)))
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and r.request.resource_type != "document"
                and self.problems.append(f"{r.status} {r.url}")
            ),
        )

    def goto(self, path: str):
        return self.page.goto(self.console.url + path)

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def as_role(browser, console):
    contexts = []

    def open_as(role: str, **options) -> RolePage:
        """`options` go to the browser context (e.g. bypass_csp=True to inject a test script)."""
        token = f"0x{list(TOKENS).index(role) + 1:04x}"
        context = browser.new_context(
            extra_http_headers={"X-Console-Pairing": SECRET, "X-IIS-WindowsAuthToken": token},
            accept_downloads=True,
            **options,
        )
        contexts.append(context)
        return RolePage(context.new_page(), console)

    yield open_as
    for context in contexts:
        context.close()
