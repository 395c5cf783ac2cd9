"""Queue pages: overview, elements of a queue, failed inbox, element detail and the lists' exports."""

from __future__ import annotations

import uuid
from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from orchestrator_site import audit, clock, indexes
from orchestrator_site.csvstream import (
    csv_response,
    export_filename,
    filtered_export,
    requested_dialect,
)
from orchestrator_site.display import duration_text
from orchestrator_site.paging import (
    CappedCount,
    PagingForm,
    capped_count,
    configure_lazy,
    counted_by_pages,
)
from orchestrator_site.tables import LateRows
from queues.filters import ElementFilter, InboxFilter
from queues.forms import OverviewForm
from queues.models import (
    STATUS_END_INDEX,
    Acknowledgement,
    QueueElement,
    QueueElementQuerySet,
    QueueStatus,
    acknowledgements_for,
    queue_overview_snapshot,
    stale_after,
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
    table = ElementTable(LateRows(rows, keys_first=not _index_gives_the_order(filterset)))
    paging = configure_lazy(request, table)
    page_rows = [row.record for row in table.page.object_list]
    table.acks = acknowledgements_for(page_rows)
    valid = filterset.is_valid()
    count = _matching_count(table, rows, filterset) if valid else None
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
            "text_window": filterset.text_window() if valid else None,
            "further_back": _further_back_query(request, filterset) if valid else None,
            "text_search_days": settings.CONSOLE_TEXT_SEARCH_DAYS,
            "csv_max_rows": settings.CONSOLE_CSV_MAX_ROWS,
            "count_cap": settings.CONSOLE_COUNT_CAP,
            "triggers": QueueTrigger.objects.filter(queue_name=queue_name).select_related(
                "trigger"
            ),
        },
    )


# Filters whose columns the recommended index on (queue_name, status, created_date, start_date,
# end_date) holds: with it, their count reads the index alone.
_INDEXED_FILTERS = frozenset(
    {"status", *(f"{r}_{e}" for r in ("created", "started", "ended") for e in ("from", "to"))}
)
_NAME_STATUS_INDEX = f"{indexes.PREFIX}queues_name_status_dates"
_NOT_FILTERS = frozenset({"sort", "reference_match"})


_NAME_CREATED_INDEX = f"{indexes.PREFIX}queues_name_created"
_CREATED_RANGE = frozenset({"created_from", "created_to"})


def _index_gives_the_order(filterset: ElementFilter) -> bool:
    """Whether a recommended index reads the page's elements in its order: by creation (the
    default), all of them or those of one status, in a creation range or not. Then LateRows reads
    them at once; otherwise it reads the page's keys first (see LateRows)."""
    if not filterset.is_valid():
        return False
    data = filterset.form.cleaned_data
    if (data.get("sort") or "-created_date").lstrip("-") != "created_date":
        return False
    used = {
        name
        for name, value in data.items()
        if value not in (None, "", []) and name not in _NOT_FILTERS
    }
    if used <= _CREATED_RANGE:
        return indexes.present(_NAME_CREATED_INDEX)
    if used - _CREATED_RANGE == {"status"} and len(data["status"]) == 1:
        return indexes.present(_NAME_STATUS_INDEX)
    return False


def _matching_count(table: ElementTable, rows, filterset: ElementFilter) -> CappedCount:
    """How many elements match: from the page when it holds them all; by a capped count when an
    index can answer it (the queue alone: OpenOrchestrator's own index on queue_name; status and
    dates: the recommended one); otherwise (text, reference, creator, or status without the
    recommended index) as far as the pages go, "50+": a count would read the queue's rows again
    after the page read them (SQLite, 300k elements, FAILED of the busiest queue: 103 ms against
    the bare query's 91, most of it the count)."""
    shown = counted_by_pages(table)
    if not shown.capped:
        return shown
    used = {
        name
        for name, value in filterset.form.cleaned_data.items()
        if value not in (None, "", []) and name not in _NOT_FILTERS
    }
    if not used or (used <= _INDEXED_FILTERS and indexes.present(_NAME_STATUS_INDEX)):
        return capped_count(rows)
    return shown


def _further_back_query(request: HttpRequest, filterset: ElementFilter) -> str | None:
    """The list's query with an earlier “Created from”, for the "search further back" link."""
    earlier = filterset.further_back()
    if earlier is None:
        return None
    query = request.GET.copy()
    query.pop("page", None)
    query.setlist("created_from", [earlier["created_from"]])
    return query.urlencode()


