"""Site-wide pages: health check, the refusal page, placeholders and the audit trail."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from orchestrator_site.filters import AuditFilter
from orchestrator_site.health import schema_status
from orchestrator_site.models import AuditEntry
from orchestrator_site.oo_schema import REVISION
from orchestrator_site.paging import configure_lazy
from orchestrator_site.tables import AuditTable


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For monitoring: 200 when the database answers at the expected revision, else 503."""
    status = schema_status(fresh=True)
    body = {
        "status": "ok" if status.ok else "error",
        "database": "reachable" if status.reachable else "unreachable",
        "revision": status.revision,
        "expected_revision": REVISION,
    }
    if status.problem:
        body["problem"] = status.problem
    return JsonResponse(body, status=200 if status.ok else 503)


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the Django admin)."""
    return HttpResponsePermanentRedirect(static("console/favicon.svg"))


@login_not_required
def denied(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "orchestrator_site/denied.html",
        {"remote_user": request.META.get("REMOTE_USER", "")},
        status=403,
    )


def not_built(request: HttpRequest, area: str) -> HttpResponse:
    """An honest placeholder for an area whose pages are not built yet."""
    return render(request, "orchestrator_site/not_built.html", {"area": area})


@permission_required("orchestrator_site.view_auditentry", raise_exception=True)
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit trail, newest first; read-only. Paged without COUNT(*): the trail only grows."""
    filterset = AuditFilter(request.GET, queryset=AuditEntry.objects.all())
    rows = filterset.qs if filterset.is_valid() else AuditEntry.objects.none()
    table = AuditTable(rows)
    configure_lazy(request, table)
    return render(request, "orchestrator_site/audit.html", {"filter": filterset, "table": table})
