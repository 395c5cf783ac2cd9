"""The filter of a queue's elements. Every GET parameter of the list, export and bulk pages goes here."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Q

from orchestrator_site import clock
from orchestrator_site.filters import (
    ConsoleFilterSet,
    FilterForm,
    FromFilter,
    UntilFilter,
    sort_filter,
)
from queues.models import QueueElement, QueueStatus

# Orderings the element table declares, and nothing else.
SORTABLE = ("reference", "status", "created_date", "start_date", "end_date", "created_by")
ELEMENT_SORTS = tuple(f"{sign}{name}" for name in SORTABLE for sign in ("", "-"))


class ElementFilterForm(FilterForm):
    def clean(self):
        super().clean()  # FilterForm checks every From/To pair
        data = self.cleaned_data  # what Form.clean() returns (typed as optional)
        if data.get("reference_match") and not data.get("reference"):
            data["reference_match"] = ""
        return data


class ElementFilter(ConsoleFilterSet):
    """Elements of one queue (the view narrows the queryset to it before filtering)."""

    status = django_filters.MultipleChoiceFilter(
        choices=QueueStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # one row per element anyway; DISTINCT would make every query slower
    )
    reference = django_filters.CharFilter(method="filter_reference", max_length=100)
    reference_match = django_filters.ChoiceFilter(
        choices=[("exact", "is exactly"), ("startswith", "starts with")],
        method="keep",
        label="Reference match",
        empty_label=None,
    )
    text = django_filters.CharFilter(
        method="filter_text", max_length=200, label="Data or message contains"
    )
    created_by = django_filters.CharFilter(max_length=100, label="Created by")
    created_from = FromFilter(field_name="created_date", label="Created from")
    created_to = UntilFilter(field_name="created_date", label="Created to")
    started_from = FromFilter(field_name="start_date", label="Started from")
    started_to = UntilFilter(field_name="start_date", label="Started to")
    ended_from = FromFilter(field_name="end_date", label="Ended from")
    ended_to = UntilFilter(field_name="end_date", label="Ended to")
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

    def text_window_start(self) -> dt.datetime | None:
        """A text search without “Created from” covers CONSOLE_TEXT_SEARCH_DAYS before “Created to”/now."""
        data = self.form.cleaned_data
        if not data.get("text") or data.get("created_from"):
            return None
        end = data.get("created_to") or clock.now()
        return end - dt.timedelta(days=settings.CONSOLE_TEXT_SEARCH_DAYS)

    def filter_text(self, queryset, name, value):
        # A substring search reads every row it considers: keep it inside a created_date window.
        window_start = self.text_window_start()
        if window_start is not None:
            queryset = queryset.filter(created_date__gte=window_start)
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
        window = self.text_window_start()
        if window is not None:
            parts.append(f"created_from(text window)={window:%Y-%m-%d %H:%M:%S}")
        return "; ".join(parts)
