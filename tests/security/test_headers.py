"""Security headers, cookie flags, CSP and CSRF on real responses; no inline script or style anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path
from django.views.decorators.http import require_POST

from orchestrator_site.identity import signed_in_environ
from orchestrator_site.urls import urlpatterns as site_urlpatterns
from tests.conftest import PERSONAS
from tests.helpers import oo_db

ROOT = Path(__file__).resolve().parents[2]


@require_POST
def _post_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("changed")


# A test-only POST view next to the real site, so CSRF is tested whatever POST URLs exist.
urlpatterns = [path("test-only/post/", _post_only), *site_urlpatterns]


# A page whose form carries a CSRF token (the admin's list of queue elements: its actions form).
FORM_PAGE = "/admin/queues/queueelement/"


def operator(**extra) -> Client:
    return Client(**signed_in_environ(PERSONAS["operator"]), **extra)


def csp_directives(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@oo_db
def test_a_page_carries_the_security_headers():
    response = operator().get("/audit/", secure=True)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@oo_db
def test_the_csp_allows_only_the_apps_own_assets():
    directives = csp_directives(operator().get("/audit/"))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    for name, values in directives.items():
        assert "'unsafe-inline'" not in values, name
        assert "'unsafe-eval'" not in values, name
        assert not any(v.startswith(("http:", "https:", "*")) for v in values), name


@oo_db
def test_the_403_page_carries_the_headers_too():
    response = Client().get("/audit/")
    assert response.status_code == 403
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response


@oo_db
def test_the_session_cookie_is_host_prefixed_secure_httponly_lax():
    # Only a page that stores something in the session starts one (hiding a notice does).
    response = operator().post("/index-notice/dismiss/", secure=True)
    cookie = response.cookies["__Host-console-session"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert not cookie["domain"]
    assert not cookie["max-age"] and not cookie["expires"]  # ends with the browser


@oo_db
def test_the_csrf_cookie_is_host_prefixed_secure_lax():
    response = operator().get(FORM_PAGE, secure=True)
    cookie = response.cookies["__Host-console-csrf"]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert not cookie["domain"]


@oo_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_post_without_a_csrf_token_fails():
    client = operator(enforce_csrf_checks=True)
    response = client.post("/test-only/post/")
    assert response.status_code == 403
    assert b"The form expired" in response.content
    response = client.post("/test-only/post/", {"csrfmiddlewaretoken": "forged" * 6})
    assert response.status_code == 403


@oo_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_post_with_the_csrf_token_passes():
    client = operator(enforce_csrf_checks=True)
    client.get(FORM_PAGE)
    token = client.cookies[
        "console-csrf" if "console-csrf" in client.cookies else "__Host-console-csrf"
    ]
    response = client.post("/test-only/post/", HTTP_X_CSRFTOKEN=token.value)
    assert response.status_code == 200
    assert response.content == b"changed"


@oo_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_cross_origin_post_over_https_fails_even_with_a_token():
    client = operator(enforce_csrf_checks=True)
    client.get(FORM_PAGE, secure=True)
    token = client.cookies["__Host-console-csrf"].value
    response = client.post(
        "/test-only/post/",
        secure=True,
        HTTP_X_CSRFTOKEN=token,
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403


@oo_db
def test_csrf_is_enforced_on_every_real_post_only_url():
    from tests.security.urlmap import project_urls

    client = operator(enforce_csrf_checks=True)
    for url in project_urls():
        if url.post_only:
            response = client.post(url.path)
            assert response.status_code == 403, url.route
            assert b"The form expired" in response.content, url.route


def _template_files() -> list[Path]:
    files = list((ROOT / "templates").rglob("*.html"))
    for folder in ROOT.glob("*/templates"):
        if not folder.parent.name.startswith("."):
            files += folder.rglob("*.html")
    return files


SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


@pytest.mark.parametrize("template", _template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_has_inline_script_or_style(template):
    text = template.read_text(encoding="utf-8")
    for tag in SCRIPT_TAG.findall(text):
        assert "src=" in tag, f"inline <script> in {template}: {tag}"
    assert not INLINE_STYLE.search(text), f'style="" attribute in {template}'
    assert "<style" not in text.lower(), f"<style> block in {template}"
    assert not INLINE_HANDLER.search(text), f"inline event handler in {template}"


def test_the_template_scan_finds_the_templates():
    names = {p.name for p in _template_files()}
    assert {"base.html", "audit.html", "denied.html"} <= names
