"""Pages that change queue elements: retry, delete, acknowledge (a selection) and act on a filter.

The writes themselves are in queues.services; these views validate input, ask for confirmation
and report what happened.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from orchestrator_site import clock
from orchestrator_site.nexturl import safe_next
from orchestrator_site.paging import capped_count
from orchestrator_site.reporting import report_result
from queues import services
from queues.filters import ElementFilter, InboxFilter
from queues.forms import (
    AcknowledgeForm,
    BulkActionChoice,
    BulkForm,
    DeleteForm,
    RetryForm,
    SelectionForm,
)
from queues.models import (
    DELETABLE,
    RETRYABLE,
    QueueElement,
    QueueElementQuerySet,
    QueueStatus,
    stale_after,
)
from queues.views import _filtered, inbox_count, inbox_filter, inbox_rows

SAMPLE_SIZE = 10
PERMISSION = {
    services.RETRY: "queues.retry_queueelement",
    services.DELETE: "queues.delete_queueelement",
    services.ACKNOWLEDGE: "queues.acknowledge_queueelement",
}


def _refuse(request: HttpRequest, form) -> HttpResponse:
    errors = "; ".join(e for field in form.errors.values() for e in field)
    messages.error(request, _("Nothing was changed: %(errors)s") % {"errors": errors})
    return redirect(form.redirect_target(request, reverse("queues:overview")))


def _selection(ids) -> dict:
    """What a selection holds right now: counts per status, stale ones, missing ones, a sample."""
    now = clock.now()
    rows = QueueElement.objects.filter(pk__in=ids)
    by_status = dict(rows.order_by().values_list("status").annotate(n=Count("pk")))
    found = sum(by_status.values())
    in_progress = by_status.get(QueueStatus.IN_PROGRESS, 0)
    stale = rows.stale_in_progress(now).count() if in_progress else 0
    acknowledgeable = sum(by_status.get(s, 0) for s in services.ACKNOWLEDGEABLE)
    return {
        "asked": len(ids),
        "by_status": by_status,
        "missing": len(ids) - found,
        "stale": stale,
        "busy": in_progress - stale,
        "done": by_status.get(QueueStatus.DONE, 0),
        "retryable": sum(by_status.get(s, 0) for s in RETRYABLE),
        "deletable": sum(by_status.get(s, 0) for s in DELETABLE),
        "acknowledgeable": acknowledgeable,
        "skipped": len(ids) - acknowledgeable,
        "sample": list(rows.order_by("-created_date")[:SAMPLE_SIZE]),
        "stale_after": stale_after(),
    }


CONFIRM_TEMPLATE = {
    services.RETRY: "queues/confirm_retry.html",
    services.DELETE: "queues/confirm_delete.html",
    services.ACKNOWLEDGE: "queues/confirm_acknowledge.html",
}


def confirmation(
    request: HttpRequest,
    template: str,
    *,
    ids,
    next_url: str | None,
    next_after_delete: str | None = None,
    form=None,
) -> HttpResponse:
    """The page that says what retry/delete/acknowledge would do to `ids` (nothing changes); its
    button posts them back confirmed. Pages and admin actions alike come here."""
    context = {
        "form": form,
        "ids": ids,
        # The hidden fields and the Cancel link carry only paths of this site.
        "next": safe_next(request, next_url, reverse("queues:overview")),
        "next_after_delete": safe_next(request, next_after_delete, ""),
    }
    return render(request, template, {**context, **_selection(ids)})


def _confirm_then_apply(
    request: HttpRequest, form, *, flag: str, template: str, apply, back: str = "queues:overview"
):
    """Without the form's confirmation `flag`: a page that says what would happen (nothing
    changes). With it: `apply(cleaned_data)`, then back where the person came from."""
    if not form.is_valid():
        return _refuse(request, form)
    data = form.cleaned_data
    if not data[flag]:
        return confirmation(
            request,
            template,
            ids=data["ids"],
            next_url=data["next"],
            next_after_delete=data.get("next_after_delete"),
            form=form,
        )
    report_result(request, apply(data))
    return redirect(form.redirect_target(request, reverse(back)))


@permission_required("queues.retry_queueelement", raise_exception=True)
@require_POST
def retry(request: HttpRequest) -> HttpResponse:
    return _confirm_then_apply(
        request,
        RetryForm(request.POST),
        flag="confirmed",
        template=CONFIRM_TEMPLATE[services.RETRY],
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
        template=CONFIRM_TEMPLATE[services.DELETE],
        apply=lambda data: services.delete_elements(
            user=request.user, ids=data["ids"], include_stale=data["include_stale"]
        ),
    )


@permission_required("queues.acknowledge_queueelement", raise_exception=True)
@require_POST
def acknowledge(request: HttpRequest) -> HttpResponse:
    """Like retry and delete: a confirmation page first (count, skips, the comment), then the write."""
    return _confirm_then_apply(
        request,
        AcknowledgeForm(request.POST),
        flag="confirmed",
        template=CONFIRM_TEMPLATE[services.ACKNOWLEDGE],
        apply=lambda data: services.acknowledge_elements(
            user=request.user, ids=data["ids"], comment=data["comment"]
        ),
        back="queues:failed",
    )


@permission_required("queues.acknowledge_queueelement", raise_exception=True)
@require_POST
def unacknowledge(request: HttpRequest) -> HttpResponse:
    """Undo acknowledgements at once: an undo needs no confirmation, and is itself audited."""
    form = SelectionForm(request.POST)
    if not form.is_valid():
        return _refuse(request, form)
    report_result(
        request, services.unacknowledge_elements(user=request.user, ids=form.cleaned_data["ids"])
    )
    return redirect(form.redirect_target(request, reverse("queues:failed")))


@dataclass
class Scope:
    """What an "all matching" page acts on: a queue's filtered elements, or the failed inbox's."""

    filterset: ElementFilter | InboxFilter
    rows: QueueElementQuerySet
    list_url: str
    bulk_url: str
    title: str  # the page's heading and title
    confirm_text: str  # typed to confirm a large action
    filter_used: str
    keep: Callable[[list[uuid.UUID]], list[uuid.UUID]] | None = None
    inbox: bool = False


def _queue_scope(request: HttpRequest, queue_name: str) -> Scope:
    filterset, rows = _filtered(request, queue_name)
    valid = filterset.is_valid()
    return Scope(
        filterset=filterset,
        rows=rows,
        list_url=reverse("queues:elements", args=[queue_name]),
        bulk_url=reverse("queues:bulk", args=[queue_name]),
        title=_("Act on all matching elements of “%(queue)s”") % {"queue": queue_name},
        confirm_text=queue_name,
        filter_used=f"queue={queue_name}; {filterset.description() if valid else ''}".rstrip("; "),
    )


def _inbox_scope(request: HttpRequest) -> Scope:
    filterset = inbox_filter(request.GET)
    valid = filterset.is_valid()
    wanted = valid and filterset.acknowledged_only

    def keep(ids: list[uuid.UUID]) -> list[uuid.UUID]:
        return [pk for pk in ids if filterset.shown(pk)]

    return Scope(
        filterset=filterset,
        rows=cast(QueueElementQuerySet, filterset.qs),
        list_url=reverse("queues:failed"),
        bulk_url=reverse("queues:failed_bulk"),
        title=_("Act on all matching acknowledged failures")
        if wanted
        else _("Act on all matching failures in the inbox"),
        # What the person types, in the page's language (as the label asks for it).
        confirm_text=_("failed inbox"),
        filter_used=filterset.description() if valid else "",
        keep=keep,
        inbox=True,
    )


@permission_required("queues.view_queueelement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def bulk(request: HttpRequest, queue_name: str) -> HttpResponse:
    """Act on everything the queue's filter in the URL matches: a preview (GET), then the action."""
    return _bulk(request, _queue_scope(request, queue_name))


