"""URLs other pages use to point into the logs and the jobs pages (the dashboard and the queues pages
link with these). Both narrow to one process and a time window, written the same way (_window)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.urls import reverse

from orchestrator_site.display import input_text
from orchestrator_site.reversing import id_url, name_url


def logs_around_url(log, minutes: int | None = None) -> str:
    """The process's logs within +/- `minutes` (default 1) of this log line, with the line highlighted."""
    url = id_url("logs:around", log.pk)
    return f"{url}?{urlencode({'minutes': minutes})}" if minutes else url


def process_logs_url(
    process_name: str, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> str:
    """The logs page of one process, optionally limited to `start <= log_time <= end`."""
    url = name_url("logs:process", process_name)
    query = window_query(start, end)
    return f"{url}?{query}" if query else url


def search_url(
    *, levels: list[str] | None = None, since: dt.datetime | None = None, text: str | None = None
) -> str:
    """The search across processes (/logs/search/) for these levels, text and start."""
    query: list[tuple[str, str]] = [("level", level) for level in levels or ()]
    if text:
        query.append(("text", text))
    if since is not None:
        query.append(("since", input_text(since)))
    url = reverse("logs:search")
    return f"{url}?{urlencode(query)}" if query else url


def process_jobs_url(
    process_name: str, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> str:
    """The jobs page of one process, limited to jobs that started between `start` and `end`."""
    query = {"process": process_name, **_window(start, end)}
    return f"{reverse('triggers:jobs')}?{urlencode(query)}"


def window_query(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """urlencode(_window(start, end)) without its per-character quoting: the times hold only
    digits, "-", "T" and ":", and ":" is the one urlencode quotes (a jobs page links every row)."""
    parts = []
    if start is not None:
        parts.append("start=" + input_text(start).replace(":", "%3A"))
    if end is not None:
        parts.append("end=" + input_text(end).replace(":", "%3A"))
    return "&".join(parts)


def _window(start: dt.datetime | None, end: dt.datetime | None) -> dict[str, str]:
    query = {}
    if start is not None:
        query["start"] = input_text(start)
    if end is not None:
        query["end"] = input_text(end)  # "To" includes that whole second
    return query
