"""Pages that change queue elements: retry, delete, acknowledge (a selection) and act on a filter.

The writes themselves are in queues.services; these views validate input, ask for confirmation
and report what happened.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from orchestrator_site import clock
from orchestrator_site.nexturl import safe_next
from orchestrator_site.paging import capped_count
from orchestrator_site.reporting import report_result
from queues import services
from queues.forms import AcknowledgeForm, BulkActionChoice, BulkForm, DeleteForm, RetryForm
from queues.models import DELETABLE, RETRYABLE, QueueElement, QueueStatus
from queues.views import _filtered

SAMPLE_SIZE = 10
PERMISSION = {
    services.RETRY: "queues.retry_queueelement",
    services.DELETE: "queues.delete_queueelement",
    services.ACKNOWLEDGE: "queues.acknowledge_queueelement",
}


def _refuse(request: HttpRequest, form) -> HttpResponse:
    errors = "; ".join(e for field in form.errors.values() for e in field)
    messages.error(request, f"Nothing was changed: {errors}")
    return redirect(form.redirect_target(request, reverse("queues:overview")))


def _selection(ids) -> dict:
    """What a selection holds right now: counts per status, stale ones, missing ones, a sample."""
    now = clock.now()
    rows = QueueElement.objects.filter(pk__in=ids)
    by_status = dict(rows.order_by().values_list("status").annotate(n=Count("pk")))
    found = sum(by_status.values())
    in_progress = by_status.get(QueueStatus.IN_PROGRESS, 0)
    stale = rows.stale_in_progress(now).count() if in_progress else 0
    return {
        "asked": len(ids),
        "by_status": by_status,
        "missing": len(ids) - found,
        "stale": stale,
        "busy": in_progress - stale,
        "done": by_status.get(QueueStatus.DONE, 0),
        "retryable": sum(by_status.get(s, 0) for s in RETRYABLE),
        "deletable": sum(by_status.get(s, 0) for s in DELETABLE),
        "sample": list(rows.order_by("-created_date")[:SAMPLE_SIZE]),
        "stale_minutes": settings.CONSOLE_STALE_ELEMENT_MINUTES,
    }


def _confirm_then_apply(request: HttpRequest, form, *, flag: str, template: str, apply):
    """Without the form's confirmation `flag`: a page that says what would happen (nothing
    changes). With it: `apply(cleaned_data)`, then back where the person came from."""
    if not form.is_valid():
        return _refuse(request, form)
    data = form.cleaned_data
    if not data[flag]:
        context = {
            "form": form,
            "ids": data["ids"],
            # The hidden fields and the Cancel link carry only paths of this site.
            "next": safe_next(request, data["next"], reverse("queues:overview")),
            "next_after_delete": safe_next(request, data.get("next_after_delete"), ""),
        }
        return render(request, template, {**context, **_selection(data["ids"])})
    report_result(request, apply(data))
    return redirect(form.redirect_target(request, reverse("queues:overview")))


@permission_required("queues.retry_queueelement", raise_exception=True)
@require_POST
def retry(request: HttpRequest) -> HttpResponse:
    return _confirm_then_apply(
        request,
        RetryForm(request.POST),
        flag="confirmed",
        template="queues/confirm_retry.html",
        apply=lambda data: services.retry_elements(
            user=request.user,
            ids=data["ids"],
            include_done=data["include_done"],
            include_stale=data["include_stale"],
        ),
    )


@permission_required("queues.delete_queueelement", raise_exception=True)
@require_POST
def delete(request: HttpRequest) -> HttpResponse:
    """Always via a confirmation page with the count and a sample."""
    return _confirm_then_apply(
        request,
        DeleteForm(request.POST),
        flag="delete_confirmed",
        template="queues/confirm_delete.html",
        apply=lambda data: services.delete_elements(
            user=request.user, ids=data["ids"], include_stale=data["include_stale"]
        ),
    )


@permission_required("queues.acknowledge_queueelement", raise_exception=True)
@require_POST
def acknowledge(request: HttpRequest) -> HttpResponse:
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _refuse(request, form)
    outcome = services.acknowledge_elements(
        user=request.user, ids=form.cleaned_data["ids"], comment=form.cleaned_data["comment"]
    )
    report_result(request, outcome)
    return redirect(form.redirect_target(request, reverse("queues:failed")))


@permission_required("queues.view_queueelement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def bulk(request: HttpRequest, queue_name: str) -> HttpResponse:
    """Act on everything the filter in the URL matches: a preview (GET), then the action (POST)."""
    filterset, rows = _filtered(request, queue_name)
    list_url = reverse("queues:elements", args=[queue_name])
    filter_query = request.GET.copy()
    filter_query.pop("action", None)
    if not filterset.is_valid():
        return redirect(f"{list_url}?{filter_query.urlencode()}")
    matching = capped_count(rows)
    needs_typing = matching.capped or matching.value > settings.CONSOLE_BULK_CONFIRM_THRESHOLD
    if request.method == "POST":
        form = BulkForm(request.POST, queue_name=queue_name, needs_typing=needs_typing)
        if form.is_valid():
            data = form.cleaned_data
            if not request.user.has_perm(PERMISSION[data["action"]]):
                raise PermissionDenied
            outcome = services.apply_to_filter(
                user=request.user,
                action=data["action"],
                queryset=rows,
                filter_used=f"queue={queue_name}; {filterset.description()}".rstrip("; "),
                include_done=data["include_done"],
                include_stale=data["include_stale"],
                comment=data["comment"],
            )
            report_result(request, outcome)
            return redirect(f"{list_url}?{filter_query.urlencode()}")
    else:
        choice = BulkActionChoice(request.GET)
        if not choice.is_valid():
            messages.error(
                request, f"There is no such action: choose {', '.join(services.ACTIONS)}."
            )
            bulk_url = reverse("queues:bulk", args=[queue_name])
            return redirect(f"{bulk_url}?{filter_query.urlencode()}")
        form = BulkForm(
            initial={"action": choice.cleaned_data["action"] or services.RETRY},
            queue_name=queue_name,
            needs_typing=needs_typing,
        )
    now = clock.now()
    return render(
        request,
        "queues/bulk.html",
        {
            "queue_name": queue_name,
            "form": form,
            "filter_text": filterset.description() or "no filter: every element of the queue",
            "query": filter_query.urlencode(),
            "list_url": list_url,
            "matching": matching,
            "needs_typing": needs_typing,
            "threshold": settings.CONSOLE_BULK_CONFIRM_THRESHOLD,
            "batch_size": settings.CONSOLE_BULK_BATCH_SIZE,
            "retryable": capped_count(rows.filter(status__in=RETRYABLE)),
            "done": capped_count(rows.filter(status=QueueStatus.DONE)),
            "stale": capped_count(rows.stale_in_progress(now)),
            "in_progress": capped_count(rows.filter(status=QueueStatus.IN_PROGRESS)),
            "stale_minutes": settings.CONSOLE_STALE_ELEMENT_MINUTES,
            "sample": list(rows[:SAMPLE_SIZE]),
        },
    )
