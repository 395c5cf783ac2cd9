"""Paging for tables with millions of rows: never an exact COUNT(*) of a huge set."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

PER_PAGE_CHOICES = (25, 50, 100, 200)


@dataclass(frozen=True)
class CappedCount:
    value: int
    capped: bool

    def __str__(self) -> str:
        return f"{self.value:,}+" if self.capped else f"{self.value:,}"


def capped_count(queryset: QuerySet, cap: int | None = None) -> CappedCount:
    """Count at most `cap` rows (one bounded query): "10,000+" instead of a full scan."""
    cap = cap or settings.CONSOLE_COUNT_CAP
    n = queryset.order_by()[: cap + 1].count()
    return CappedCount(min(n, cap), n > cap)


def configure_lazy(request, table, *, default_per_page: int = 50) -> None:
    """Page a table without counting: LazyPaginator fetches one row past the page to see if more exist."""
    try:
        per_page = int(request.GET.get("per_page", default_per_page))
    except ValueError:
        per_page = default_per_page
    if per_page not in PER_PAGE_CHOICES:
        per_page = default_per_page
    # RequestConfig would take ?per_page= from the URL as given; only the clamped value may count.
    table.per_page_field = "per_page_from_console"
    RequestConfig(
        request, paginate={"paginator_class": LazyPaginator, "per_page": per_page}
    ).configure(table)
