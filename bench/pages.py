"""Every page the benchmark and the load test request: the one list of URLs (keep it in sync).

Paths come from the apps' urls.py (dashboard, logs, queues, triggers, vault). `{process}` is the
busiest process and `{queue}` the busiest queue of the generated database (bench/generate.py);
both are URL-quoted when filled in. `url_name`/`args` say which Django route a path must resolve to
(tests/bench/test_generate.py checks that, so a renamed route shows up as a failing test).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

BUSIEST_PROCESS = "Faktura Afstemning"
BUSIEST_QUEUE = "Fakturaer"
# Text that occurs in the busiest process's logs (error messages), for the text-search page.
SEARCH_TEXT = "Timeout"


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    path: str
    url_name: str
    args: tuple[str, ...] = ()
    # Which CPU budget applies (bench/run.py): "list" (list and detail pages), "dashboard" or
    # "fragment" (a dashboard panel refreshed on its own).
    kind: str = "list"
    load_weight: int = 1  # how often the load test picks it
    # The page serves its numbers from a snapshot (orchestrator_site.snapshots): repeated requests
    # hit it, so the targets also judge its first request after the server's start-up.
    cached: bool = False
    # Its rows are OpenOrchestrator's configuration (triggers, schedulers, credentials,
    # constants), which does not grow with the logs and queue elements: bench/run.py holds it to
    # the small pages' CPU budget on the large database even without the recommended indexes.
    light: bool = False

    def url(self, *, process: str = BUSIEST_PROCESS, queue: str = BUSIEST_QUEUE) -> str:
        return self.path.format(process=quote(process, safe=""), queue=quote(queue, safe=""))


DASHBOARD_PANELS = ("errors", "groups", "failed", "triggers", "running", "schedulers", "throughput")

PAGES: tuple[Page, ...] = (
    Page("dashboard", "Dashboard /", "/", "dashboard:home", load_weight=4, kind="dashboard"),
    Page(
        "logs",
        "Logs overview",
        "/logs/",
        "logs:overview",
        load_weight=2,
        cached=True,
    ),
    Page(
        "plogs",
        "Busiest process's logs",
        "/logs/process/{process}/",
        "logs:process",
        ("{process}",),
        load_weight=4,
    ),
    Page(
        "plogs_err",
        "  ... level=ERROR",
        "/logs/process/{process}/?level=ERROR",
        "logs:process",
        ("{process}",),
        load_weight=2,
    ),
    Page(
        "plogs_txt",
        f"  ... text={SEARCH_TEXT}",
        "/logs/process/{process}/?text=" + SEARCH_TEXT,
        "logs:process",
        ("{process}",),
        load_weight=1,
    ),
    Page(
        "search",
        f"Log search, every process, text={SEARCH_TEXT}",
        "/logs/search/?text=" + SEARCH_TEXT,
        "logs:search",
        load_weight=1,
    ),
    Page("queues", "Queues overview", "/queues/", "queues:overview", load_weight=2, cached=True),
    Page(
        "queue",
        "Busiest queue's elements",
        "/queues/q/{queue}/",
        "queues:elements",
        ("{queue}",),
        load_weight=4,
    ),
    Page(
        "queue_failed",
        "  ... status=FAILED",
        "/queues/q/{queue}/?status=FAILED",
        "queues:elements",
        ("{queue}",),
        load_weight=2,
    ),
    Page("inbox", "Failed inbox", "/queues/failed/", "queues:failed"),
    Page(
        "failed_groups",
        "Failed elements by cause",
        "/queues/failed/groups/",
        "queues:failed_groups",
        cached=True,
    ),
    Page(
        "error_groups",
        "Error lines by cause",
        "/logs/errors/groups/",
        "logs:error_groups",
        cached=True,
    ),
    Page("triggers", "Triggers", "/triggers/", "triggers:list", load_weight=2, light=True),
    Page("jobs", "Jobs", "/jobs/", "triggers:jobs", load_weight=2),
    Page("schedulers", "Schedulers", "/schedulers/", "triggers:schedulers", light=True),
    Page("credentials", "Credentials", "/vault/credentials/", "vault:credentials", light=True),
    Page("constants", "Constants", "/vault/constants/", "vault:constants", light=True),
    *(
        Page(
            f"frag_{panel}",
            f"Dashboard fragment {panel}",
            f"/dashboard/fragments/{panel}/",
            "dashboard:fragment",
            (panel,),
            load_weight=2,
            kind="fragment",
        )
        for panel in DASHBOARD_PANELS
    ),
)

# Requests that ask for an unbounded page: each must be refused (4xx, or a form error with no
# rows) or clamped to a bounded page. MAX_ROWS is the most table rows any answer may hold.
MAX_ROWS = 500
UNBOUNDED_PROBES: tuple[tuple[str, str], ...] = (
    ("process logs per_page=100000", "/logs/process/{process}/?per_page=100000"),
    ("process logs per_page=all", "/logs/process/{process}/?per_page=all"),
    ("queue per_page=100000", "/queues/q/{queue}/?per_page=100000"),
    ("jobs per_page=100000", "/jobs/?per_page=100000"),
    ("logs overview per_page=100000", "/logs/?per_page=100000"),
)

NOT_BUILT_MARKER = "This page is not built yet."


def fill(path: str, *, process: str = BUSIEST_PROCESS, queue: str = BUSIEST_QUEUE) -> str:
    return path.format(process=quote(process, safe=""), queue=quote(queue, safe=""))
