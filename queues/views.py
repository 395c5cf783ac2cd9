"""Queue pages: overview, elements of a queue, failed inbox, element detail and the lists' exports."""

from __future__ import annotations

import uuid
from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from orchestrator_site import audit, clock
from orchestrator_site.csvstream import csv_response, filtered_export
from orchestrator_site.display import duration_text
from orchestrator_site.paging import PagingForm, capped_count, configure_lazy
from orchestrator_site.tables import LateRows
from queues.filters import ElementFilter
from queues.forms import OverviewForm
from queues.models import (
    Acknowledgement,
    QueueElement,
    QueueElementQuerySet,
    QueueStatus,
    acknowledgements_for,
    queue_overview_snapshot,
)
from queues.processes import element_processes
from queues.tables import ElementTable, InboxTable, OverviewTable
from triggers.models import QueueTrigger

INBOX_SCAN_CHUNK = 500
# Each page of the inbox re-reads the failures before it (acknowledged ones are skipped in
# Python), so its depth is bounded.
INBOX_MAX_PAGE = 100
CSV_COLUMNS = (
    "id",
    "queue_name",
    "status",
    "reference",
    "data",
    "created_date",
    "start_date",
    "end_date",
    "message",
    "created_by",
)


@permission_required("queues.view_queueelement", raise_exception=True)
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    form = OverviewForm(request.GET)
    rows: list[dict] = []
    snapshot = queue_overview_snapshot()
    if form.is_valid():
        rows = snapshot.value
        needle = form.cleaned_data["q"].lower()
        if needle:
            rows = [r for r in rows if needle in r["queue_name"].lower()]
    table = OverviewTable(rows)
    configure_lazy(request, table, default_per_page=100)
    return render(
        request,
        "queues/overview.html",
        {
            "form": form,
            "table": table,
            "cache_seconds": settings.CONSOLE_OVERVIEW_CACHE_SECONDS,
            "snapshot": snapshot,
        },
    )


def _filtered(request: HttpRequest, queue_name: str) -> tuple[ElementFilter, QueueElementQuerySet]:
    """The queue's elements under the filter in the URL; no rows at all when the filter is invalid."""
    base = QueueElement.objects.in_queue(queue_name)
    filterset = ElementFilter(request.GET, queryset=base)
    # django-filter filters the queryset it is given, so the rows keep its class; ConsoleFilterSet.qs
    # (over an untyped django-filter) can only promise a QuerySet.
    rows = cast(QueueElementQuerySet, filterset.qs)
    return filterset, rows


@permission_required("queues.view_queueelement", raise_exception=True)
@require_GET
def elements(request: HttpRequest, queue_name: str) -> HttpResponse:
    filterset, rows = _filtered(request, queue_name)
    table = ElementTable(LateRows(rows))
    paging = configure_lazy(request, table)
    page_rows = [row.record for row in table.page.object_list]
    table.acks = acknowledgements_for(page_rows)
    valid = filterset.is_valid()
    count = capped_count(rows) if valid else None
    unknown_queue = (
        valid
        and paging.is_valid()
        and not page_rows
        and not QueueElement.objects.in_queue(queue_name).exists()
    )
    query = request.GET.urlencode()
    return render(
        request,
        "queues/elements.html",
        {
            "queue_name": queue_name,
            "filter": filterset,
            "table": table,
            "count": count,
            "unknown_queue": unknown_queue,
            "query": query,
            "text_window": filterset.text_window_start() if valid else None,
            "text_search_days": settings.CONSOLE_TEXT_SEARCH_DAYS,
            "csv_max_rows": settings.CONSOLE_CSV_MAX_ROWS,
            "triggers": QueueTrigger.objects.filter(queue_name=queue_name).select_related(
                "trigger"
            ),
        },
    )


