"""Pages that add queue elements: one by form, many by CSV upload (preview, then all or nothing).

Before anything is written, both ask when the queue name is new (no element has it and no queue
trigger names it: usually a typing mistake, and no robot would ever take the elements) or when
references repeat, in the file or in the queue. OpenOrchestrator allows both, so the person may go
on; the audit row says they did.
"""

from __future__ import annotations

import difflib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from orchestrator_site.reporting import report_result
from queues import services
from queues.forms import (
    EXISTING,
    NEW_QUEUE,
    REPEATED,
    UPLOAD_MAX_ROWS,
    ElementForm,
    IntakeConfirmForm,
    UploadConfirmForm,
    UploadForm,
)
from queues.models import QueueElement, queue_overview_snapshot
from triggers.models import QueueTrigger

SESSION_KEY = "queues:upload"
PREVIEW_ROWS = 20
# References listed by name on a confirmation page; the rest are counted.
LISTED_REFERENCES = 20
# Parameters per `reference IN (...)`: SQL Server takes at most 2,100 in one statement.
REFERENCES_PER_QUERY = 500


def queue_names() -> list[str]:
    """The names the queue field offers: every queue with elements (from the overview snapshot,
    which already has them: no scan of the elements per page) and every queue trigger's queue."""
    names = {row["queue_name"] for row in queue_overview_snapshot().value}
    names.update(QueueTrigger.objects.values_list("queue_name", flat=True).distinct())
    return sorted(name for name in names if name)


def similar_names(name: str, names: Iterable[str], limit: int = 3) -> list[str]:
    """Existing names `name` was probably meant to be: the same but for case and surrounding
    spaces first, then close spellings."""
    by_folded: dict[str, list[str]] = {}
    for existing in names:
        if existing != name:
            by_folded.setdefault(existing.strip().casefold(), []).append(existing)
    wanted = name.strip().casefold()
    close = difflib.get_close_matches(wanted, list(by_folded), n=limit, cutoff=0.75)
    ordered = sorted(close, key=lambda folded: folded != wanted)
    return [existing for folded in ordered for existing in by_folded[folded]][:limit]


@dataclass
class IntakeCheck:
    """What adding these references to this queue should ask about first."""

    queue_name: str
    new_queue: bool = False
    similar: list[str] = field(default_factory=list)
    # (reference, the rows it is on), for references on more than one row of the file.
    repeated: list[tuple[str, list[int]]] = field(default_factory=list)
    # References already in the queue, sorted.
    existing: list[str] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        found = [(NEW_QUEUE, self.new_queue), (REPEATED, self.repeated), (EXISTING, self.existing)]
        return [kind for kind, present in found if present]

    def needs_asking(self, confirmed: set[str]) -> bool:
        """True while something found was not confirmed (a second look may find more)."""
        return not set(self.kinds) <= confirmed

    def audit_note(self) -> str:
        parts = []
        if self.new_queue:
            parts.append("new queue")
        if self.repeated:
            parts.append(f"{len(self.repeated)} references repeated in the file")
        if self.existing:
            parts.append(f"{len(self.existing)} references already in the queue")
        return ", ".join(parts)


def check_intake(queue_name: str, references: Sequence[tuple[int, str | None]]) -> IntakeCheck:
    """Look before adding `references` ((row number, reference or None) pairs) to `queue_name`.

    Costs: two EXISTS on indexed columns for the queue, and for the references one
    `queue_name = ... AND reference IN (...)` per REFERENCES_PER_QUERY distinct references
    (the queue_name index, then the queue's rows: the bigger the queue, the longer).
    """
    check = IntakeCheck(queue_name)
    rows_of: dict[str, list[int]] = {}
    for number, reference in references:
        if reference:
            rows_of.setdefault(reference, []).append(number)
    check.repeated = [(ref, rows) for ref, rows in rows_of.items() if len(rows) > 1]
    elements = QueueElement.objects.in_queue(queue_name)
    check.new_queue = (
        not elements.exists() and not QueueTrigger.objects.filter(queue_name=queue_name).exists()
    )
    if check.new_queue:
        check.similar = similar_names(queue_name, queue_names())
        return check
    wanted = list(rows_of)
    found: set[str] = set()
    for start in range(0, len(wanted), REFERENCES_PER_QUERY):
        chunk = wanted[start : start + REFERENCES_PER_QUERY]
        found.update(
            elements.filter(reference__in=chunk)
            .order_by()
            .values_list("reference", flat=True)
            .distinct()
        )
    check.existing = sorted(found)
    return check


