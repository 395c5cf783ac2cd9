"""Paging for tables with millions of rows: never an exact COUNT(*) of a huge set.

`configure_lazy` is the one place that reads a list's `page`, `per_page` and `sort`. A value the
list does not offer is an error shown above the (then empty) table: never a 500, never an
unbounded page, never an OFFSET the database cannot hold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

from django import forms
from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.db.models import IntegerField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import formats
from django.utils.functional import cached_property
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tables2.paginators import LazyPaginator

PER_PAGE_CHOICES = (25, 50, 100, 200)
# The deepest page a list goes to. Deeper, the database walks millions of rows only to skip them
# (and at 2**63 rows OFFSET overflows on SQLite and PostgreSQL); a narrower filter finds them.
MAX_PAGE = 10_000


@dataclass(frozen=True)
class CappedCount:
    value: int
    capped: bool

    def __str__(self) -> str:
        """ "10,000+" (English), "10.000+" (Danish): grouped as the active language groups."""
        shown = formats.number_format(self.value, force_grouping=True)
        return f"{shown}+" if self.capped else shown


def counted_by_pages(table) -> CappedCount:
    """How many rows a lazily paged table's pages up to this one hold: exact on the last page of
    a valid paging, else "N+" (more may follow). What a list says where a count would cost a
    second read of the rows."""
    page = table.page
    seen = (page.number - 1) * table.paginator.per_page + len(page.object_list)
    return CappedCount(seen, capped=page.has_next() or bool(table.paging_errors))


def capped_count(queryset: QuerySet, cap: int | None = None) -> CappedCount:
    """Count at most `cap` rows (one bounded query): "10,000+" instead of a full scan."""
    cap = cap or settings.CONSOLE_COUNT_CAP
    bounded = queryset.order_by()
    query = bounded.query
    if not (query.distinct or query.group_by or query.annotations):
        # The subquery selects a constant, not Django's primary key: OpenOrchestrator's ids are
        # not in the indexes that serve the filters, so counting ids read every matching row
        # (SQLite, 10,001 elements of one queue: 22 ms; 10,001 logs of one process: 97 ms),
        # while a constant counts from the index alone (1-2 ms).
        bounded = bounded.annotate(
            console_counted=RawSQL("1", (), output_field=IntegerField())
        ).values("console_counted")
    n = bounded[: cap + 1].count()
    return CappedCount(min(n, cap), n > cap)


class CappedPaginator(Paginator):
    """The admin's paginator for large tables (with `show_full_result_count = False`): counts at
    most CONSOLE_COUNT_CAP + 1 rows, one bounded query, never a COUNT(*) of millions. The one row
    past the cap gives the admin a last page that says more rows exist."""

    object_list: QuerySet  # the admin pages its changelist's QuerySet, never a list

    @cached_property
    def count(self) -> int:
        result = capped_count(self.object_list)
        return result.value + (1 if result.capped else 0)


class PagingForm(forms.Form):
    """`page`, `per_page` and `sort` of one list; `sorts` are the orderings its table declares."""

    per_page = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(str(n), str(n)) for n in PER_PAGE_CHOICES],
        error_messages={
            "invalid_choice": format_lazy(
                gettext_lazy("Rows per page must be {choices} or {last}."),
                choices=", ".join(map(str, PER_PAGE_CHOICES[:-1])),
                last=PER_PAGE_CHOICES[-1],
            )
        },
    )
    sort = forms.MultipleChoiceField(
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy("This list can only be sorted by a column heading.")
        },
    )

    def __init__(self, data, *, sorts: list[str], max_page: int = MAX_PAGE) -> None:
        super().__init__(data)
        deepest = formats.number_format(max_page, force_grouping=True)
        if max_page == MAX_PAGE:
            wrong_page = _(
                "Page must be a whole number from 1 to %(max)s. "
                "Narrow the filter to reach rows further back."
            ) % {"max": deepest}
        else:
            wrong_page = _("Page must be a whole number from 1 to %(max)s.") % {"max": deepest}
        self.fields["page"] = forms.IntegerField(
            required=False,
            min_value=1,
            max_value=max_page,
            error_messages={k: wrong_page for k in ("invalid", "min_value", "max_value")},
        )
        sort = cast(forms.MultipleChoiceField, self.fields["sort"])  # `fields` holds only Field
        sort.choices = [(s, s) for s in sorts]

    @classmethod
    def for_table(cls, request, table, *, max_page: int = MAX_PAGE) -> PagingForm:
        query = request.GET
        data = {
            "page": query.get(table.prefixed_page_field),
            "per_page": query.get(table.prefixed_per_page_field),
            "sort": [s for s in query.getlist(table.prefixed_order_by_field) if s],  # "": default
        }
        names = [column.name for column in table.columns.iterorderable()]
        return cls(
            data, sorts=[f"{sign}{n}" for n in names for sign in ("", "-")], max_page=max_page
        )

    def errors_list(self) -> list[str]:
        # An ErrorList yields each error's message, a str or a lazy translation of one.
        return [str(message) for messages in self.errors.values() for message in messages]


def configure_lazy(
    request, table, *, default_per_page: int = 50, max_page: int = MAX_PAGE
) -> PagingForm:
    """Sort and page `table` from the request without counting: LazyPaginator fetches one row
    past the page to see whether more exist.

    Invalid paging leaves the table empty with `table.paging_errors` (shown by the table
    template). A page past the end shows the last page, found by a count bounded by the rows the
    database has just skipped."""
    form = PagingForm.for_table(request, table, max_page=max_page)
    table.request = request
    table.paging_errors = []
    valid = form.is_valid()
    per_page = (form.cleaned_data.get("per_page") if valid else None) or default_per_page
    if not valid:
        table.paging_errors = form.errors_list()
        table.paginator = LazyPaginator([], per_page)
        table.page = table.paginator.page(1)
        return form
    if form.cleaned_data["sort"]:
        table.order_by = form.cleaned_data["sort"]
    page = form.cleaned_data["page"] or 1
    if hasattr(table.data, "page_size"):  # LateRows: the row past the page is not read
        table.data.page_size = per_page
    try:
        table.paginate(paginator_class=LazyPaginator, per_page=per_page, page=page)
    except EmptyPage:
        try:
            table.page = table.paginator.page(_last_page(table, page, per_page))
        except EmptyPage:  # rows were deleted meanwhile
            table.page = table.paginator.page(1)
    return form


def _last_page(table, page: int, per_page: int) -> int:
    data = table.data.data
    skipped = (page - 1) * per_page
    if isinstance(data, QuerySet):
        rows = data.order_by()[:skipped].count()
    else:
        rows = min(len(data), skipped)
    return max(1, math.ceil(rows / per_page))