@permission_required("queues.view_queueelement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest, queue_name: str) -> HttpResponse:
    """POST: the filtered elements as CSV, streamed, at most CONSOLE_CSV_MAX_ROWS rows, audited.
    GET: only the page with the download button (see orchestrator_site.csvstream)."""
    filterset, answer = filtered_export(
        request,
        ElementFilter,
        QueueElement.objects.in_queue(queue_name),
        what=f"Elements of the queue “{queue_name}”",
        list_url=reverse("queues:elements", args=[queue_name]),
        export_url=reverse("queues:export", args=[queue_name]),
    )
    if answer is not None:
        return answer
    rows = filterset.qs
    ordering = filterset.form.cleaned_data.get("sort") or "-created_date"
    limit = settings.CONSOLE_CSV_MAX_ROWS
    values = rows.order_by(ordering, "pk").values_list(*CSV_COLUMNS)[:limit]
    audit.record(
        user=request.user,
        action="queues.export",
        target_type="queue",
        targets=[queue_name],
        filter_used=filterset.description(),
        detail=f"CSV export, at most {limit:,} rows",
    )
    safe_name = "".join(c if c.isalnum() or c in "-_" else "_" for c in queue_name)[:60]
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    return csv_response(
        CSV_COLUMNS, values.iterator(chunk_size=2000), f"queue-{safe_name}-{stamp}.csv"
    )


def unacknowledged_failures(limit: int) -> list[QueueElement]:
    """FAILED elements of all queues, newest failure first (those without an end date last),
    minus those acknowledged.

    Acknowledgements live in the console's database, so they cannot be joined in SQL: failures
    are read in chunks of INBOX_SCAN_CHUNK (two queries each) until `limit` are found. Dated and
    undated failures are read apart: one ORDER BY with NULLS LAST cannot use the (status,
    end_date) index on PostgreSQL, whose descending scans put NULLs first (a sort of every
    failure per view instead of an index range).
    """
    failed = QueueElement.objects.filter(status=QueueStatus.FAILED)
    found: list[QueueElement] = []
    for ordered in (
        failed.filter(end_date__isnull=False).order_by("-end_date", "-pk"),
        failed.filter(end_date__isnull=True).order_by("-pk"),
    ):
        offset = 0
        while len(found) < limit:
            chunk = list(ordered[offset : offset + INBOX_SCAN_CHUNK])
            if not chunk:
                break
            acked = acknowledgements_for(chunk)
            found.extend(e for e in chunk if e.pk not in acked)
            offset += INBOX_SCAN_CHUNK
    return found[:limit]


@permission_required("queues.view_queueelement", raise_exception=True)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    paging = PagingForm(request.GET, sorts=[], max_page=INBOX_MAX_PAGE)
    wanted = paging.cleaned_data if paging.is_valid() else {}
    rows = unacknowledged_failures((wanted.get("page") or 1) * (wanted.get("per_page") or 50) + 1)
    table = InboxTable(rows)
    configure_lazy(request, table, max_page=INBOX_MAX_PAGE)
    return render(request, "queues/inbox.html", {"table": table})


@permission_required("queues.view_queueelement", raise_exception=True)
@require_GET
def element(request: HttpRequest, element_id: uuid.UUID) -> HttpResponse:
    item = get_object_or_404(QueueElement, pk=element_id)
    now = clock.now()
    ack = Acknowledgement.objects.filter(element_id=item.pk).first()
    window = item.processing_window(now)
    return render(
        request,
        "queues/element.html",
        {
            "element": item,
            "pretty_data": item.pretty_data(),
            "ack": ack,
            "ack_current": ack is not None and ack.covers(item),
            "window": window,
            "processes": element_processes(item, now),
            "waiting": duration_text(item.waiting_time) or "—",
            "duration": duration_text(item.duration) or "—",
            "running_for": duration_text(now - item.start_date)
            if item.status == QueueStatus.IN_PROGRESS and item.start_date
            else None,
            "stale": item.is_stale(now),
            "stale_minutes": settings.CONSOLE_STALE_ELEMENT_MINUTES,
        },
    )
