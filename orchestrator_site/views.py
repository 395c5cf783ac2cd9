"""Site-wide pages: health check, the refusal page, placeholders and the audit trail."""

from __future__ import annotations

import sys

from django.conf import settings
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from orchestrator_site import audit_targets, index_notice
from orchestrator_site.dbfaults import DbState
from orchestrator_site.filters import AuditFilter
from orchestrator_site.forms import LanguageForm
from orchestrator_site.health import fault_response, schema_status
from orchestrator_site.models import AuditEntry
from orchestrator_site.nexturl import safe_next
from orchestrator_site.oo_schema import REVISION
from orchestrator_site.paging import configure_lazy
from orchestrator_site.tables import AuditTable


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For monitoring: 200 when the database answers at the expected revision, else 503. Always
    JSON; `state` is "ok", "unreachable", "busy", "not-a-database", "no-version-table" or
    "wrong-revision"."""
    status = schema_status(fresh=True)
    body = {
        "status": "ok" if status.ok else "error",
        "state": status.state,
        "database": status.state
        if status.state in (DbState.UNREACHABLE, DbState.BUSY, DbState.NOT_A_DATABASE)
        else "reachable",
        "revision": status.revision,
        "expected_revision": REVISION,
    }
    if status.problem:
        body["problem"] = status.problem
    response = JsonResponse(body, status=200 if status.ok else 503)
    if status.retry_after:
        response["Retry-After"] = str(status.retry_after)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database fault raised outside a view (a middleware reading the session or the
    user, or saving the session) still gets the friendly 503, not "Something went wrong"."""
    response = fault_response(request, sys.exc_info()[1])
    return response if response is not None else defaults.server_error(request)


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the Django admin)."""
    return HttpResponsePermanentRedirect(static("console/favicon.svg"))


@login_not_required
def denied(request: HttpRequest) -> HttpResponse:
    """403 for someone the console refuses, or (signed in) for a page their roles do not open."""
    user = getattr(request, "user", None)
    return render(
        request,
        "orchestrator_site/denied.html",
        {
            "remote_user": request.META.get("REMOTE_USER", ""),
            "member": bool(user and user.is_authenticated and user.is_active),
            "admin_page": request.path_info.startswith("/admin/"),
        },
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
    rows = filterset.qs
    table = AuditTable(rows)
    configure_lazy(request, table)
    table.name_targets()
    context = {"filter": filterset, "table": table, "about": _about(filterset)}
    return render(request, "orchestrator_site/audit.html", context)


def _about(filterset: AuditFilter) -> str:
    """The one target the trail is narrowed to (the admin's and the trigger page's links), named."""
    if not filterset.is_bound or not filterset.is_valid():
        return ""
    data = filterset.form.cleaned_data
    if not data.get("target") or not data.get("target_type"):
        return ""
    return audit_targets.about_html(data["target_type"], data["target"])


# Any console role may hide the notice for themselves; the notice itself is for administrators.
@permission_required("orchestrator_site.view_auditentry", raise_exception=True)
@require_POST
def dismiss_index_notice(request: HttpRequest) -> HttpResponse:
    """Hide the missing-index notice for this person until the missing indexes change
    (index_notice), then go back. A POST with CSRF: a link or an image on another site must not
    change what anyone is told."""
    index_notice.dismiss(request)
    return redirect(safe_next(request, request.POST.get("next"), reverse("dashboard:home")))


# Any console role may choose its language (as it may hide the index notice).
@permission_required("orchestrator_site.view_auditentry", raise_exception=True)
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The header's language switch: remembered in a cookie for a year (LANGUAGE_COOKIE_*), read
    by LocaleMiddleware before the browser's Accept-Language. A person's own display setting, so
    not audited; a POST with CSRF all the same, so no other site can switch it."""
    form = LanguageForm(request.POST)
    back = safe_next(request, request.POST.get("next"), reverse("dashboard:home"))
    response = redirect(back)
    if form.is_valid():
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            form.cleaned_data["language"],
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=get_script_prefix(),
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite="Lax",  # settings.LANGUAGE_COOKIE_SAMESITE
        )
    return response
