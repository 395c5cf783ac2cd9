"""GET /metrics: Prometheus's text format, for a scraper with the bearer token or a signed-in Viewer.

Login-free like /healthz, because a scraper has no Windows identity (the identity adapter lets
exactly this path through without one when CONSOLE_METRICS_TOKEN is set); the view itself then
denies by default: the right token, or a user whose roles may view queues, logs, triggers, jobs
and Schedulers. A wrong token is refused even when the request also carries an identity.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from dashboard.views import VIEW_PERMISSIONS  # the dashboard shows the same numbers
from metrics import exposition
from orchestrator_site.health import schema_status, unavailable_response

BEARER = "bearer "


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")


def _token_matches(header: str) -> bool:
    """Compared in constant time; never true while no token is configured."""
    expected = settings.CONSOLE_METRICS_TOKEN
    supplied = header[len(BEARER) :].strip()
    return bool(expected) and hmac.compare_digest(supplied.encode(), expected.encode())


def refusal(request: HttpRequest) -> HttpResponse | None:
    """Why this request may not read the metrics, as a response; None when it may.

    Only a Bearer authorization counts as a token: a browser behind IIS may send its own
    (Negotiate) header, and then its Windows identity decides.
    """
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization[: len(BEARER)].lower() == BEARER:
        if _token_matches(authorization):
            return None
        return _plain(403, "Forbidden: the bearer token is not the metrics token.")
    user = request.user
    if user.is_authenticated:
        if user.has_perms(VIEW_PERMISSIONS):
            return None
        return _plain(403, "Forbidden: your roles do not include viewing the console's data.")
    if request.META.get("REMOTE_USER"):
        # A Windows identity in no console group: refused, as on every page.
        return _plain(403, "Forbidden: you are not in any of the console's groups.")
    response = _plain(401, "Unauthorized: send Authorization: Bearer <CONSOLE_METRICS_TOKEN>.")
    response["WWW-Authenticate"] = 'Bearer realm="OpenOrchestrator Console metrics"'
    return response


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The metrics, from the shared snapshots: no scan of OpenOrchestrator's tables per scrape.

    The database middleware leaves this path alone, so that nobody learns the database's state
    before being let in; then, as on every page, no numbers from a database at another revision or
    out of reach (503)."""
    refused = refusal(request)
    if refused is not None:
        return refused
    status = schema_status()
    if not status.ok:
        return unavailable_response(request, status)
    return HttpResponse(exposition.render(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
