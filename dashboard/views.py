"""The home page: what failed, what runs, whether every Scheduler is alive; and its live fragments."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dashboard import panels
from orchestrator_site import clock

VIEW_PERMISSIONS = (
    "logs.view_log",
    "queues.view_queueelement",
    "triggers.view_trigger",
    "triggers.view_job",
    "triggers.view_scheduler",
)
PANELS = ("errors", "groups", "failed", "triggers", "running", "schedulers", "throughput")


def _panel_context(panel: str) -> dict:
    now = clock.now()
    start = panels.lookback_start(now)[0]
    context = {"now": now, "window_start": start, "window_length": now - start}
    if panel == "errors":
        context["errors"] = panels.recent_errors(start)
    elif panel == "groups":
        context["groups"] = panels.failure_groups(start, now)
    elif panel == "failed":
        context["failed"] = panels.failed_elements(start)
    elif panel == "triggers":
        context["problems"] = panels.trigger_problems(now)
    elif panel == "running":
        schedulers = {s.machine_name: s for s in panels.Scheduler.objects.all()}
        context["running"] = panels.running_jobs(now, schedulers)
    elif panel == "schedulers":
        context["schedulers"] = rows = panels.scheduler_rows(now)
        context["schedulers_not_online"] = sum(
            row.state != panels.SchedulerState.ONLINE for row in rows
        )
    elif panel == "throughput":
        context["chart"] = panels.throughput(now)
    return context


@permission_required(VIEW_PERMISSIONS, raise_exception=True)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {"panels": PANELS, "refresh_seconds": settings.CONSOLE_REFRESH_SECONDS}
    for panel in PANELS:
        context.update(_panel_context(panel))
    return render(request, "dashboard/home.html", context)


@permission_required(VIEW_PERMISSIONS, raise_exception=True)
@require_GET
@never_cache
def fragment(request: HttpRequest, panel: str) -> HttpResponse:
    """One panel's inner HTML, for the page's live refresh: a small request, not the whole page.
    It carries the moment it was made, in the console's format, for the page's "Updated" line:
    the server says when, so the browser's clock and locale never show a time."""
    if panel not in PANELS:
        raise Http404("No such dashboard panel.")
    context = _panel_context(panel) | {"panel_template": f"dashboard/_{panel}.html"}
    return render(request, "dashboard/_fragment.html", context)
