from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from orchestrator_site.filters import ConsoleFilterSet
from triggers.models import Trigger, TriggerStatus, TriggerType


class TriggerFilter(ConsoleFilterSet):
    q = django_filters.CharFilter(
        method="search",
        label="Search",
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "name, process, path, queue"}
        ),
    )
    type = django_filters.ChoiceFilter(choices=TriggerType.choices, empty_label="Any type")
    status = django_filters.MultipleChoiceFilter(
        field_name="process_status", choices=TriggerStatus.choices, label="Status"
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
