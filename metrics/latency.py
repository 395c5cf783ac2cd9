"""How long the console takes to answer, per view: the one metric a process keeps in memory.

Everything else /metrics reports is read from the database when scraped; this histogram is each
waitress process's own count of its own requests since it started. A scrape reaches one process
(IIS picks one, a load balancer one server), so every series carries a `worker` label (host:pid)
and Prometheus keeps each process's counters apart instead of seeing them jump between processes;
`sum by (view) (rate(...))` adds them up again.

Requests are labelled by the URL pattern's name (`queues:elements`), never by their path, so the
label set is bounded by the project's views whatever names the paths carry.

Each label set costs a dozen samples in every scrape (about 0.1 ms of CPU), so the labels stay few:
the admin's pages count as one view, and there is no method or status label (a view's GET and POST,
a form and its submission, share its series).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import Histogram, disable_created_metrics

# A page takes tens of milliseconds, a large export or a bulk action seconds. Few bounds: each is one
# sample per view in every scrape.
BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)

REQUEST_DURATION = Histogram(
    "oo_console_request_duration_seconds",
    "Seconds the console took to answer a request, by view (URL pattern name; every admin page "
    "is view admin), until the response was handed to the WSGI server (a streamed CSV's rows not "
    "included). Per process: each waitress process counts only its own requests since it started "
    "(label worker = host:pid).",
    ["view", "worker"],
    buckets=BUCKETS,
    registry=None,  # collected per scrape by metrics.exposition, never by a global registry
)

# No `_created` sample per series: a third more samples per scrape, and Prometheus reads the
# text format without them.
disable_created_metrics()

_worker: tuple[int, str] = (0, "")


def worker() -> str:
    """host:pid of this process (computed again after a fork)."""
    global _worker
    pid = os.getpid()
    if _worker[0] != pid:
        _worker = (pid, f"{socket.gethostname()}:{pid}")
    return _worker[1]


def view_label(request: HttpRequest) -> str:
    """The URL pattern's name (the admin's sixty-odd pages as one: each label is a dozen samples in
    every scrape), its route when unnamed, or what answered before URL resolution."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        if match.namespace == "admin":
            return "admin"
        return match.view_name or match.route or "unnamed"
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"  # WhiteNoise answers before the URL patterns are consulted
    return "unresolved"  # a 404, or a refusal before resolution


def request_timer(get_response: Callable[[HttpRequest], HttpResponse]):
    """Middleware (first in MIDDLEWARE): observes every request's duration."""

    def middleware(request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        try:
            return get_response(request)
        finally:
            REQUEST_DURATION.labels(view_label(request), worker()).observe(
                time.perf_counter() - started
            )

    return middleware
