"""Trigger list and detail, the status actions (Operator) and the Schedulers page."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orchestrator_site import clock
from orchestrator_site.models import AuditEntry
from orchestrator_site.nexturl import safe_next
from orchestrator_site.paging import configure_lazy
from orchestrator_site.reporting import report_result
from triggers import cron, services
from triggers.filters import TriggerFilter
from triggers.forms import ResetForm, ResumeForm
from triggers.liveness import nobody_to_run, online_machines, owner, staleness
from triggers.models import Job, Scheduler, Trigger, TriggerType
from triggers.tables import ActionButtons, SchedulerTable, TriggerTable, row_id


def get_trigger(pk: uuid.UUID) -> Trigger:
    return get_object_or_404(Trigger.objects.with_children(), pk=pk)


def next_of(request: HttpRequest, trigger: Trigger | None = None) -> str:
    """The page the button was on (kept filters), else the trigger or the list."""
    default = trigger.get_absolute_url() if trigger else reverse("triggers:list")
    return safe_next(request, request.POST.get("next") or request.GET.get("next"), default)


def back_to(request: HttpRequest, trigger: Trigger | None = None) -> HttpResponseRedirect:
    """Back to the page the button was on, at the trigger's row (a list keeps its place)."""
    url = next_of(request, trigger)
    if trigger is not None and url != trigger.get_absolute_url():
        url = f"{url.split('#', 1)[0]}#{row_id(trigger)}"
    return redirect(url)


# --- Pages ---------------------------------------------------------------------------------------


@permission_required("triggers.view_trigger", raise_exception=True)
@require_GET
def trigger_list(request: HttpRequest) -> HttpResponse:
    filterset = TriggerFilter(request.GET, queryset=Trigger.objects.with_children())
    rows = filterset.qs
    table = TriggerTable(rows, now=clock.now())
    configure_lazy(request, table)
    return render(request, "triggers/list.html", {"filter": filterset, "table": table})


@permission_required("triggers.view_trigger", raise_exception=True)
@require_GET
def trigger_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    trigger = get_trigger(pk)
    now = clock.now()
    context = {
        "trigger": trigger,
        "now": now,
        "actions": ActionButtons(request, now)(trigger),
        "overdue": trigger.is_overdue(now),
        "upcoming": (
            cron.next_runs(trigger.scheduled.cron_expr, now)
            if trigger.type == TriggerType.SCHEDULED
            else []
        ),
        "jobs": Job.objects.filter(process_name=trigger.process_name).order_by("-start_time")[:20],
        "history": AuditEntry.objects.filter(target_type="trigger", target_ids=str(trigger.pk))[
            :50
        ],
    }
    if trigger.is_active:
        who = owner(trigger, now)
        context.update(owner=who, staleness=staleness(trigger, now, who))
    return render(request, "triggers/detail.html", context)


@permission_required("triggers.view_scheduler", raise_exception=True)
@require_GET
def scheduler_list(request: HttpRequest) -> HttpResponse:
    table = SchedulerTable(Scheduler.objects.all(), now=clock.now())
    configure_lazy(request, table, default_per_page=100)
    return render(
        request,
        "triggers/schedulers.html",
        {
            "table": table,
            "online_seconds": settings.CONSOLE_SCHEDULER_ONLINE_SECONDS,
            "stale_seconds": settings.CONSOLE_SCHEDULER_STALE_SECONDS,
        },
    )


@permission_required("triggers.delete_scheduler", raise_exception=True)
@require_POST
def scheduler_forget(request: HttpRequest, machine_name: str) -> HttpResponse:
    get_object_or_404(Scheduler, pk=machine_name)
    report_result(request, services.forget_scheduler(user=request.user, machine_name=machine_name))
    return redirect("triggers:schedulers")


# --- Status actions --------------------------------------------------------------------------------


def _act(request: HttpRequest, pk: uuid.UUID, service) -> HttpResponse:
    trigger = get_trigger(pk)
    report_result(request, service(user=request.user, trigger=trigger))
    return back_to(request, trigger)


@permission_required("triggers.operate_trigger", raise_exception=True)
@require_POST
def trigger_pause(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _act(request, pk, services.pause_trigger)


@permission_required("triggers.operate_trigger", raise_exception=True)
@require_POST
def trigger_run_now(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Runs it even when no Scheduler that may run it is online, and then says so."""
    trigger = get_trigger(pk)
    result = services.run_trigger_now(user=request.user, trigger=trigger)
    if result.changed:
        nobody = nobody_to_run(trigger, online_machines(clock.now(), fresh=True))
        if nobody:
            result.warnings.append(nobody)
    report_result(request, result)
    return back_to(request, trigger)


@permission_required("triggers.operate_trigger", raise_exception=True)
@require_POST
def trigger_kill(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _act(request, pk, services.kill_trigger)


@permission_required("triggers.operate_trigger", raise_exception=True)
@require_http_methods(["GET", "POST"])
def trigger_resume(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One click when nothing surprising happens; a page with choices when next run is overdue."""
    trigger = get_trigger(pk)
    now = clock.now()
    overdue = trigger.is_overdue(now)
    if request.method == "POST":
        if "choice" not in request.POST and overdue:
            messages.warning(
                request,
                _(
                    "%(name)s is overdue: resumed as it is, it runs at once. Choose what should "
                    "happen."
                )
                % {"name": trigger.trigger_name},
            )
            resume_url, back = (
                reverse("triggers:resume", args=[trigger.pk]),
                next_of(request, trigger),
            )
            if back != trigger.get_absolute_url():  # the page the button was on, kept
                resume_url += f"?{urlencode({'next': back})}"
            return redirect(resume_url)
        data = request.POST.copy()
        data.setdefault("choice", ResumeForm.KEEP)  # the list's one-click button sends none
        form = ResumeForm(data, trigger=trigger, now=now)
        if form.is_valid():
            report_result(
                request,
                services.resume_trigger(
                    user=request.user, trigger=trigger, next_run=form.cleaned_data["next_run"]
                ),
            )
            return back_to(request, trigger)
    else:
        form = ResumeForm(trigger=trigger, now=now)
    upcoming = (
        cron.next_runs(trigger.scheduled.cron_expr, now, 1)
        if trigger.type == TriggerType.SCHEDULED
        else []
    )
    return render(
        request,
        "triggers/resume.html",
        {
            "trigger": trigger,
            "form": form,
            "overdue": overdue,
            "next_cron": upcoming[0] if upcoming else None,
            "next": next_of(request, trigger),
        },
    )


@permission_required("triggers.operate_trigger", raise_exception=True)
@require_http_methods(["GET", "POST"])
def trigger_reset(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Reset a trigger nobody will move any more, after a page that explains the risk."""
    trigger = get_trigger(pk)
    now = clock.now()
    who = owner(trigger, now) if trigger.is_active else None
    judged = staleness(trigger, now, who)
    if request.method == "POST":
        form = ResetForm(request.POST)
        if form.is_valid():
            result = services.reset_stale_trigger(
                user=request.user,
                trigger=trigger,
                expected_status=form.cleaned_data["expected_status"],
                to_status=form.cleaned_data["to_status"],
            )
            report_result(request, result)
            return back_to(request, trigger)
    else:
        form = ResetForm(initial={"expected_status": trigger.process_status})
    return render(
        request,
        "triggers/reset.html",
        {
            "trigger": trigger,
            "form": form,
            "owner": who,
            "staleness": judged,
            "next": next_of(request, trigger),
        },
    )
