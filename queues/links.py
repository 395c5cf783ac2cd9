"""Links from queue elements into the logs and jobs pages (built in the logs app).

Kept in one place so the URL scheme can be adjusted once those pages settle: the logs app's own
`process_logs_url` is used when its URL exists, otherwise `/logs/?process=...&start=...&end=...`.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from orchestrator_site.display import input_text


def _window(start: dt.datetime | None, end: dt.datetime | None) -> dict[str, str]:
    query = {}
    if start is not None:
        query["start"] = input_text(start)
    if end is not None:
        query["end"] = input_text(end)
    return query


def process_logs_url(process: str, start: dt.datetime | None, end: dt.datetime | None) -> str:
    """The logs of `process` between `start` and `end` (both inclusive)."""
    try:
        from logs.links import process_logs_url as logs_app_url

        return logs_app_url(process, start, end)
    except (ImportError, NoReverseMatch):
        return "/logs/?" + urlencode({"process": process, **_window(start, end)})


def process_jobs_url(process: str, start: dt.datetime | None, end: dt.datetime | None) -> str:
    """The jobs of `process` that started between `start` and `end`."""
    try:
        base = reverse("logs:jobs")
    except NoReverseMatch:
        base = "/jobs/"
    return f"{base}?" + urlencode({"process": process, **_window(start, end)})
