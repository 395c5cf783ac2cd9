from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orchestrator_site.filters import (
    ConsoleFilterSet,
    FromFilter,
    UntilFilter,
    per_page_filter,
    sort_filter,
)
from triggers.models import Job, JobStatus, Trigger, TriggerStatus, TriggerType

# Orderings JobTable declares (and nothing else): the `sort` parameter is validated against these.
JOB_SORTS = tuple(
    f"{sign}{name}"
    for name in ("start_time", "end_time", "process_name", "scheduler_name", "status")
    for sign in ("", "-")
)


class TriggerFilter(ConsoleFilterSet):
    q = django_filters.CharFilter(
        method="search",
        label=_("Search"),
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("name, process, path, queue")}
        ),
    )
    type = django_filters.ChoiceFilter(
        choices=TriggerType.choices,
        label=pgettext_lazy("trigger", "Type"),
        empty_label=_("Any type"),
    )
    status = django_filters.MultipleChoiceFilter(
        field_name="process_status",
        choices=TriggerStatus.choices,
        label=_("Status"),
        distinct=False,  # a column of the row itself: DISTINCT would only add a sort
    )

    class Meta:
        model = Trigger
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Substring search; the Triggers table holds hundreds of rows, not millions."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(trigger_name__icontains=value)
            | Q(process_name__icontains=value)
            | Q(process_path__icontains=value)
            | Q(queue__queue_name__icontains=value)
        )


class JobFilter(ConsoleFilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=JobStatus.choices,
        label=_("Status"),
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # a column of the row itself: DISTINCT would only add a sort
    )
    process = django_filters.CharFilter(
        field_name="process_name", label=_("Process"), max_length=100
    )
    scheduler = django_filters.CharFilter(
        field_name="scheduler_name", label=_("Scheduler"), max_length=100
    )
    start = FromFilter(field_name="start_time", label=_("Started from"))
    end = UntilFilter(field_name="start_time", label=_("Started until"))
    sort = sort_filter(JOB_SORTS)
    per_page = per_page_filter()

    class Meta:
        model = Job
        fields: list[str] = []
