"""The base of every ModelAdmin on the site: list lookups, search and sorting deny by default, and
add, change and delete are off unless the subclass routes them through a service.

Django's stock admin lets anyone who may open a list filter it by any local column
(`?password__startswith=gAAAA...`), sort it by any displayed column and write with a bare `save()` or
`delete()`. The console's admin is used by Operators, who must not learn a credential's token and
must not bypass the services' conditions and audit rows, so every admin derives from
ConsoleModelAdmin (a test walks `admin.site._registry`).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import F
from django.db.models.constants import LOOKUP_SEP
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

DATE_HIERARCHY_PARTS = ("year", "month", "day")


def secret_fields(model) -> tuple[str, ...]:
    """Columns of `model` that no list may filter, search or sort by (its admin's `secret_fields`)."""
    return getattr(admin.site._registry.get(model), "secret_fields", ())


def touches_secret(model, path: str) -> bool:
    """Whether a lookup, search or ordering path (`a__b__startswith`) reads a secret column of any
    model it passes through."""
    for part in path.lstrip("-").split(LOOKUP_SEP):
        if part in secret_fields(model):
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a lookup or a transform: the path has ended
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def _paths(ordering) -> list[str]:
    """The column paths an ordering reads: a path itself, or the F()s inside an expression."""
    if isinstance(ordering, str):
        return [ordering]
    return [node.name for node in ordering.flatten() if isinstance(node, F)]


class ConsoleChangeList(ChangeList):
    """Refuses (Django's "?e=1" page) what the stock list would ignore or apply unchecked."""

    def get_filters(self, request):
        asked = set(self.get_filters_params())
        filters = super().get_filters(request)
        unused = asked & set(filters[2])  # parameters that no declared filter took
        if unused:
            raise IncorrectLookupParameters(f"Not a filter of this list: {sorted(unused)}")
        return filters

    def get_ordering(self, request, queryset):
        for part in filter(None, self.params.get(ORDER_VAR, "").split(".")):
            column = self._sortable_column(part.rpartition("-")[2])
            ordering = self.get_ordering_field(column)
            if not ordering or any(touches_secret(self.model, p) for p in _paths(ordering)):
                raise IncorrectLookupParameters(f"This list cannot be sorted by {column}.")
        return super().get_ordering(request, queryset)

    def _sortable_column(self, index: str):
        try:
            column = self.list_display[int(index)]
        except (IndexError, ValueError):
            raise IncorrectLookupParameters(f"No column {index!r} to sort by.") from None
        if self.sortable_by is None or column not in self.sortable_by:
            raise IncorrectLookupParameters(f"This list cannot be sorted by {column}.")
        return column


class ConsoleModelAdmin(admin.ModelAdmin):
    """Deny by default. A list accepts only the parameters of its declared `list_filter` and
    `date_hierarchy`, searches only its declared `search_fields` and sorts only by its sortable
    columns, none of them a `secret_fields` column. Add, change and delete are off unless named in
    `writes`, and then the subclass must route `save_model` / `delete_model` / `delete_queryset`
    through a service (conditional, audited): the base refuses a bare write with 403.
    """

    secret_fields: tuple[str, ...] = ()
    writes: frozenset[str] = frozenset()  # of "add", "change", "delete"
    # The audit trail's `target_type` of this model's rows: its "History" is then their audit trail
    # (every change of the console is written there by its service; Django's LogEntry history
    # would only show what the admin's own delete did). "" keeps Django's history.
    audit_target_type: str = ""
    # Facet counts are a COUNT per filter choice over the whole table, on every page of a list.
    show_facets = admin.ShowFacets.NEVER

    def get_changelist(self, request: HttpRequest, **kwargs):
        return ConsoleChangeList

    # Django 6's signature: request is required. Django 5.2 still allows the deprecated request=None,
    # which the admin itself never passes and this check cannot answer without a request.
    def lookup_allowed(  # type: ignore[override]
        self, lookup: str, value: str, request: HttpRequest
    ) -> bool:
        """The first gate (400): a parameter must name a declared filter; ConsoleChangeList then
        refuses (?e=1) any parameter that no declared filter consumed, e.g. `status__regex`."""
        if touches_secret(self.model, lookup):
            return False
        exact, paths = self._filter_parameters(request)
        return lookup in exact or any(
            lookup == path or lookup.startswith(path + LOOKUP_SEP) for path in paths
        )

    def _filter_parameters(self, request: HttpRequest) -> tuple[set[str], set[str]]:
        """Parameter names of the declared simple filters and date hierarchy, and the field paths of
        the declared field filters (whose exact parameter names Django's filter classes choose)."""
        exact: set[str] = set()
        paths: set[str] = set()
        for item in self.get_list_filter(request):
            field = item[0] if isinstance(item, (list, tuple)) else item
            if isinstance(field, str):
                paths.add(field)
            elif isinstance(field, type) and issubclass(field, SimpleListFilter):
                if field.parameter_name is not None:  # Django refuses such a filter anyway
                    exact.add(field.parameter_name)
        if self.date_hierarchy:
            exact.update(f"{self.date_hierarchy}__{part}" for part in DATE_HIERARCHY_PARTS)
        return exact, paths

    def get_search_fields(self, request: HttpRequest):
        fields = super().get_search_fields(request)
        return [f for f in fields if not touches_secret(self.model, f.lstrip("^=@"))]

    def get_sortable_by(self, request: HttpRequest):
        columns = super().get_sortable_by(request)
        return [c for c in columns if not (isinstance(c, str) and touches_secret(self.model, c))]

    def to_field_allowed(self, request: HttpRequest, to_field: str) -> bool:
        if touches_secret(self.model, to_field):
            return False
        return super().to_field_allowed(request, to_field)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return "add" in self.writes and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return "change" in self.writes and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return "delete" in self.writes and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        raise PermissionDenied("The admin saves only through the console's services.")

    def delete_model(self, request: HttpRequest, obj) -> None:
        raise PermissionDenied("The admin deletes only through the console's services.")

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        raise PermissionDenied("The admin deletes only through the console's services.")

    def audit_target_id(self, obj) -> str:
        """What the audit trail records as this object's target id (its primary key)."""
        return str(obj.pk)

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        if not self.audit_target_type:
            return super().history_view(request, object_id, extra_context)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with that id.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return redirect(self.audit_url(obj))

    def audit_url(self, obj) -> str:
        query = urlencode(
            {"target_type": self.audit_target_type, "target": self.audit_target_id(obj)}
        )
        return f"{reverse('audit')}?{query}"

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        """The object's page; its "History" button says where it leads (see history_view)."""
        context = {"history_label": "Audit trail" if self.audit_target_type else "History"}
        return super().change_view(
            request, object_id, form_url, {**context, **(extra_context or {})}
        )

    @staticmethod
    def confirmed(request: HttpRequest) -> bool:
        """Whether the person said yes on confirm_action's page (Django's `post=yes`)."""
        return request.POST.get("post") == "yes"

    def confirm_action(
        self,
        request: HttpRequest,
        *,
        action: str,
        ids: list,
        question: str,
        note: str,
        yes: str = "Yes, delete",
        sample: list[str] | tuple[str, ...] = (),
    ) -> TemplateResponse:
        """The page that asks before a destructive admin action; it posts the same selection
        back with `post=yes` (see `confirmed`)."""
        return TemplateResponse(
            request,
            "orchestrator_site/admin_confirm_action.html",
            {
                **self.admin_site.each_context(request),
                "title": question,
                "opts": self.model._meta,
                "question": question,
                "note": note,
                "yes": yes,
                "sample": sample,
                "ids": ids,
                "action": action,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )
