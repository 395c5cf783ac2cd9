"""CSV downloads, streamed: constant memory whatever the row count, safe to open in a spreadsheet.

A download is a POST with a CSRF token (`{% csv_export_form %}` carries the list's filter), as it
writes the audit trail: with automatic Windows sign-in, any web page could make a colleague's
browser follow a link or load an image. GET on an export URL shows the button (`export_page`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render

# Rows per chunk handed to the server: one write per row made a 100k-row export crawl.
BATCH_ROWS = 500
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """The cell's text; text a spreadsheet would run as a formula gets a leading ' (CSV injection)."""
    if value is None:
        return ""
    text = value.strftime("%Y-%m-%d %H:%M:%S.%f") if hasattr(value, "strftime") else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _chunks(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow([csv_safe(value) for value in row])
        if n % BATCH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(header: Sequence[str], rows: Iterable[Sequence], filename: str):
    """A download of `rows` (any iterable, read lazily) under `header`."""
    response = StreamingHttpResponse(_chunks(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def filter_fields(filterset) -> list[tuple[str, str]]:
    """The filter's own fields as sent, as (name, value) pairs without empty values: the hidden
    inputs that carry a list's filter into its export form, and the query back to the list."""
    data = filterset.data
    values = data.getlist if hasattr(data, "getlist") else lambda name: [data.get(name)]
    return [
        (name, value)
        for name in filterset.form.fields
        for value in values(name)
        if value not in (None, "")
    ]


def filter_query(filterset, url: str) -> str:
    """`url` (the list) with the filter in its query string."""
    query = urlencode(filter_fields(filterset))
    return f"{url}?{query}" if query else url


def filtered_export(
    request: HttpRequest, filterset_class, queryset, *, what: str, list_url: str, export_url: str
):
    """The start of every CSV export view: its filter from the POST (or, for GET, the query), and
    the response when there is nothing to stream yet: back to the list when the filter is not
    valid, the download button on GET. Returns (filterset, None) when the view should stream."""
    data = request.POST if request.method == "POST" else request.GET
    filterset = filterset_class(data, queryset=queryset)
    back = filter_query(filterset, list_url)
    if not filterset.is_valid():
        return filterset, HttpResponseRedirect(back)
    if request.method != "POST":
        page = export_page(
            request, what=what, filterset=filterset, export_url=export_url, back_url=back
        )
        return filterset, page
    return filterset, None


def export_page(
    request: HttpRequest, *, what: str, filterset, export_url: str, back_url: str
) -> HttpResponse:
    """GET on an export URL: the download button for this filter, and nothing written."""
    return render(
        request,
        "orchestrator_site/csv_export.html",
        {
            "what": what,
            "filter": filterset,
            "fields": filter_fields(filterset),
            "export_url": export_url,
            "back_url": back_url,
            "csv_max_rows": settings.CONSOLE_CSV_MAX_ROWS,
        },
    )
