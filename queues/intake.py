"""Pages that add queue elements: one by form, many by CSV upload (preview, then all or nothing)."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from orchestrator_site.reporting import report_result
from queues import services
from queues.forms import (
    UPLOAD_MAX_ROWS,
    ElementForm,
    UploadConfirmForm,
    UploadForm,
)

SESSION_KEY = "queues:upload"
PREVIEW_ROWS = 20


def fixed_queue(request: HttpRequest) -> str | None:
    """The queue named by the link of its page (`?queue=`), exactly as stored; None without one.

    Forms post back to their own URL, so the name makes the round trip in the query string, which
    carries any text unchanged (a hidden input would turn a line break into CRLF).
    """
    return request.GET["queue"] if "queue" in request.GET else None


@permission_required("queues.add_queueelement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    queue = fixed_queue(request)
    if request.method == "POST":
        form = ElementForm(request.POST, queue=queue)
        if form.is_valid():
            result = services.create_element(user=request.user, **form.cleaned_data)
            report_result(request, result)
            return redirect("queues:element", element_id=result.created.pk)
    else:
        form = ElementForm(queue=queue)
    return render(request, "queues/create.html", {"form": form, "queue": queue})


@permission_required("queues.add_queueelement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Step 1 (file): validate every row and show a preview. Step 2 (token): insert them all.

    Between the steps the parsed rows wait in the session, so the file is sent only once.
    """
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    errors: list[str] = []
    queue = fixed_queue(request)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, queue=queue)
        if form.is_valid():
            token = secrets.token_urlsafe(16)
            queue_name = form.cleaned_data["queue_name"]
            request.session[SESSION_KEY] = {
                "token": token,
                "queue_name": queue_name,
                "rows": form.parsed.rows,
            }
            return render(
                request,
                "queues/upload_preview.html",
                {
                    "confirm": UploadConfirmForm(initial={"token": token}),
                    "queue_name": queue_name,
                    "total": len(form.parsed.rows),
                    "preview": form.parsed.rows[:PREVIEW_ROWS],
                },
            )
        errors = getattr(form, "parse_errors", [])
    else:
        form = UploadForm(queue=queue)
    return render(
        request,
        "queues/upload.html",
        {"form": form, "queue": queue, "row_errors": errors, "max_rows": UPLOAD_MAX_ROWS},
        status=400 if errors else 200,
    )


def _confirm(request: HttpRequest) -> HttpResponse:
    form = UploadConfirmForm(request.POST)
    pending = request.session.get(SESSION_KEY)
    if not form.is_valid() or not pending or pending["token"] != form.cleaned_data["token"]:
        messages.error(
            request, "That upload has expired or was already added; upload the file again."
        )
        return redirect("queues:upload")
    del request.session[SESSION_KEY]
    rows = [tuple(row) for row in pending["rows"]]
    queue_name = pending["queue_name"]
    report_result(
        request, services.create_elements(user=request.user, queue_name=queue_name, rows=rows)
    )
    return redirect(reverse("queues:elements", args=[queue_name]))
