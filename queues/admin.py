from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orchestrator_site.admin_base import ConsoleModelAdmin
from orchestrator_site.display import shortened
from orchestrator_site.paging import CappedPaginator
from orchestrator_site.reversing import id_url
from queues import actions, services
from queues.forms import MAX_SELECTION
from queues.models import Acknowledgement, QueueElement, queue_overview
from queues.tables import MESSAGE_CHARS


class QueueNameFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue_name"

    def lookups(self, request, model_admin):
        # From the cached overview: no SELECT DISTINCT over the whole table on every page.
        return [(row["queue_name"], row["queue_name"]) for row in queue_overview()]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(queue_name=value) if value else queryset


@admin.register(QueueElement)
class QueueElementAdmin(ConsoleModelAdmin):
    """Read-only rows (the console's form writes exactly OpenOrchestrator's format); retry, delete
    and acknowledge are actions through the services. There is no per-object delete page: it would
    delete an element a robot is working on."""

    list_display = (
        "reference",
        "queue_name",
        "status",
        "message_short",
        "created_date",
        "start_date",
        "end_date",
        "created_by",
    )
    list_filter = ("status", QueueNameFilter)
    # A reference by its start (the index serves it), a message by any part (as the pages search).
    search_fields = ("^reference", "message")
    search_help_text = _("The start of a reference, or any part of a message.")
    ordering = ("-created_date",)
    show_full_result_count = False
    paginator = CappedPaginator
    list_per_page = 50
    actions = ("retry_selected", "acknowledge_selected", "delete_elements")
    audit_target_type = "queue element"

    def view_on_site(self, obj: QueueElement) -> str:
        return id_url("queues:element", obj.pk)

    @admin.display(description=_("Message"))
    def message_short(self, obj: QueueElement) -> str:
        """Cut as the element lists cut it; the admin escapes it (a message is hostile text)."""
        return shortened(obj.message or "", MESSAGE_CHARS)

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("queues.retry_queueelement")

    def has_acknowledge_permission(self, request) -> bool:
        return request.user.has_perm("queues.acknowledge_queueelement")

    def has_remove_permission(self, request) -> bool:
        return request.user.has_perm("queues.delete_queueelement")

    # Each action opens the console's own confirmation page for the selection (count, skips,
    # sample); its button posts to the console's action, which calls the service and comes back here.
    @admin.action(permissions=["retry"], description=_("Retry selected failed/abandoned elements…"))
    def retry_selected(self, request, queryset):
        return self._confirm(request, queryset, services.RETRY)

    @admin.action(permissions=["acknowledge"], description=_("Acknowledge selected failures…"))
    def acknowledge_selected(self, request, queryset):
        return self._confirm(request, queryset, services.ACKNOWLEDGE)

    @admin.action(
        permissions=["remove"], description=_("Delete selected elements (not in progress)…")
    )
    def delete_elements(self, request, queryset):
        return self._confirm(request, queryset, services.DELETE)

    def _confirm(self, request, queryset, action: str):
        ids = list(queryset.values_list("pk", flat=True)[:MAX_SELECTION])
        return actions.confirmation(
            request, actions.CONFIRM_TEMPLATE[action], ids=ids, next_url=request.get_full_path()
        )


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ConsoleModelAdmin):
    list_display = (
        "element_id",
        "queue_name",
        "acknowledged_by_name",
        "acknowledged_at",
        "comment",
    )
    list_filter = ("queue_name",)
    search_fields = ("=element_id", "acknowledged_by_name")
    audit_target_type = "queue element"  # acknowledging and undoing it are audited per element

    def audit_target_id(self, obj: Acknowledgement) -> str:
        return str(obj.element_id)