def fixed_queue(request: HttpRequest) -> str | None:
    """The queue named by the link of its page (`?queue=`), exactly as stored; None without one.

    Forms post back to their own URL, so the name makes the round trip in the query string, which
    carries any text unchanged (a hidden input would turn a line break into CRLF).
    """
    return request.GET["queue"] if "queue" in request.GET else None


@permission_required("queues.add_queueelement", raise_exception=True)
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """Step 1: the form. When the queue is new or the reference is already in it, step 2 shows
    what was found and re-posts the same values with `confirmed`; nothing is written before."""
    queue = fixed_queue(request)
    if request.method == "POST":
        form = ElementForm(request.POST, queue=queue)
        step = IntakeConfirmForm(request.POST)
        if form.is_valid() and not step.wants_change():
            values = form.cleaned_data
            check = check_intake(values["queue_name"], [(1, values["reference"])])
            if check.needs_asking(step.went_on_despite()):
                return _ask_before_adding(request, form, check, queue)
            result = services.create_element(
                user=request.user, confirmed=check.audit_note(), **values
            )
            report_result(request, result)
            return redirect("queues:element", element_id=result.created.pk)
    else:
        form = ElementForm(queue=queue)
    return render(
        request, "queues/create.html", {"form": form, "queue": queue, "queue_names": queue_names()}
    )


def _ask_before_adding(
    request: HttpRequest, form: ElementForm, check: IntakeCheck, queue: str | None
) -> HttpResponse:
    return render(
        request,
        "queues/create_confirm.html",
        {
            "form": form,
            "queue": queue,
            "check": check,
            "confirm": IntakeConfirmForm(initial={"confirmed": check.kinds}),
        },
    )


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
            rows = form.parsed.rows
            check = check_intake(
                queue_name, list(zip(form.parsed.row_numbers, (r[0] for r in rows), strict=True))
            )
            request.session[SESSION_KEY] = {
                "token": token,
                "queue_name": queue_name,
                "rows": rows,
                "confirmed": check.audit_note(),
            }
            return render(
                request,
                "queues/upload_preview.html",
                {
                    "confirm": UploadConfirmForm(initial={"token": token}),
                    "queue_name": queue_name,
                    "total": len(rows),
                    "preview": rows[:PREVIEW_ROWS],
                    "check": check,
                    "similar_links": _upload_links(check.similar),
                    "repeated": check.repeated[:LISTED_REFERENCES],
                    "repeated_more": max(0, len(check.repeated) - LISTED_REFERENCES),
                    "existing": check.existing[:LISTED_REFERENCES],
                    "existing_more": max(0, len(check.existing) - LISTED_REFERENCES),
                },
            )
        errors = getattr(form, "parse_errors", [])
    else:
        form = UploadForm(queue=queue)
    return render(
        request,
        "queues/upload.html",
        {
            "form": form,
            "queue": queue,
            "row_errors": errors,
            "max_rows": UPLOAD_MAX_ROWS,
            "queue_names": queue_names(),
        },
        status=400 if errors else 200,
    )


def _upload_links(names: list[str]) -> str:
    """The upload page for each of `names`, “quoted”, comma-separated: one value for the whole
    sentence that offers them (a translation may put it anywhere)."""
    upload_url = reverse("queues:upload")
    return format_html_join(
        ", ", '<a href="{}?queue={}">“{}”</a>', ((upload_url, quote(n, safe=""), n) for n in names)
    )


def _confirm(request: HttpRequest) -> HttpResponse:
    form = UploadConfirmForm(request.POST)
    pending = request.session.get(SESSION_KEY)
    if not form.is_valid() or not pending or pending["token"] != form.cleaned_data["token"]:
        messages.error(
            request, _("That upload has expired or was already added; upload the file again.")
        )
        return redirect("queues:upload")
    del request.session[SESSION_KEY]
    rows = [tuple(row) for row in pending["rows"]]
    queue_name = pending["queue_name"]
    result = services.create_elements(
        user=request.user,
        queue_name=queue_name,
        rows=rows,
        confirmed=pending.get("confirmed", ""),
    )
    report_result(request, result)
    return redirect(reverse("queues:elements", args=[queue_name]))