@permission_required("queues.view_queueelement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest, queue_name: str) -> HttpResponse:
    """POST: the filtered elements as CSV, streamed, at most CONSOLE_CSV_MAX_ROWS rows, audited.
    GET: only the page with the download button (see orchestrator_site.csvstream)."""
    filterset, answer = filtered_export(
        request,
        ElementFilter,
        QueueElement.objects.in_queue(queue_name),
        what=_("Elements of the queue “%(queue)s”") % {"queue": queue_name},
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
    return csv_response(
        CSV_COLUMNS,
        values.iterator(chunk_size=2000),
        export_filename("queue", queue_name),
        dialect=requested_dialect(request),
    )


def inbox_filter(query: QueryDict) -> InboxFilter:
    return InboxFilter(query, queryset=QueueElement.objects.filter(status=QueueStatus.FAILED))


def inbox_rows(filterset: InboxFilter, limit: int) -> list[QueueElement]:
    """The inbox's first `limit` rows: matching failures, newest failure first (those without an
    end date last), minus those acknowledged (or only those, with `acknowledged=1`).

    Acknowledgements live in the console's database, so they cannot be joined in SQL: failures
    are read in chunks (one query each, at most INBOX_SCAN_CHUNK rows, no more than could be
    needed) until `limit` are found, and those filterset.covered_ids() names are skipped (or kept),
    as are those outside a group too big to name in SQL (filterset.shown). Dated and undated
    failures are read apart:
    one ORDER BY with NULLS LAST cannot use the (status, end_date) index on PostgreSQL, whose
    descending scans put NULLs first (a sort of every failure per view instead of an index range).
    """
    covered = filterset.covered_ids()
    wanted = filterset.acknowledged_only
    if wanted and not covered:
        return []
    dated, undated = filterset.parts()
    batches = filterset.group_batches()
    found: list[QueueElement] = []
    for ordered in (dated.order_by("-end_date", "-pk"), undated.order_by("-pk")):
        # A big group: its members a batch at a time, newest failures first, so that the first
        # batches give the first rows (a dated member's end date is the time it was signed at).
        narrowed = [ordered] if batches is None else [ordered.filter(pk__in=b) for b in batches]
        for rows in narrowed:
            _read_into(found, rows, filterset, limit, wanted, len(covered))
    return found[:limit]


def _read_into(
    found: list[QueueElement],
    ordered: QuerySet,
    filterset: InboxFilter,
    limit: int,
    wanted: bool,
    covered: int,
) -> None:
    """Add to `found` the rows of `ordered` that filterset.shown() keeps, in chunks, until it
    holds `limit`."""
    offset = 0
    # Without the (status, end_date) index the database sorts every failure to find a chunk:
    # keys only, then those rows (LateRows; SQLite, 24k failures: the sort held whole messages).
    rows = LateRows(ordered, keys_first=not indexes.present(STATUS_END_INDEX))
    while len(found) < limit:
        # Unacknowledged ones: the rows still wanted plus those that may be skipped suffice.
        size = INBOX_SCAN_CHUNK
        if not wanted:
            size = min(size, limit - len(found) + covered)
        chunk = list(rows[offset : offset + size])
        found.extend(e for e in chunk if filterset.shown(e.pk))
        if len(chunk) < size:
            break
        offset += size


def inbox_count(filterset: InboxFilter) -> CappedCount:
    """How many failures the inbox lists for this filter: exact up to CONSOLE_COUNT_CAP.

    Matching failures are counted in SQL, at most the cap plus the acknowledged ones that still
    cover a match (one bounded query); those are then taken off. Past that count the answer is
    "cap+", since even with every acknowledged one removed more than the cap remain.
    """
    covered = len(filterset.covered_ids())
    cap = settings.CONSOLE_COUNT_CAP
    if filterset.acknowledged_only:
        return CappedCount(min(covered, cap), covered > cap)
    batches = filterset.group_batches()
    if batches is not None:  # a big group: its members counted a batch of ids at a time
        found = sum(filterset.qs.filter(pk__in=batch).count() for batch in batches)
        matching = CappedCount(min(found, cap + covered), found > cap + covered)
    else:
        matching = capped_count(filterset.qs, cap + covered)
    if matching.capped:
        return CappedCount(cap, True)
    left = matching.value - covered
    return CappedCount(min(left, cap), left > cap)


@permission_required("queues.view_queueelement", raise_exception=True)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    filterset = inbox_filter(request.GET)
    paging = PagingForm(request.GET, sorts=[], max_page=INBOX_MAX_PAGE)
    wanted = paging.cleaned_data if paging.is_valid() else {}
    valid = filterset.is_valid()
    rows: list[QueueElement] = []
    if valid:
        limit = (wanted.get("page") or 1) * (wanted.get("per_page") or 50) + 1
        rows = inbox_rows(filterset, limit)
    table = InboxTable(rows, acknowledged=valid and filterset.acknowledged_only)
    configure_lazy(request, table, max_page=INBOX_MAX_PAGE)
    filterset.offer_queues(row.record.queue_name for row in table.page.object_list)
    if table.acknowledged:
        table.acks = acknowledgements_for(row.record for row in table.page.object_list)
    return render(
        request,
        "queues/inbox.html",
        {
            "filter": filterset,
            "table": table,
            "count": _inbox_count_shown(table, filterset) if valid else None,
        },
    )


def _inbox_count_shown(table: InboxTable, filterset: InboxFilter) -> CappedCount:
    """The inbox's count (inbox_count), from the page when it holds them all; without the
    recommended (status, end_date) index as far as the pages go ("50+"), as on a queue's page: the
    count would read the table a second time after the page's rows did (PostgreSQL, 300k
    elements: 16 ms of the page's 48). A bulk action's confirmation still counts them all."""
    shown = counted_by_pages(table)
    if not shown.capped or (
        not indexes.present(STATUS_END_INDEX) and not filterset.acknowledged_only
    ):
        return shown
    return inbox_count(filterset)


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
            "stale_after": stale_after(),
        },
    )