@permission_required("queues.view_queueelement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def failed_bulk(request: HttpRequest) -> HttpResponse:
    """The same for the failed inbox's filter: its acknowledged failures are left alone (or, with
    `acknowledged=1`, only they are acted on)."""
    return _bulk(request, _inbox_scope(request))


def _bulk(request: HttpRequest, scope: Scope) -> HttpResponse:
    filter_query = request.GET.copy()
    for name in ("action", "page", "per_page"):
        filter_query.pop(name, None)
    back = f"{scope.list_url}?{filter_query.urlencode()}"
    if not scope.filterset.is_valid():
        return redirect(back)
    inbox = cast(InboxFilter, scope.filterset)
    matching = inbox_count(inbox) if scope.inbox else capped_count(scope.rows)
    needs_typing = matching.capped or matching.value > settings.CONSOLE_BULK_CONFIRM_THRESHOLD
    if request.method == "POST":
        form = BulkForm(request.POST, confirm_text=scope.confirm_text, needs_typing=needs_typing)
        if form.is_valid():
            data = form.cleaned_data
            if not request.user.has_perm(PERMISSION[data["action"]]):
                raise PermissionDenied
            outcome = services.apply_to_filter(
                user=request.user,
                action=data["action"],
                queryset=scope.rows,
                filter_used=scope.filter_used,
                include_done=data["include_done"],
                include_stale=data["include_stale"],
                comment=data["comment"],
                keep=scope.keep,
            )
            report_result(request, outcome)
            return redirect(back)
    else:
        choice = BulkActionChoice(request.GET)
        if not choice.is_valid():
            messages.error(
                request,
                _("There is no such action: choose %(actions)s.")
                % {"actions": ", ".join(services.ACTIONS)},
            )
            return redirect(f"{scope.bulk_url}?{filter_query.urlencode()}")
        form = BulkForm(
            initial={"action": choice.cleaned_data["action"] or services.RETRY},
            confirm_text=scope.confirm_text,
            needs_typing=needs_typing,
        )
    preview = _inbox_preview(inbox) if scope.inbox else _queue_preview(scope.rows)
    return render(
        request,
        "queues/bulk.html",
        {
            **preview,
            "matching": matching,
            "scope": scope,
            "form": form,
            "filter_text": scope.filterset.description()
            or _("no filter: every element of the queue"),
            "query": filter_query.urlencode(),
            "back": back,
            "needs_typing": needs_typing,
            "threshold": settings.CONSOLE_BULK_CONFIRM_THRESHOLD,
            "batch_size": settings.CONSOLE_BULK_BATCH_SIZE,
            "stale_after": stale_after(),
        },
    )


def _queue_preview(rows: QueueElementQuerySet) -> dict:
    """Counts per kind of element the filter matches (each capped), and a sample."""
    now = clock.now()
    return {
        "retryable": capped_count(rows.filter(status__in=RETRYABLE)),
        "done": capped_count(rows.filter(status=QueueStatus.DONE)),
        "stale": capped_count(rows.stale_in_progress(now)),
        "in_progress": capped_count(rows.filter(status=QueueStatus.IN_PROGRESS)),
        "sample": list(rows[:SAMPLE_SIZE]),
    }


def _inbox_preview(filterset: InboxFilter) -> dict:
    """The acknowledged failures the filter also matches (left alone), and a sample."""
    return {
        "left_alone": 0 if filterset.acknowledged_only else len(filterset.covered_ids()),
        "sample": inbox_rows(filterset, SAMPLE_SIZE),
    }
