"""Search over the vault's lists (small tables: a few hundred rows at most)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy

from orchestrator_site.filters import ConsoleFilterSet
from vault.models import Constant, Credential


class NameSearchFilter(ConsoleFilterSet):
    """One search box over the name and one more column (`search_fields`)."""

    search_fields: tuple[str, ...] = ("name",)
    q = django_filters.CharFilter(method="search", label=gettext_lazy("Search"), max_length=100)

    def search(self, queryset, name, value):
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class CredentialFilter(NameSearchFilter):
    search_fields = ("name", "username")

    class Meta:
        model = Credential
        fields: list[str] = []


class ConstantFilter(NameSearchFilter):
    search_fields = ("name", "value")

    class Meta:
        model = Constant
        fields: list[str] = []
