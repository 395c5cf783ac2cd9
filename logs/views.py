"""Logs pages: overview, the logs of a process, around a line, detail, CSV export and deletion."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from logs import services
from logs.filters import PROCESS_TIME_INDEX, LogFilter, SearchedRange, SearchFilter
from logs.forms import (
    AroundForm,
    DeleteMatchingForm,
    DeleteSelectedForm,
    OverviewSearchForm,
    RetentionForm,
)
from logs.links import process_logs_url
from logs.models import Log, LogSignature
from logs.queries import (
    AROUND_MAX_ROWS,
    JOB_LOGS_SHOWN,
    PROCESS_LEVEL_TIME_INDEX,
    SearchRows,
    around,
    process_overview,
)
from logs.tables import LogTable, OverviewTable, SearchTable
from orchestrator_site import audit, clock, indexes
from orchestrator_site.csvstream import (
    csv_response,
    export_filename,
    filter_fields,
    filtered_export,
    requested_dialect,
)
from orchestrator_site.display import input_text
from orchestrator_site.nexturl import safe_next
from orchestrator_site.paging import CappedCount, capped_count, configure_lazy
from orchestrator_site.reporting import report_result
from orchestrator_site.tables import LateRows
from triggers.models import Job

PREVIEW_ROWS = 20


@permission_required("logs.view_log", raise_exception=True)
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    form = OverviewSearchForm(request.GET)
    snapshot = process_overview()
    rows = snapshot.value
    if form.is_valid():
        needle = form.cleaned_data["q"].casefold()
        if needle:
            rows = [r for r in rows if needle in r.process_name.casefold()]
    else:
        rows = []
    return render(
        request,
        "logs/overview.html",
        {
            "form": form,
            "table": OverviewTable(rows),
            "snapshot": snapshot,
            "cache_seconds": settings.CONSOLE_OVERVIEW_CACHE_SECONDS,
        },
    )


def _process_filter(request: HttpRequest, process_name: str) -> LogFilter:
    return LogFilter(request.GET, queryset=Log.objects.filter(process_name=process_name))


def _filter_query(request: HttpRequest, *, drop=("page", "per_page")) -> str:
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


def further_back_url(
    request: HttpRequest, searched: SearchedRange | None, start_field: str
) -> str | None:
    """This list again, its start moved back by FURTHER_BACK (None when the console chose no
    start: the person's own range is in the form)."""
    if searched is None:
        return None
    query = request.GET.copy()
    query.pop("page", None)
    query[start_field] = input_text(searched.further_back)
    return f"{request.path}?{query.urlencode()}"


def _search_count(table: SearchTable, rows, text: bool) -> CappedCount:
    """How many logs match, counted up to CONSOLE_COUNT_CAP; a first page that holds them all
    has counted them already. A text search is not counted past its pages: the substring test
    reads every line of the range (no index helps), and a count would read it all again (SQLite,
    a million logs, 7 days: half of the page's 160 ms of server CPU). It says "50+"."""
    page = table.page
    if page.number == 1 and not page.has_next() and not table.paging_errors:
        return CappedCount(len(page.object_list), capped=False)
    if text:
        seen = (page.number - 1) * table.paginator.per_page + len(page.object_list)
        return CappedCount(seen, capped=page.has_next())  # on the last page: all of them
    # Selecting only log_time lets the database count from the index (not the table's rows).
    return capped_count(rows.values("log_time"))


@permission_required("logs.view_log", raise_exception=True)
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Logs of every process: levels, text, one process, a time range; newest first."""
    filterset = SearchFilter(request.GET, queryset=Log.objects.all())
    valid = filterset.is_valid()
    rows = filterset.qs
    table = SearchTable(
        SearchRows(
            rows,
            levels=filterset.levels() if valid else [],
            process=valid and bool(filterset.form.cleaned_data.get("process")),
            rows_from=filterset.queryset_from,
        )
    )
    configure_lazy(request, table)
    return render(
        request,
        "logs/search.html",
        {
            "filter": filterset,
            "table": table,
            "valid": valid,
            "count": _search_count(table, rows, bool(filterset.form.cleaned_data.get("text")))
            if valid
            else None,
            "searched": filterset.searched,
            "further_back_url": further_back_url(request, filterset.searched, "since"),
            "group": _group_shown(request, filterset) if valid else None,
        },
    )


def _group_shown(request: HttpRequest, filterset: SearchFilter) -> dict | None:
    """The failure group the search is narrowed to: its signature, and the same search without it."""
    key = filterset.form.cleaned_data.get("group")
    if not key:
        return None
    signature = (
        LogSignature.objects.filter(key=key).values_list("signature", flat=True).first() or key
    )
    query = request.GET.copy()
    query.pop("group", None)
    return {"signature": signature, "without": f"{request.path}?{query.urlencode()}"}


_TIME_RANGE = frozenset({"start", "end"})


def _index_gives_the_order(filterset: LogFilter) -> bool:
    """Whether a recommended index reads the process's page of logs in its order (by time, in a
    range or not, of every level or of one). Then LateRows reads them at once; otherwise it reads
    the page's keys first (see LateRows)."""
    if not filterset.is_valid():
        return False
    data = filterset.form.cleaned_data
    used = {name for name, value in data.items() if value not in (None, "", []) and name != "sort"}
    if used <= _TIME_RANGE:
        return indexes.present(PROCESS_TIME_INDEX)
    if used - _TIME_RANGE == {"level"} and len(data["level"]) == 1:
        return indexes.present(PROCESS_LEVEL_TIME_INDEX)
    return False


