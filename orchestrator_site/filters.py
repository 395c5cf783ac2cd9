from __future__ import annotations

import django_filters
from django import forms

from orchestrator_site.models import AuditEntry


class AuditFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(lookup_expr="icontains", label="User")
    action = django_filters.CharFilter(lookup_expr="icontains")
    outcome = django_filters.ChoiceFilter(choices=AuditEntry.Outcome.choices)
    after = django_filters.DateTimeFilter(
        field_name="at",
        lookup_expr="gte",
        label="From",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    before = django_filters.DateTimeFilter(
        field_name="at",
        lookup_expr="lte",
        label="To",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    target = django_filters.CharFilter(field_name="target_ids", lookup_expr="icontains")

    class Meta:
        model = AuditEntry
        fields: list[str] = []
