"""Django admin for triggers and schedulers. Every change goes through triggers.services.

Creating and editing triggers happens on the console's own forms (they validate cron expressions
and write the parent and child rows together), so the admin shows triggers read-only and offers
the status actions the pages offer, asking where the pages ask: pausing a running trigger, running
now and killing on a confirmation page; resuming an overdue trigger, resetting a stale one and
deleting one on the console's own page for it, which then comes back here.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from orchestrator_site import clock
from orchestrator_site.admin_base import ConsoleModelAdmin
from orchestrator_site.display import datetime_text, status_label
from orchestrator_site.reporting import report_result
from orchestrator_site.reversing import id_url
from orchestrator_site.writes import WriteResult
from triggers import services
from triggers.models import Scheduler, Trigger, TriggerStatus, TriggerType

REFUSALS_SHOWN = 10  # the reasons named in the one message; the rest are counted
NAMES_SHOWN = 10  # trigger names on a confirmation page


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


def _apply(request: HttpRequest, triggers: list[Trigger], service, action: str) -> None:
    """Run `service` on each trigger (one write and one audit row each), then report once."""
    results = [
        (trigger.trigger_name, service(user=request.user, trigger=trigger)) for trigger in triggers
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


def _names(triggers: list[Trigger]) -> str:
    names = ", ".join(f"“{t.trigger_name}”" for t in triggers[:NAMES_SHOWN])
    more = len(triggers) - NAMES_SHOWN
    if more > 0:
        return _("%(names)s and %(more)d more") % {"names": names, "more": more}
    return names


@admin.register(Trigger)
class TriggerAdmin(ConsoleModelAdmin):
    # No add (the console's forms write the parent and child rows together), no change (a bare
    # save() of a row read earlier could overwrite a Scheduler's change), no delete here (it needs
    # the child row first and a status check: the console's page, which the delete action opens).
    audit_target_type = "trigger"
    list_display = (
        "trigger_name",
        "type",
        "process_status",
        "cron",
        "next_run_shown",
        "queue_shown",
        "whitelist",
        "process_name",
        "last_run",
        "priority",
    )
    list_filter = ("type", "process_status", "is_blocking", "is_git_repo")
    search_fields = ("trigger_name", "process_name", "process_path", "queue__queue_name")
    ordering = ("trigger_name",)
    actions = ["pause", "resume", "run_now", "kill", "reset", "delete_trigger"]
    fields = (
        "trigger_name",
        "type",
        "process_status",
        "cron",
        "next_run_shown",
        "queue_shown",
        "whitelist",
        "process_name",
        "process_path",
        "process_args",
        "is_git_repo",
        "git_branch",
        "is_blocking",
        "priority",
        "last_run",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return Trigger.objects.with_children()  # the child rows in the same query

    # Each column of one child table: the admin's "-" for the other kinds of trigger (returned as
    # text: the object's page would print None as "None").

    @admin.display(description=gettext_lazy("Cron"))
    def cron(self, obj: Trigger) -> str:
        if obj.type != TriggerType.SCHEDULED:
            return self.get_empty_value_display()
        return obj.scheduled.cron_expr

    @admin.display(description=gettext_lazy("Next run"), ordering="next_run_at")
    def next_run_shown(self, obj: Trigger) -> str:
        return datetime_text(obj.next_run) or self.get_empty_value_display()

    @admin.display(description=gettext_lazy("Queue"))
    def queue_shown(self, obj: Trigger) -> str:
        if obj.type != TriggerType.QUEUE:
            return self.get_empty_value_display()
        return _("%(queue)s (at least %(size)s new)") % {
            "queue": obj.queue.queue_name,
            "size": f"{obj.queue.min_batch_size:,}",
        }

    @admin.display(description=gettext_lazy("Whitelist"))
    def whitelist(self, obj: Trigger) -> str:
        return ", ".join(obj.scheduler_whitelist) or _("any Scheduler")

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("triggers.operate_trigger")

    def has_remove_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("triggers.delete_trigger")

    # --- Actions: the pages' services, asking where the pages ask ------------------------------

    @admin.action(description=gettext_lazy("Pause selected triggers…"), permissions=["operate"])
    def pause(self, request, queryset):
        triggers = list(queryset)
        running = [t for t in triggers if t.process_status == TriggerStatus.RUNNING]
        if running and not self.confirmed(request):
            return self._ask(
                request,
                "pause",
                triggers,
                question=ngettext(
                    "Pause %(count)d trigger?", "Pause %(count)d triggers?", len(triggers)
                )
                % {"count": len(triggers)},
                note=ngettext(
                    "%(names)s is running: the process finishes, and the trigger will not start "
                    "again until resumed.",
                    "%(names)s are running: the process finishes, and the trigger will not start "
                    "again until resumed.",
                    len(running),
                )
                % {"names": _names(running)},
                yes=_("Yes, pause"),
            )
        _apply(request, triggers, services.pause_trigger, "pause")
        return None

    @admin.action(description=gettext_lazy("Resume selected triggers…"), permissions=["operate"])
    def resume(self, request, queryset):
        triggers = list(queryset)
        now = clock.now()
        overdue = [t for t in triggers if t.can_resume and t.is_overdue(now)]
        if len(triggers) == 1 and overdue:
            # The page that asks when an overdue trigger should run, as the list's Resume button.
            return self._console_page(request, "triggers:resume", overdue[0])
        if overdue and not self.confirmed(request):
            return self._ask(
                request,
                "resume",
                triggers,
                question=ngettext(
                    "Resume %(count)d trigger?", "Resume %(count)d triggers?", len(triggers)
                )
                % {"count": len(triggers)},
                note=ngettext(
                    "%(names)s is overdue: resumed as it is, it runs at a Scheduler's next loop. "
                    "To choose when one runs instead, resume it on its own.",
                    "%(names)s are overdue: resumed as it is, it runs at a Scheduler's next loop. "
                    "To choose when one runs instead, resume it on its own.",
                    len(overdue),
                )
                % {"names": _names(overdue)},
                yes=_("Yes, resume"),
            )
        _apply(request, triggers, services.resume_trigger, "resume")
        return None

    @admin.action(description=gettext_lazy("Run selected triggers now…"), permissions=["operate"])
    def run_now(self, request, queryset):
        triggers = list(queryset)
        if not self.confirmed(request):
            return self._ask(
                request,
                "run_now",
                triggers,
                question=ngettext(
                    "Run %(count)d trigger now?", "Run %(count)d triggers now?", len(triggers)
                )
                % {"count": len(triggers)},
                note=_(
                    "A Scheduler that may run each starts it at its next loop; a running "
                    "trigger, or a queue trigger, is left as it is."
                ),
                yes=_("Yes, run now"),
            )
        _apply(request, triggers, services.run_trigger_now, "run")
        return None

    @admin.action(
        description=gettext_lazy("Kill selected running triggers…"), permissions=["operate"]
    )
    def kill(self, request, queryset):
        running = list(
            queryset.filter(process_status__in=(TriggerStatus.RUNNING, TriggerStatus.PAUSING))
        )
        if running and not self.confirmed(request):
            return self._ask(
                request,
                "kill",
                running,
                question=ngettext(
                    "Kill the running process of %(count)d trigger?",
                    "Kill the running process of %(count)d triggers?",
                    len(running),
                )
                % {"count": len(running)},
                note=_("Its Scheduler stops each process at its next loop."),
                yes=_("Yes, kill"),
            )
        _apply(request, running, services.kill_trigger, "kill")
        return None

    @admin.action(description=gettext_lazy("Reset a stale trigger…"), permissions=["operate"])
    def reset(self, request, queryset):
        """The console's reset page: it explains the risk and judges the trigger on its own."""
        trigger = self._only_one(
            request, queryset, _("Reset one trigger at a time: select just one.")
        )
        if trigger is None:
            return None
        if not trigger.is_active:
            self.message_user(
                request,
                _(
                    "%(name)s is %(status)s: only a running, pausing or killing trigger can be "
                    "reset."
                )
                % {"name": trigger.trigger_name, "status": trigger.get_process_status_display()},
                messages.ERROR,
            )
            return None
        return self._console_page(request, "triggers:reset", trigger)

    @admin.action(description=gettext_lazy("Delete a trigger…"), permissions=["remove"])
    def delete_trigger(self, request, queryset):
        """The console's delete page: it asks, and refuses a trigger whose process may run."""
        trigger = self._only_one(
            request, queryset, _("Delete one trigger at a time: select just one.")
        )
        return self._console_page(request, "triggers:delete", trigger) if trigger else None

    def _ask(self, request, action: str, triggers: list[Trigger], **words):
        return self.confirm_action(
            request,
            action=action,
            ids=[t.pk for t in triggers],
            sample=[t.trigger_name for t in triggers[:NAMES_SHOWN]],
            **words,
        )

    def _only_one(self, request, queryset, refusal: str) -> Trigger | None:
        triggers = list(queryset[:2])
        if len(triggers) != 1:
            self.message_user(request, refusal, messages.ERROR)
            return None
        return triggers[0]

    def _console_page(self, request, route: str, trigger: Trigger) -> HttpResponseRedirect:
        """The console's page for this action on `trigger`; its form comes back to this list."""
        return HttpResponseRedirect(
            f"{id_url(route, trigger.pk)}?{urlencode({'next': request.get_full_path()})}"
        )


@admin.register(Scheduler)
class SchedulerAdmin(ConsoleModelAdmin):
    writes = frozenset({"delete"})  # forget a retired machine; rows come from the Schedulers' pings
    audit_target_type = "scheduler"
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
        return status_label(obj.state(clock.now()))

    def delete_model(self, request, obj: Scheduler) -> None:
        services.forget_scheduler(user=request.user, machine_name=obj.machine_name)

    def delete_queryset(self, request, queryset) -> None:
        for machine_name in queryset.values_list("machine_name", flat=True):
            services.forget_scheduler(user=request.user, machine_name=machine_name)
