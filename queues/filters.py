"""The filters of a queue's elements and of the failed inbox. Every GET parameter of the lists,
their exports and their "all matching" pages goes here."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from orchestrator_site import clock
from orchestrator_site.display import input_text
from orchestrator_site.filters import (
    ConsoleFilterSet,
    FilterForm,
    FromFilter,
    UntilFilter,
    sort_filter,
)
from orchestrator_site.forms import end_of_second
from queues.groups import group_members, group_text
from queues.models import Acknowledgement, QueueElement, QueueStatus, queue_overview

# Orderings the element table declares, and nothing else.
SORTABLE = ("reference", "status", "created_date", "start_date", "end_date", "created_by")
ELEMENT_SORTS = tuple(f"{sign}{name}" for name in SORTABLE for sign in ("", "-"))


class ElementFilterForm(FilterForm):
    # Set by clean() when a text search got a “Created from” for speed (see text_window).
    text_window: dt.datetime | None = None

    def clean(self):
        super().clean()  # FilterForm checks every From/To pair
        data = self.cleaned_data  # what Form.clean() returns (typed as optional)
        if data.get("reference_match") and not data.get("reference"):
            data["reference_match"] = ""
        if data.get("text") and not data.get("created_from") and not self.errors:
            self._bound_text_search(data)
        return data

    def _bound_text_search(self, data: dict) -> None:
        """A substring search reads every row it considers: without “Created from” it covers the
        CONSOLE_TEXT_SEARCH_DAYS before “Created to” (or now). The bound goes into the form itself,
        so the page shows the range it searched and a link can widen it."""
        end = data.get("created_to") or clock.now()
        start = (end - dt.timedelta(days=settings.CONSOLE_TEXT_SEARCH_DAYS)).replace(microsecond=0)
        data["created_from"] = self.text_window = start
        shown: Any = copy.copy(self.data)  # a QueryDict's copy is mutable, as is a dict's
        shown["created_from"] = input_text(start)
        self.data = shown


class ElementFilter(ConsoleFilterSet):
    """Elements of one queue (the view narrows the queryset to it before filtering)."""

    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        choices=QueueStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # one row per element anyway; DISTINCT would make every query slower
    )
    reference = django_filters.CharFilter(
        method="filter_reference", max_length=100, label=_("Reference")
    )
    reference_match = django_filters.ChoiceFilter(
        choices=[("exact", _("is exactly")), ("startswith", _("starts with"))],
        method="keep",
        label=_("Reference match"),
        empty_label=None,
    )
    text = django_filters.CharFilter(
        method="filter_text", max_length=200, label=_("Data or message contains")
    )
    created_by = django_filters.CharFilter(max_length=100, label=_("Created by"))
    created_from = FromFilter(field_name="created_date", label=_("Created from"))
    created_to = UntilFilter(field_name="created_date", label=_("Created to"))
    started_from = FromFilter(field_name="start_date", label=_("Started from"))
    started_to = UntilFilter(field_name="start_date", label=_("Started to"))
    ended_from = FromFilter(field_name="end_date", label=_("Ended from"))
    ended_to = UntilFilter(field_name="end_date", label=_("Ended to"))
    sort = sort_filter(ELEMENT_SORTS)

    class Meta:
        model = QueueElement
        fields: list[str] = []
        form = ElementFilterForm

    def keep(self, queryset, name, value):
        return queryset  # read by filter_reference

    def filter_reference(self, queryset, name, value):
        if self.form.cleaned_data.get("reference_match") == "startswith":
            return queryset.filter(reference__startswith=value)
        return queryset.filter(reference=value)

    def text_window(self) -> dt.datetime | None:
        """The “Created from” this text search was given for speed, or None (see the form)."""
        return self.form.text_window

    def further_back(self) -> dict[str, str] | None:
        """For a text search from a “Created from”: the same search CONSOLE_TEXT_SEARCH_DAYS
        further back, as the query parameters of one link."""
        data = self.form.cleaned_data
        start = data.get("created_from")
        if not data.get("text") or start is None:
            return None
        earlier = start - dt.timedelta(days=settings.CONSOLE_TEXT_SEARCH_DAYS)
        return {"created_from": input_text(max(earlier, dt.datetime(1900, 1, 1)))}

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(data__icontains=value) | Q(message__icontains=value))

    def description(self) -> str:
        """The applied filter in words, for the audit row of a bulk action."""
        parts = []
        for name, value in self.form.cleaned_data.items():
            if value in (None, "", []) or name == "sort":
                continue
            if isinstance(value, list):
                value = ",".join(value)
            parts.append(f"{name}={value}")
        return "; ".join(parts)


class QueueNamesField(forms.MultipleChoiceField):
    """Exact queue names, repeatable (`?queue=A&queue=B`). The choices are the known queues, but a
    name nobody knows (yet) is still a name: it matches no element rather than being refused."""

    def valid_value(self, value) -> bool:
        if not isinstance(value, str) or len(value) > 100:
            return False
        # As the path converter of names: PostgreSQL cannot store NUL (and refuses it in a query).
        return "\x00" not in value or connections[settings.ORCHESTRATOR_DB].vendor != "postgresql"


class QueueNamesFilter(django_filters.MultipleChoiceFilter):
    field_class = QueueNamesField


class FlagInput(forms.CheckboxInput):
    """A checkbox whose link form is `?name=1`; `0`, `false` or nothing leave it unticked."""

    def value_from_datadict(self, data, files, name):
        return data.get(name, "").lower() not in ("", "0", "false", "off")


class InboxFilter(ConsoleFilterSet):
    """The failed inbox: FAILED elements (the view gives them) by queue, message, failure time and
    creator. Acknowledged ones are left out, or only they are shown with `acknowledged=1`.

    The failure time is `end_date`; a failure without one (written by hand) counts from its
    created date, as the dashboard's panel counts it, so that the panel's link and this list agree.
    Acknowledgements live in the console's database: `covered_ids` reads them apart.
    """

    queue = QueueNamesFilter(
        field_name="queue_name",
        label=_("Queue"),
        distinct=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    text = django_filters.CharFilter(
        field_name="message",
        lookup_expr="icontains",
        max_length=200,
        label=_("Message contains"),
    )
    group = django_filters.CharFilter(
        method="keep",
        max_length=12,
        label=_("Cause"),
        help_text=_("A group of the “Failed elements by cause” page (its 12-character key)."),
        validators=[
            RegexValidator(
                r"\A[0-9a-f]{12}\Z",
                _(
                    "A cause is 12 characters 0-9 and a-f, as the page “Failed elements by "
                    "cause” links it."
                ),
            )
        ],
    )
    since = FromFilter(field_name="end_date", method="keep", label=_("Failed from"))
    until = UntilFilter(field_name="end_date", method="keep", label=_("Failed to"))
    created_by = django_filters.CharFilter(max_length=100, label=_("Created by"))
    acknowledged = django_filters.BooleanFilter(
        method="keep",
        label=_("Show acknowledged ones instead"),
        widget=FlagInput,
    )

    class Meta:
        model = QueueElement
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        field = self.form.fields["queue"]
        names = [row["queue_name"] for row in queue_overview() if row["failed"]]
        asked = data.getlist("queue") if data is not None and hasattr(data, "getlist") else []
        field.choices = [(n, n) for n in dict.fromkeys([*names, *asked]) if isinstance(n, str)]
        self.form.fields["text"].widget.attrs["autofocus"] = True

    def keep(self, queryset, name, value):
        # failure times and group: see parts(); acknowledged: see covered_ids()
        return queryset

    def offer_queues(self, names) -> None:
        """Also offer the queues of the failures shown: the overview's counts behind the other
        choices may predate a robot's first failure in a new queue by a recount (15 s or more)."""
        field = self.form.fields["queue"]
        offered = [value for value, _label in field.choices]
        extra = [n for n in dict.fromkeys(names) if isinstance(n, str) and n not in offered]
        if extra:
            field.choices = [(n, n) for n in sorted([*offered, *extra])]

    @property
    def acknowledged_only(self) -> bool:
        return bool(self.is_valid() and self.form.cleaned_data.get("acknowledged"))

    def group_members(self) -> set[uuid.UUID] | None:
        """The elements of the `group` asked for, failed in the window ("since", "until"), as the
        groups page counts them (ids from the console's database); None without a group."""
        if not hasattr(self, "_group"):
            self._group: set[uuid.UUID] | None = None
            self._group_order: list[uuid.UUID] = []  # newest failure first
            key = self.form.cleaned_data.get("group") if self.is_valid() else None
            if key:
                data = self.form.cleaned_data
                self._group_order = group_members(key, data.get("since"), data.get("until"))
                self._group = set(self._group_order)
        return self._group

    @property
    def cause(self) -> str | None:
        """The readable signature of the `group` asked for ("" for a key no failure has), None
        without a group."""
        key = self.form.cleaned_data.get("group") if self.is_valid() else None
        if not key:
            return None
        if not hasattr(self, "_cause"):
            self._cause = group_text(key) or ""
        return self._cause

    def group_batches(self) -> list[list[uuid.UUID]] | None:
        """A group too big for one statement (GROUP_SQL_MAX ids), in batches of at most that
        many ids, newest failures first; None for no group or one that parts() narrows to in SQL.
        Then qs and parts() do not name the group's ids: a reader narrows them a batch at a time
        (inbox_rows, inbox_count), or keeps the members in Python (`shown`)."""
        members = self.group_members()
        if members is None or len(members) <= GROUP_SQL_MAX:
            return None
        ids = self._group_order
        return [ids[start : start + GROUP_SQL_MAX] for start in range(0, len(ids), GROUP_SQL_MAX)]

    def shown(self, pk: uuid.UUID) -> bool:
        """Whether a matching failure read from qs or parts() is listed and acted on: by the
        acknowledgement rule (covered_ids), and as a member of the group asked for."""
        members = self.group_members()
        return (pk in self.covered_ids()) == self.acknowledged_only and (
            members is None or pk in members
        )

    def parts(self) -> tuple[QuerySet, QuerySet]:
        """The matching failures with an end date, and those without (then the created date is
        the failure time): each can walk its own index in date order. A group of at most
        GROUP_SQL_MAX elements narrows them by id; a bigger one is left to `shown`."""
        rows = super().qs
        dated = rows.filter(end_date__isnull=False)
        undated = rows.filter(end_date__isnull=True)
        if not self.is_valid():
            return dated, undated
        members = self.group_members()
        if members is not None and len(members) <= GROUP_SQL_MAX:
            ids = self._group_order
            dated, undated = dated.filter(pk__in=ids), undated.filter(pk__in=ids)
        since, until = self.form.cleaned_data.get("since"), self.form.cleaned_data.get("until")
        if since:
            dated = dated.filter(end_date__gte=since)
            undated = undated.filter(created_date__gte=since)
        if until:
            dated = dated.filter(end_date__lt=end_of_second(until))
            undated = undated.filter(created_date__lt=end_of_second(until))
        return dated, undated

    @property
    def qs(self) -> QuerySet:
        """Every matching failure, acknowledged or not (see covered_ids)."""
        if not hasattr(self, "_inbox_qs"):
            dated, undated = self.parts()
            self._inbox_qs = dated | undated
        return self._inbox_qs

    def covered_ids(self) -> set[uuid.UUID]:
        """The matching failures an acknowledgement still covers (Acknowledgement.covers).

        One query on the console's database for the acknowledgements that could cover a match
        (made after "since", in the queues asked for, on the group's members), then one per 500 on
        OpenOrchestrator's: the cost grows with those acknowledgements, not with the failures.
        """
        if hasattr(self, "_covered"):
            return self._covered
        self._covered: set[uuid.UUID] = set()
        if not self.is_valid():
            return self._covered
        data = self.form.cleaned_data
        acks = Acknowledgement.objects.all()
        if data.get("since"):
            acks = acks.filter(acknowledged_at__gte=data["since"])
        if data.get("queue"):
            acks = acks.filter(queue_name__in=data["queue"])
        acknowledged_at = dict(acks.order_by().values_list("element_id", "acknowledged_at"))
        members = self.group_members()
        ids = [pk for pk in acknowledged_at if members is None or pk in members]
        for start in range(0, len(ids), COVER_BATCH):
            chunk = ids[start : start + COVER_BATCH]
            ended = self.qs.filter(pk__in=chunk, end_date__isnull=False).values_list(
                "pk", "end_date"
            )
            self._covered.update(pk for pk, end in ended.order_by() if end <= acknowledged_at[pk])
        return self._covered

    def description(self) -> str:
        """The applied filter in words, for the audit row of an action on all matching."""
        parts = ["status=FAILED"]
        for name, value in self.form.cleaned_data.items():
            if value in (None, "", [], False):
                continue
            if isinstance(value, list):
                value = ",".join(value)
            if name == "group":
                value = f"{value} “{self.cause or 'no failure has this cause'}”"
            parts.append(f"{name}={value}")
        if not self.form.cleaned_data.get("acknowledged"):
            parts.append("not acknowledged")
        return "; ".join(parts)


# Acknowledged element ids per query on OpenOrchestrator's database (SQL Server: < 2100 parameters).
COVER_BATCH = 500
# A group's element ids in one query, besides COVER_BATCH and the filter's own (queues <= 100).
GROUP_SQL_MAX = 1000
