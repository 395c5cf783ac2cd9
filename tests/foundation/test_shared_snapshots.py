"""Two waitress processes on one console database and one OpenOrchestrator database, as deployed
(deploy/web.config starts two): they share the overview snapshots through the database cache, a
retry through one reaches the other's queues overview after one background recount, without a
restart, and only one recount runs for it across both processes."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from tests import oo
from tests.iis_server import SECRET, Server, iis_console

OPERATOR = "0x0001"
TOKENS = {OPERATOR: ["TEST\\otto", ["TEST\\rpa-operators"]]}
# Background recounts as deployed; snapshots that do not age during the test, so every count in
# it is one that a write asked for.
ENV = {"CONSOLE_TEST_BACKGROUND_REFRESH": "1", "CONSOLE_TEST_OVERVIEW_CACHE_SECONDS": "600"}
CSRF = "c" * 32
FAILED = re.compile(r'badge-FAILED" href="[^"]*">([\d,]+)<')
COUNTING = "Counted queues:overview"


def _headers(server: Server) -> list[tuple[str, str]]:
    return [
        ("X-Console-Pairing", SECRET),
        ("X-IIS-WindowsAuthToken", OPERATOR),
        ("Cookie", f"__Host-console-csrf={CSRF}"),
        ("Origin", server.origin),
        ("Referer", f"{server.origin}/queues/"),
    ]


def _overview(server: Server) -> tuple[int, bool]:
    """The failed count the queues overview shows, and whether it says it is recounting."""
    status, body = server.get("/queues/", _headers(server))
    assert status == 200, body[-500:]
    (failed,) = FAILED.findall(body)
    return int(failed.replace(",", "")), "recounting after a change" in body


def _retry(server: Server, ids: list[str]) -> int:
    body = urlencode({"ids": ids, "confirmed": "True", "csrfmiddlewaretoken": CSRF}, doseq=True)
    headers = [*_headers(server), ("Content-Type", "application/x-www-form-urlencoded")]
    status, _, _ = server.request("POST", "/queues/retry/", headers, body.encode())
    return status


def _counts(*servers: Server) -> int:
    return sum(server.log().count(COUNTING) for server in servers)


def test_a_retry_in_one_process_reaches_the_other_after_one_shared_recount(tmp_path):
    with (
        iis_console(tmp_path, TOKENS, threads=8, env=ENV) as a,
        iis_console(tmp_path, TOKENS, threads=8, env=ENV, prepare=False) as b,
    ):
        ids = oo.failed_elements(f"sqlite:///{tmp_path / 'orchestrator.sqlite3'}", "Fakturaer", 3)
        assert _overview(a) == (3, False)  # no snapshot yet: A counts in the request
        assert _overview(b) == (3, False)  # B serves A's count
        assert (a.log().count(COUNTING), b.log().count(COUNTING)) == (1, 0)
        assert a.console_rows("SELECT COUNT(*) FROM console_cache")[0][0] >= 1

        assert _retry(a, ids[:2]) == 302
        # Ten people on each process look at once: each sees A's old count marked as being
        # recounted, or the new count, never a mixture, and no view waits for a count.
        seen: list[tuple[int, bool]] = []

        def look(server: Server) -> None:
            seen.append(_overview(server))

        people = [threading.Thread(target=look, args=(s,)) for s in (a, b) * 10]
        for person in people:
            person.start()
        for person in people:
            person.join(60)
        assert len(seen) == 20 and set(seen) <= {(3, True), (1, False)}, seen

        deadline = time.monotonic() + 10
        while _overview(b) != (1, False):
            assert time.monotonic() < deadline, "B never showed the retry"
            time.sleep(0.2)
        assert _counts(a, b) == 2  # the first count, and exactly one recount after the retry
    # The cache table lives in the console's database, never in OpenOrchestrator's.
    assert not _tables_named(tmp_path / "orchestrator.sqlite3", "console_cache")


def _tables_named(oo_file: Path, name: str) -> list:
    with sqlite3.connect(oo_file) as connection:
        return connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchall()
