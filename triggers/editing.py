"""Create, edit and delete triggers (Automation admin)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from orchestrator_site import clock, reporting
from queues.models import QueueElement
from triggers import services
from triggers.forms import FORMS, KIND_SLUGS, ScheduledTriggerForm, TriggerForm
from triggers.models import QueueTrigger, Scheduler, TriggerType
from triggers.views import get_trigger

_DATALIST_LIMIT = 500


def known_schedulers() -> list[str]:
    return list(Scheduler.objects.order_by("machine_name").values_list("machine_name", flat=True))


def known_queues() -> list[str]:
    """Queue names for the datalist: DISTINCT over the indexed Queues.queue_name, capped."""
    names = set(
        QueueElement.objects.order_by("queue_name")
        .values_list("queue_name", flat=True)
        .distinct()[:_DATALIST_LIMIT]
    )
    names.update(QueueTrigger.objects.values_list("queue_name", flat=True)[:_DATALIST_LIMIT])
    return sorted(names)


def _render_form(
    request: HttpRequest, form: TriggerForm, *, trigger=None, status=200, conflict=False
):
    return render(
        request,
        "triggers/form.html",
        {
            "form": form,
            "trigger": trigger,
            "conflict": conflict,
            # Only field errors are marked below; the others (a stale form) are said above.
            "marked": any(field.errors for field in form.visible_fields()),
            "kind": form.kind,
            "preview": form.preview() if isinstance(form, ScheduledTriggerForm) else None,
            "queues": known_queues() if form.kind == TriggerType.QUEUE else [],
            "now": form.now,
        },
        status=status,
    )


@permission_required("triggers.add_trigger", raise_exception=True)
@require_GET
def trigger_new(request: HttpRequest) -> HttpResponse:
    return render(request, "triggers/new.html")


@permission_required("triggers.add_trigger", raise_exception=True)
@require_http_methods(["GET", "POST"])
def trigger_create(request: HttpRequest, kind: str) -> HttpResponse:
    """The trigger type comes from the URL, never from the submitted form."""
    try:
        trigger_type = KIND_SLUGS[kind]
    except KeyError:
        raise Http404("No such trigger type.") from None
    form_class = FORMS[trigger_type]
    now = clock.now()
    schedulers = known_schedulers()
    if request.method == "GET":
        return _render_form(request, form_class(now=now, schedulers=schedulers))
    form = form_class(request.POST, now=now, schedulers=schedulers)
    if not form.is_valid() or "preview" in request.POST:
        return _render_form(request, form)
    result = services.create_trigger(
        user=request.user,
        kind=trigger_type,
        values=form.parent_values(),
        child=form.child_values(),
    )
    result.warnings.extend(form.warnings)
    reporting.report_result(request, result)
    return redirect(result.created.get_absolute_url())


@permission_required("triggers.change_trigger", raise_exception=True)
@require_http_methods(["GET", "POST"])
def trigger_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Writes only the columns the user changed, and only if nobody changed them meanwhile."""
    trigger = get_trigger(pk)
    form_class = FORMS[trigger.type]
    now = clock.now()
    schedulers = known_schedulers()
    if request.method == "GET":
        return _render_form(
            request, form_class(now=now, schedulers=schedulers, trigger=trigger), trigger=trigger
        )
    form = form_class(request.POST, now=now, schedulers=schedulers, trigger=trigger)
    if not form.is_valid() or "preview" in request.POST:
        return _render_form(request, form, trigger=trigger)
    result = services.update_trigger(
        user=request.user,
        trigger=trigger,
        loaded=form.cleaned_data["loaded"],
        changes=form.changes(),
    )
    if result.conflict:
        # Keep what the person typed on screen, say what changed and write nothing.
        form.add_error(None, result.message)
        return _render_form(request, form, trigger=trigger, status=409, conflict=True)
    if not result.asked:  # the form changed nothing: no write to report
        reporting.report(request, result.message, level=messages.INFO)
    else:
        if result.changed:
            result.warnings.extend(form.warnings)
        reporting.report_result(request, result)
    return redirect(trigger.get_absolute_url())


@permission_required("triggers.delete_trigger", raise_exception=True)
@require_http_methods(["GET", "POST"])
def trigger_delete(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    trigger = get_trigger(pk)
    if request.method == "POST":
        result = services.delete_trigger(user=request.user, trigger=trigger)
        reporting.report_result(request, result)
        if result.changed:
            return redirect("triggers:list")
        return redirect(trigger.get_absolute_url())
    return render(request, "triggers/delete.html", {"trigger": trigger})
