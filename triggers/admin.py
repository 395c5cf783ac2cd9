"""Django admin for triggers and schedulers. Every change goes through triggers.services.

Creating and editing triggers happens on the console's own forms (they validate cron expressions
and write the parent and child rows together), so the admin shows triggers read-only and offers
the status actions.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from orchestrator_site import clock
from orchestrator_site.admin_base import ConsoleModelAdmin
from orchestrator_site.reporting import report_result
from orchestrator_site.writes import WriteResult
from triggers import services
from triggers.models import Scheduler, SchedulerState, Trigger, TriggerStatus

REFUSALS_SHOWN = 10  # the reasons named in the one message; the rest are counted


# What an action did, counted ("Paused 3 of 4 triggers"), by the action; plural by "count".
COUNTED = {
    "pause": ngettext_lazy(
        "Paused %(changed)d of %(count)d trigger",
        "Paused %(changed)d of %(count)d triggers",
        "count",
    ),
    "resume": ngettext_lazy(
        "Resumed %(changed)d of %(count)d trigger",
        "Resumed %(changed)d of %(count)d triggers",
        "count",
    ),
    "run": ngettext_lazy(
        "Started %(changed)d of %(count)d trigger",
        "Started %(changed)d of %(count)d triggers",
        "count",
    ),
    "kill": ngettext_lazy(
        "Kill requested for %(changed)d of %(count)d trigger",
        "Kill requested for %(changed)d of %(count)d triggers",
        "count",
    ),
}


def _apply(request: HttpRequest, queryset: QuerySet, service, action: str) -> None:
    """Run `service` on each trigger (one write and one audit row each), then report once."""
    results = [
        (trigger.trigger_name, service(user=request.user, trigger=trigger))
        for trigger in queryset.select_related("single", "scheduled", "queue")
    ]
    report_result(request, _aggregate(results, action))


def _aggregate(results: list[tuple[str, WriteResult]], action: str) -> WriteResult:
    """ "Paused 3 of 4 triggers; 1 skipped: <why>.", then each write's warnings under its trigger's
    name (a warning alone does not say which trigger it is about). In the admin's language: the
    audit rows are the writes' own."""
    changed = sum(1 for _name, result in results if result.changed)
    refusals = [str(result.message) for _name, result in results if not result.changed]
    counted = COUNTED[action] % {"changed": changed, "count": len(results)}
    message = _("%(counted)s.") % {"counted": counted}
    if refusals:
        message = _("%(counted)s; %(skipped)d skipped: %(reasons)s") % {
            "counted": counted,
            "skipped": len(refusals),
            "reasons": " ".join(refusals[:REFUSALS_SHOWN]),
        }
        if len(refusals) > REFUSALS_SHOWN:
            more = _("And %(more)d more.") % {"more": len(refusals) - REFUSALS_SHOWN}
            message = f"{message} {more}"
    return WriteResult(
        asked=len(results),
        changed=changed,
        message=message,
        warnings=[f"{name}: {w}" for name, result in results for w in result.warnings],
    )


@admin.register(Trigger)
class TriggerAdmin(ConsoleModelAdmin):
    # No add (the console's forms write the parent and child rows together), no change (a bare
    # save() of a row read earlier could overwrite a Scheduler's change), no delete (it needs the
    # child row first and a status check: the console's page).
    list_display = (
        "trigger_name",
        "type",
        "process_status",
        "process_name",
        "last_run",
        "priority",
        "is_blocking",
        "is_git_repo",
    )
    list_filter = ("type", "process_status", "is_blocking", "is_git_repo")
    search_fields = ("trigger_name", "process_name", "process_path", "queue__queue_name")
    ordering = ("trigger_name",)
    actions = ["pause", "resume", "run_now", "kill"]
    readonly_fields = (
        "trigger_name",
        "process_name",
        "process_path",
        "process_args",
        "process_status",
        "last_run",
        "is_git_repo",
        "git_branch",
        "is_blocking",
        "scheduler_whitelist",
        "priority",
        "type",
    )

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("triggers.operate_trigger")

    @admin.action(description=gettext_lazy("Pause selected triggers"), permissions=["operate"])
    def pause(self, request, queryset):
        _apply(request, queryset, services.pause_trigger, "pause")

    @admin.action(description=gettext_lazy("Resume selected triggers"), permissions=["operate"])
    def resume(self, request, queryset):
        _apply(request, queryset, services.resume_trigger, "resume")

    @admin.action(description=gettext_lazy("Run selected triggers now"), permissions=["operate"])
    def run_now(self, request, queryset):
        _apply(request, queryset, services.run_trigger_now, "run")

    @admin.action(
        description=gettext_lazy("Kill selected running triggers"), permissions=["operate"]
    )
    def kill(self, request, queryset):
        running = queryset.filter(process_status__in=(TriggerStatus.RUNNING, TriggerStatus.PAUSING))
        _apply(request, running, services.kill_trigger, "kill")


@admin.register(Scheduler)
class SchedulerAdmin(ConsoleModelAdmin):
    writes = frozenset({"delete"})  # forget a retired machine; rows come from the Schedulers' pings
    list_display = (
        "machine_name",
        "status",
        "last_update",
        "latest_trigger",
        "latest_trigger_time",
    )
    search_fields = ("machine_name", "latest_trigger")
    readonly_fields = ("machine_name", "last_update", "latest_trigger", "latest_trigger_time")

    @admin.display(description=gettext_lazy("Status"))
    def status(self, obj: Scheduler) -> str:
        return str(SchedulerState(obj.state(clock.now())).label)

    def delete_model(self, request, obj: Scheduler) -> None:
        services.forget_scheduler(user=request.user, machine_name=obj.machine_name)

    def delete_queryset(self, request, queryset) -> None:
        for machine_name in queryset.values_list("machine_name", flat=True):
            services.forget_scheduler(user=request.user, machine_name=machine_name)
