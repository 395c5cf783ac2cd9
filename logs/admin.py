"""Read-only admins of Logs and Jobs. Logs can only be deleted through the audited action."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy, ngettext

from logs import services
from logs.models import Log
from orchestrator_site.admin_base import ConsoleModelAdmin
from orchestrator_site.errorline import summary_line
from orchestrator_site.paging import CappedPaginator
from orchestrator_site.reporting import report_result
from triggers.models import Job


class ReadOnlyAdmin(ConsoleModelAdmin):
    """No add, change or delete (the base's default): no unaudited delete view or built-in
    "delete selected"."""

    paginator = CappedPaginator
    show_full_result_count = False
    list_per_page = 50


@admin.register(Log)
class LogAdmin(ReadOnlyAdmin):
    list_display = ("log_time", "log_level", "process_name", "first_line_short", "job_id")
    list_filter = ("log_level", "log_time")
    search_fields = ("process_name",)  # the search box; get_search_results does the matching
    search_help_text = gettext_lazy("An exact process name, or a job id.")
    actions = ["delete_logs_audited"]

    def get_search_results(self, request, queryset, search_term):
        # Exact and case-sensitive on purpose: the admin's own `=field` search is iexact, a LIKE
        # that cannot use the (process_name, log_time) index and scans a million rows.
        term = search_term.strip().strip('"')
        if not term:
            return queryset, False
        try:
            return queryset.filter(job_id=uuid.UUID(term)), False
        except ValueError:
            return queryset.filter(process_name=term), False

    @admin.display(description=gettext_lazy("Message"))
    def first_line_short(self, obj: Log) -> str:
        line = summary_line(obj.log_message)  # for a failed job: the exception, as every list
        return line if len(line) <= 120 else line[:120] + "…"

    def has_purge_permission(self, request) -> bool:
        return request.user.has_perm("logs.delete_log")

    @admin.action(description=gettext_lazy("Delete selected logs (audited)"), permissions=["purge"])
    def delete_logs_audited(self, request, queryset):
        cap = settings.CONSOLE_COUNT_CAP
        ids = list(queryset.order_by().values_list("pk", flat=True)[: cap + 1])
        if len(ids) > cap:
            self.message_user(
                request,
                gettext("Select at most %(cap)s logs; use manage.py purge_logs for more.")
                % {"cap": f"{cap:,}"},
                "error",
            )
            return None
        if not self.confirmed(request):
            return self.confirm_action(
                request,
                action="delete_logs_audited",
                ids=ids,
                question=ngettext("Delete %(count)d log?", "Delete %(count)d logs?", len(ids))
                % {"count": len(ids)},
                note=gettext(
                    "They cannot be restored; the deletion is recorded in the audit trail."
                ),
                yes=gettext("Yes, delete %(count)d") % {"count": len(ids)},
            )
        report_result(
            request, services.delete_logs(user=request.user, ids=ids, reason="admin action")
        )
        return None


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("start_time", "end_time", "status", "process_name", "scheduler_name")
    list_filter = ("status", "start_time")
    search_fields = ("process_name",)
    search_help_text = gettext_lazy("An exact process or Scheduler name.")
    actions = None

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().strip('"')
        if not term:
            return queryset, False
        return queryset.filter(Q(process_name=term) | Q(scheduler_name=term)), False