@permission_required("logs.view_log", raise_exception=True)
@require_GET
def process_logs(request: HttpRequest, process_name: str) -> HttpResponse:
    filterset = _process_filter(request, process_name)
    valid = filterset.is_valid()
    rows = filterset.qs
    can_delete = request.user.has_perm("logs.delete_log")
    table = LogTable(
        LateRows(rows, keys_first=not _index_gives_the_order(filterset)),
        order_by_field="sort",
        exclude=() if can_delete else ("select",),
    )
    configure_lazy(request, table)
    return render(
        request,
        "logs/process.html",
        {
            "process_name": process_name,
            "filter": filterset,
            "table": table,
            "valid": valid,
            "can_delete": can_delete,
            "searched": filterset.searched,
            "further_back_url": further_back_url(request, filterset.searched, "start"),
            "text_search_days": settings.CONSOLE_TEXT_SEARCH_DAYS,
            "text_search_rows": f"{settings.CONSOLE_TEXT_SEARCH_ROWS:,}",
            "csv_max_rows": settings.CONSOLE_CSV_MAX_ROWS,
            "query": _filter_query(request),
            "here": request.get_full_path(),
        },
    )


@permission_required("logs.view_log", raise_exception=True)
@require_GET
def around_log(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    log = get_object_or_404(Log, pk=pk)
    form = AroundForm(request.GET)
    if form.is_valid():
        minutes = form.minutes_or_default()
        rows, truncated = around(log, minutes)
    else:
        minutes, rows, truncated = None, [], False
    table = LogTable(rows, highlight=log.pk, orderable=False, exclude=("select",))
    window = dt.timedelta(minutes=minutes) if minutes else None
    return render(
        request,
        "logs/around.html",
        {
            "log": log,
            "form": form,
            "window": window,
            "table": table,
            "truncated": truncated,
            "max_rows": AROUND_MAX_ROWS,
            "window_url": (
                process_logs_url(log.process_name, log.log_time - window, log.log_time + window)
                if window
                else None
            ),
        },
    )


@permission_required("logs.view_log", raise_exception=True)
@require_GET
def log_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    log = get_object_or_404(Log, pk=pk)
    job = job_logs = None
    more_job_logs = False
    if log.job_id:
        job = Job.objects.filter(pk=log.job_id).first()
        job_logs = list(
            Log.objects.filter(job_id=log.job_id).order_by("log_time")[: JOB_LOGS_SHOWN + 1]
        )
        more_job_logs = len(job_logs) > JOB_LOGS_SHOWN
        job_logs = job_logs[:JOB_LOGS_SHOWN]
    return render(
        request,
        "logs/detail.html",
        {
            "log": log,
            "job": job,
            "job_logs": job_logs,
            "more_job_logs": more_job_logs,
            "job_logs_url": (
                f"{reverse('logs:process', args=[log.process_name])}?{urlencode({'job': log.job_id})}"
                if log.job_id
                else None
            ),
        },
    )


@permission_required("logs.view_log", raise_exception=True)
@require_http_methods(["GET", "POST"])
def export_csv(request: HttpRequest, process_name: str) -> HttpResponse:
    """POST: the filtered logs as CSV, newest first, at most CONSOLE_CSV_MAX_ROWS rows, audited.
    GET: only the page with the download button (see orchestrator_site.csvstream)."""
    filterset, answer = filtered_export(
        request,
        LogFilter,
        Log.objects.filter(process_name=process_name),
        what=gettext("Logs of “%(name)s”") % {"name": process_name},
        list_url=reverse("logs:process", args=[process_name]),
        export_url=reverse("logs:export", args=[process_name]),
    )
    if answer is not None:
        return answer
    cap = settings.CONSOLE_CSV_MAX_ROWS
    audit.record(
        user=request.user,
        action="logs.export",
        target_type="process",
        targets=[process_name],
        filter_used="; ".join(f"{name}={value}" for name, value in filter_fields(filterset)),
        detail=f"CSV export, at most {cap:,} rows",
    )
    rows = filterset.qs.order_by("-log_time").values_list(
        "log_time", "log_level", "process_name", "job_id", "log_message", "id"
    )[: cap + 1]

    def lines():
        for n, row in enumerate(rows.iterator(chunk_size=2000)):
            if n == cap:
                yield [f"(truncated: only the newest {cap} matching logs are exported)"]
                break
            yield row

    return csv_response(
        ["log_time", "log_level", "process_name", "job_id", "log_message", "id"],
        lines(),
        export_filename("logs", process_name),
        dialect=requested_dialect(request),
    )


@permission_required("logs.delete_log", raise_exception=True)
@require_POST
def delete_selected(request: HttpRequest) -> HttpResponse:
    """Step 1 (no `confirm`): show what would go. Step 2 (`confirm`): delete, batched and audited."""
    form = DeleteSelectedForm(request.POST)
    if not form.is_valid():
        return render(request, "logs/delete_selected.html", {"form": form, "logs": []}, status=400)
    ids = form.cleaned_data["ids"]
    back = safe_next(request, form.cleaned_data["next"], reverse("logs:overview"))
    needs_typing = len(ids) > settings.CONSOLE_BULK_CONFIRM_THRESHOLD
    if form.cleaned_data["confirm"] and form.check_typed(
        required=needs_typing, expected_text=str(len(ids))
    ):
        report_result(request, services.delete_logs(user=request.user, ids=ids))
        return HttpResponseRedirect(back)
    logs = list(Log.objects.filter(pk__in=ids).order_by("-log_time")[:PREVIEW_ROWS])
    return render(
        request,
        "logs/delete_selected.html",
        {
            "form": form,
            "ids": ids,
            "logs": logs,
            "count": len(ids),
            "more": len(ids) > len(logs),
            "needs_typing": needs_typing,
            "back": back,
        },
    )


def _deleted_matching_message(deleted: int, process_name: str, age: str | None) -> str:
    """What a deletion by filter did, with the age chosen (`RetentionForm.describe`) if any."""
    if age is None:
        text = ngettext(
            "Deleted %(count)s matching log of “%(name)s”.",
            "Deleted %(count)s matching logs of “%(name)s”.",
            deleted,
        )
    else:
        text = ngettext(
            "Deleted %(count)s matching log of “%(name)s”, %(age)s.",
            "Deleted %(count)s matching logs of “%(name)s”, %(age)s.",
            deleted,
        )
    return text % {"count": f"{deleted:,}", "name": process_name, "age": age}


@permission_required("logs.delete_log", raise_exception=True)
@require_http_methods(["GET", "POST"])
def delete_matching(request: HttpRequest, process_name: str) -> HttpResponse:
    """All logs of a process matching the filter in the query string, optionally only those older
    than 7/30/90 days or written before a date (`older_than`, `before`), up to CONSOLE_COUNT_CAP
    per round. GET: the choice, the count and a preview; POST (`as_of` from the preview): delete."""
    filterset = _process_filter(request, process_name)
    list_url = (
        f"{reverse('logs:process', args=[process_name])}?"
        f"{_filter_query(request, drop=('page', 'per_page', 'older_than', 'before'))}"
    )
    if not filterset.is_valid():
        return HttpResponseRedirect(list_url)
    retention = RetentionForm(request.GET)
    limit = settings.CONSOLE_COUNT_CAP
    form = DeleteMatchingForm(request.POST if request.method == "POST" else None)
    as_of = clock.now()
    if form.is_bound and form.is_valid():
        as_of = form.cleaned_data["as_of"]
    # Lines written after the preview are never deleted unseen; "older than N days" counts back
    # from the preview's moment, so the confirmation deletes exactly what the preview counted.
    matching = filterset.qs.filter(log_time__lte=as_of)
    cutoff = retention.cutoff(as_of) if retention.is_valid() else None
    if cutoff is not None:
        matching = matching.filter(log_time__lt=cutoff)
    if not retention.is_valid():
        matching = matching.none()
    count = capped_count(matching)
    needs_typing = count.value > settings.CONSOLE_BULK_CONFIRM_THRESHOLD
    if (
        retention.is_valid()
        and form.is_bound
        and form.is_valid()
        and form.check_typed(required=needs_typing, expected_text=process_name)
    ):
        age = f"; log_time < {cutoff:%Y-%m-%d %H:%M:%S.%f}" if cutoff is not None else ""
        result = services.delete_matching_logs(
            user=request.user,
            queryset=matching,
            filter_used=f"process_name = {process_name}; {_filter_query(request) or 'no filter'}; "
            f"log_time <= {as_of:%Y-%m-%d %H:%M:%S.%f}{age}",
            expected=min(count.value, limit),
            limit=limit,
        )
        result.message = _deleted_matching_message(
            result.changed,
            process_name,
            retention.describe(cutoff) if cutoff is not None else None,
        )
        if count.capped or result.changed >= limit:
            result.message += " " + gettext(
                "At most %(limit)s are deleted per confirmation: check whether more remain."
            ) % {"limit": f"{limit:,}"}
        elif result.changed < result.asked:
            gone = result.asked - result.changed
            result.message += " " + ngettext(
                "%(gone)s was already gone.", "%(gone)s were already gone.", gone
            ) % {"gone": f"{gone:,}"}
        report_result(request, result)
        return HttpResponseRedirect(list_url)
    preview = list(matching.order_by("-log_time")[:PREVIEW_ROWS])
    return render(
        request,
        "logs/delete_matching.html",
        {
            "process_name": process_name,
            "filter": filterset,
            "filter_fields": filter_fields(filterset),
            "retention": retention,
            "retention_text": retention.describe(cutoff) if cutoff is not None else "",
            "form": form,
            "as_of": as_of,
            "count": count,
            "limit": limit,
            "preview": preview,
            "needs_typing": needs_typing,
            "list_url": list_url,
            "action": request.get_full_path(),
        },
        status=400 if form.is_bound or not retention.is_valid() else 200,
    )
