"""Filters shared by the areas' FilterSets, and the audit trail's filter."""

from __future__ import annotations

import copy

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_filters.constants import EMPTY_VALUES

from orchestrator_site import audit, audit_targets
from orchestrator_site.forms import LocalDateTimeField, end_of_second
from orchestrator_site.models import AuditEntry
from orchestrator_site.paging import PER_PAGE_CHOICES


class LocalDateTimeFilter(django_filters.DateTimeFilter):
    """Any date bound of a list goes through the one shared date field (years 1900..9998)."""

    field_class = LocalDateTimeField


class FromFilter(LocalDateTimeFilter):
    """A “From” bound: rows at or after it."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("lookup_expr", "gte")
        super().__init__(*args, **kwargs)


class UntilFilter(LocalDateTimeFilter):
    """A “To” bound that includes the whole second shown: 10:30:15 keeps 10:30:15.999999."""

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        return qs.filter(**{f"{self.field_name}__lt": end_of_second(value)})


class FilterForm(forms.Form):
    """The form of every ConsoleFilterSet: each “To” must not be before its “From”."""

    ranges: tuple[tuple[str, str], ...] = ()  # (from, to) field names, set by ConsoleFilterSet

    def clean(self):
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns (typed as optional)
        for start_name, end_name in self.ranges:
            start, end = data.get(start_name), data.get(end_name)
            if start and end and start > end:
                self.add_error(end_name, _("“To” must not be before “From”."))
        return data


class _DeclaredFilters(dict):
    """A FilterSet class's filters (base_filters), which django-filter deep-copies for every
    instance. A deep copy also walked what each filter was declared with, its `extra`: a widget,
    choices and their labels, lengths. Nothing changes those after the class is built (a page
    that changes a field changes its form's copy), so the copies share them; each filter itself
    (the FilterSet and model it is given, its method bound to it) is still the instance's own."""

    def __deepcopy__(self, memo: dict) -> dict:
        for declared in self.values():
            for value in declared.extra.values():
                memo.setdefault(id(value), value)
        return {name: copy.deepcopy(declared, memo) for name, declared in self.items()}


class ConsoleFilterSet(django_filters.FilterSet):
    """A FilterSet that filters only a valid form: invalid input gives no rows (the page shows
    the form's errors), never a filter with the bad field silently left out, as django-filter's
    own `qs` does. Pairs of FromFilter/UntilFilter on one column are checked as a range."""

    @property
    def qs(self) -> QuerySet:
        if not hasattr(self, "_qs"):
            valid = not self.is_bound or self.is_valid()
            self._qs = super().qs if valid else self.queryset.none()
        return self._qs

    @classmethod
    def get_filters(cls):
        return _DeclaredFilters(super().get_filters())

    def get_form_class(self):
        """django-filter's form class, on FilterForm (whatever `Meta.form` a subclass names).

        Built once per FilterSet class rather than per request (django-filter builds a new class,
        and a new field per filter, on every request): every instance's filters are deep copies
        of the same declared ones, and each form instance deep-copies the class's fields anyway.
        A page that changes a field (choices offered by the data) changes its form's copy."""
        form_class = type(self).__dict__.get("_console_form_class")
        if form_class is None:
            form_class = self._build_form_class()
            type(self)._console_form_class = form_class
        return form_class

    def _build_form_class(self):
        base = self._meta.form
        if not issubclass(base, FilterForm):
            base = type(base.__name__, (FilterForm, base), {})
        fields: dict = {name: f.field for name, f in self.filters.items()}
        fields["ranges"] = tuple(
            (start, end)
            for end, until in self.filters.items()
            if isinstance(until, UntilFilter)
            for start, since in self.filters.items()
            if isinstance(since, FromFilter) and since.field_name == until.field_name
        )
        return type(f"{type(self).__name__}Form", (base,), fields)


def _unchanged(queryset: QuerySet, name: str, value) -> QuerySet:
    return queryset


def sort_filter(choices: tuple[str, ...]) -> django_filters.ChoiceFilter:
    """The list's `sort` as a hidden field, so that filtering keeps the order (and an export
    sorts the same way). The table orders the page; orchestrator_site.paging validates it there."""
    return django_filters.ChoiceFilter(
        choices=[(c, c) for c in choices],
        method=_unchanged,
        label=gettext_lazy("Sort"),
        widget=forms.HiddenInput,
    )


class GroupKeyField(forms.RegexField):
    """A failure group's key (orchestrator_site.signatures): 12 hexadecimal digits."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("regex", r"\A[0-9a-f]{12}\Z")
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault(
            "error_messages",
            {"invalid": gettext_lazy("Not a failure group: a group is 12 hexadecimal digits.")},
        )
        super().__init__(**kwargs)


class GroupKeyFilter(django_filters.CharFilter):
    """`group`: the rows of one failure group; the FilterSet's `method` narrows to it."""

    field_class = GroupKeyField


def per_page_filter() -> django_filters.ChoiceFilter:
    """A “Per page” select inside a filter form; the paging itself reads and checks `per_page`."""
    return django_filters.ChoiceFilter(
        choices=[(str(n), str(n)) for n in PER_PAGE_CHOICES],
        method=_unchanged,
        label=gettext_lazy("Per page"),
        empty_label="50",
    )


class AuditFilter(ConsoleFilterSet):
    username = django_filters.CharFilter(
        lookup_expr="icontains", label=gettext_lazy("User"), max_length=150
    )
    action = django_filters.ChoiceFilter(
        choices=audit_targets.action_choices, label=gettext_lazy("Action")
    )
    outcome = django_filters.ChoiceFilter(
        choices=AuditEntry.Outcome.choices, label=gettext_lazy("Outcome")
    )
    after = FromFilter(field_name="at", label=pgettext_lazy("time", "From"))
    before = UntilFilter(field_name="at", label=pgettext_lazy("time", "To"))
    target_type = django_filters.ChoiceFilter(
        choices=audit_targets.kind_choices, label=gettext_lazy("Target type")
    )
    target_name = django_filters.CharFilter(
        method="filter_target_name", label=gettext_lazy("Target name contains"), max_length=200
    )
    # Exactly one of a row's targets: the admin's "Audit trail" links of one object use it.
    # Not stripped: a name is data, and "Report " is not "Report".
    target = django_filters.CharFilter(
        method="filter_target", label=gettext_lazy("Target id"), max_length=200, strip=False
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def filter_target_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The names recorded when the row was written, and the ids of the kinds whose ids are
        names (credentials, queues, processes: rows written before names were recorded too)."""
        return queryset.filter(
            Q(target_names__icontains=audit.name_search_text(value))
            | Q(target_type__in=audit_targets.names_are_ids()) & _in_ids(value, exact=False)
        )

    def filter_target(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Rows whose targets (one per line) include exactly `value`."""
        return queryset.filter(_in_ids(value, exact=True))


def _in_ids(value: str, *, exact: bool) -> Q:
    """Rows whose target_ids hold `value` as one of their ids (`exact`) or inside one, as each row
    writes them (audit.escape_id since ids_escaped; as they were before)."""

    def holds(text: str) -> Q:
        if not exact:
            return Q(target_ids__icontains=text)
        return (
            Q(target_ids=text)
            | Q(target_ids__startswith=f"{text}\n")
            | Q(target_ids__endswith=f"\n{text}")
            | Q(target_ids__contains=f"\n{text}\n")
        )

    escaped = audit.escape_id(value)
    if escaped == value:
        return holds(value)
    return Q(ids_escaped=True) & holds(escaped) | Q(ids_escaped=False) & holds(value)
