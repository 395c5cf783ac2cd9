"""The history's filter: by rule, outcome, channel and event."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy

from alerts.models import AlertRule, Channel, Delivery, DeliveryStatus, Event
from orchestrator_site.filters import ConsoleFilterSet


class DeliveryFilter(ConsoleFilterSet):
    rule = django_filters.ModelChoiceFilter(
        queryset=AlertRule.objects.order_by("name"), label=gettext_lazy("Rule")
    )
    status = django_filters.ChoiceFilter(
        choices=DeliveryStatus.choices, label=gettext_lazy("Outcome")
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=gettext_lazy("Channel"))
    event = django_filters.ChoiceFilter(choices=Event.choices, label=gettext_lazy("Event"))

    class Meta:
        model = Delivery
        fields: list[str] = []
