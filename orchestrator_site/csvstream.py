"""CSV downloads, streamed: constant memory whatever the row count, safe to open in a spreadsheet.

Two dialects, chosen in the export form (`dialect`): standard CSV (RFC 4180: `,`, CRLF, UTF-8) and
`excel`, what Excel in a Danish (or any `;`-list-separator) locale opens by double-click with
columns and æøå intact: a UTF-8 byte order mark, `;` between values, CRLF. The values are the same
in both. Every file is named `<kind>-<name>-<timestamp>.csv` (`export_filename`).

A download is a POST with a CSRF token (`{% csv_export_form %}` carries the list's filter), as it
writes the audit trail: with automatic Windows sign-in, any web page could make a colleague's
browser follow a link or load an image. GET on an export URL shows the button (`export_page`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from orchestrator_site import clock

# Rows per chunk handed to the server: one write per row made a 100k-row export crawl.
BATCH_ROWS = 500
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

STANDARD, EXCEL = "standard", "excel"
# csv's own "excel" dialect is RFC 4180 (comma, CRLF, doubled quotes); Excel in a Danish locale
# splits columns at its list separator, `;`.
DELIMITERS = {STANDARD: ",", EXCEL: ";"}
BYTE_ORDER_MARK = "\ufeff"
FILENAME_STAMP = "%Y%m%d-%H%M%S"
_NAME_MAX = 60


class ExportFormatForm(forms.Form):
    """The `dialect` of an export; absent means standard CSV, so older links keep working."""

    dialect = forms.ChoiceField(
        choices=[(EXCEL, _("Excel (Danish)")), (STANDARD, _("Standard CSV"))],
        required=False,
        widget=forms.RadioSelect,
        label=_("Format"),
    )

    def chosen(self) -> str:
        return self.cleaned_data.get("dialect") or STANDARD


def _format_form(request: HttpRequest) -> ExportFormatForm:
    """The export form's radio (POST), else `?dialect=` in the URL (a bookmark, or a GET)."""
    sent = request.method == "POST" and "dialect" in request.POST
    return ExportFormatForm(request.POST if sent else request.GET)


def requested_dialect(request: HttpRequest) -> str:
    """The dialect an export request asks for; STANDARD when it asks for none or for one that does
    not exist (`filtered_export` has already sent those back to the list)."""
    form = _format_form(request)
    return form.chosen() if form.is_valid() else STANDARD


def file_safe(name: str) -> str:
    """`name` as part of a file name: letters and digits (æøå included) kept, `-` and `_` kept,
    anything else (spaces, `/`, `:`, line breaks) becomes `_`; at most 60 characters; `_` for ""."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:_NAME_MAX]
    return safe or "_"


def export_filename(kind: str, name: str, when=None) -> str:
    """`<kind>-<name>-<YYYYmmdd-HHMMSS>.csv`, e.g. `queue-Faktura_ind-20261128-155100.csv`."""
    return f"{kind}-{file_safe(name)}-{(when or clock.now()).strftime(FILENAME_STAMP)}.csv"


def csv_safe(value) -> str:
    """The cell's text; text a spreadsheet would run as a formula gets a leading ' (CSV injection)."""
    if value is None:
        return ""
    text = value.strftime("%Y-%m-%d %H:%M:%S.%f") if hasattr(value, "strftime") else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _chunks(header: Sequence[str], rows: Iterable[Sequence], dialect: str) -> Iterator[str]:
    buffer = io.StringIO()
    if dialect == EXCEL:
        buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer, delimiter=DELIMITERS[dialect], lineterminator="\r\n")
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow([csv_safe(value) for value in row])
        if n % BATCH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(
    header: Sequence[str], rows: Iterable[Sequence], filename: str, *, dialect: str = STANDARD
):
    """A download of `rows` (any iterable, read lazily) under `header`, in `dialect`. A file name
    with letters outside ASCII (æøå) travels as RFC 6266 `filename*`, which browsers decode."""
    response = StreamingHttpResponse(
        _chunks(header, rows, dialect), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
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
    if not filterset.is_valid() or not _format_form(request).is_valid():
        return filterset, HttpResponseRedirect(back)
    if request.method != "POST":
        page = export_page(
            request,
            what=what,
            filterset=filterset,
            export_url=export_url,
            back_url=back,
            dialect=requested_dialect(request),
        )
        return filterset, page
    return filterset, None


def export_page(
    request: HttpRequest,
    *,
    what: str,
    filterset,
    export_url: str,
    back_url: str,
    dialect: str = STANDARD,
) -> HttpResponse:
    """GET on an export URL (`?dialect=excel` chooses the format): the download button for this
    filter, and nothing written."""
    return render(
        request,
        "orchestrator_site/csv_export.html",
        {
            "what": what,
            "filter": filterset,
            "fields": filter_fields(filterset),
            "export_url": export_url,
            "back_url": back_url,
            "dialect": dialect,
            "csv_max_rows": settings.CONSOLE_CSV_MAX_ROWS,
        },
    )
