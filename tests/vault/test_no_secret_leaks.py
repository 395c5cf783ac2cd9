"""No password, token or key in any response but the one reveal, in any log record, or in the audit."""

from __future__ import annotations

import logging

from tests.helpers import oo_db
from tests.vault.conftest import KEY, OTHER_KEY, all_audit_text, reveal
from vault.models import Credential

PASSWORD = "Tr0ub4dor&3-unique-secret"
NEW_PASSWORD = "c0rrect-h0rse-unique-secret"


def _log_text(caplog) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info:
            parts.append(logging.Formatter().formatException(record.exc_info))
        parts.append(repr(getattr(record, "request", "")))
    return "\n".join(parts)


@oo_db
def test_secrets_appear_only_in_the_one_reveal_response(as_admin, as_keeper, caplog):
    caplog.set_level(logging.DEBUG)
    responses = []

    def keep(response):
        responses.append(response)
        return response

    keep(as_admin.get("/vault/credentials/new/"))
    keep(
        as_admin.post(
            "/vault/credentials/new/",
            {"name": "Mail", "username": "r", "password": PASSWORD, "password_again": "typo"},
        )
    )
    keep(
        as_admin.post(
            "/vault/credentials/new/",
            {"name": "Mail", "username": "r", "password": PASSWORD, "password_again": PASSWORD},
        )
    )
    first_token = Credential.objects.get(pk="Mail").password
    keep(as_admin.get("/vault/credentials/", follow=True))
    keep(as_admin.get("/vault/credentials/Mail/edit/"))
    keep(
        as_admin.post(
            "/vault/credentials/Mail/edit/",
            {"username": "r", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
            follow=True,
        )
    )
    token = Credential.objects.get(pk="Mail").password
    keep(as_admin.get("/admin/vault/credential/"))
    keep(as_admin.get("/admin/vault/credential/Mail/change/"))
    keep(as_admin.get("/vault/credentials/Mail/delete/"))
    keep(as_admin.get("/audit/"))
    keep(as_keeper.get("/vault/credentials/"))
    keep(as_keeper.get("/vault/credentials/Mail/reveal/"))
    keep(reveal(as_keeper, "Mail", key=OTHER_KEY))
    keep(reveal(as_keeper, "Mail", key=KEY, reason=f"contains {KEY}"))
    revealed = reveal(as_keeper, "Mail", key=KEY)
    keep(as_keeper.get("/vault/credentials/"))
    keep(as_keeper.get("/vault/credentials/Mail/reveal/"))

    secrets = {
        "password": PASSWORD,
        "new password": NEW_PASSWORD,
        "first token": first_token,
        "token": token,
        "key": KEY,
        "other key": OTHER_KEY,
    }
    for response in responses:
        body = response.content.decode()
        for label, secret in secrets.items():
            assert secret not in body, f"{label} in {response.request['PATH_INFO']}"
            assert secret not in str(response.headers)
    body = revealed.content.decode()
    assert NEW_PASSWORD in body
    for label in ("password", "first token", "token", "key", "other key"):
        assert secrets[label] not in body, label

    logs = _log_text(caplog)
    assert caplog.records  # the run did log (role changes, 4xx warnings)
    for label, secret in secrets.items():
        assert secret not in logs, f"{label} in a log record"
        assert secret not in all_audit_text(), f"{label} in the audit trail"
    session_text = str(dict(as_keeper.session.items()))
    assert KEY not in session_text and NEW_PASSWORD not in session_text


@oo_db
def test_an_error_page_does_not_show_the_password(as_admin, monkeypatch, caplog):
    """Even when something fails after the password was posted, the 500 and its log are clean."""
    from vault import services

    caplog.set_level(logging.DEBUG)

    def boom(**kwargs):
        raise RuntimeError("database exploded")

    monkeypatch.setattr(services, "create_credential", boom)
    as_admin.raise_request_exception = False
    response = as_admin.post(
        "/vault/credentials/new/",
        {"name": "Mail", "username": "r", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 500 and PASSWORD.encode() not in response.content
    assert PASSWORD not in _log_text(caplog)


def _error_reports(caplog) -> str:
    """The technical reports Django builds from the django.request error records (what
    AdminEmailHandler mails): POST data, settings and every frame's local variables."""
    from django.views.debug import ExceptionReporter

    reports = []
    for record in caplog.records:
        if record.name == "django.request" and record.exc_info:
            reporter = ExceptionReporter(record.request, *record.exc_info, is_email=True)
            reports.append(reporter.get_traceback_text())
            reports.append(reporter.get_traceback_html())
    assert reports
    return "\n".join(reports)


@oo_db
def test_error_reports_hide_posted_and_local_secrets(as_admin, as_keeper, monkeypatch, caplog):
    """Django's technical 500 report lists POST data, settings and the local variables of each
    frame: the vault's sensitive_post_parameters / sensitive_variables must filter all of them."""
    from vault import services, views

    caplog.set_level(logging.DEBUG)
    real_create = services.create_credential

    def create_then_fail(**kwargs):
        real_create(**kwargs)
        raise RuntimeError("database exploded after the write")

    monkeypatch.setattr(services, "create_credential", create_then_fail)
    as_admin.raise_request_exception = False
    response = as_admin.post(
        "/vault/credentials/new/",
        {"name": "Mail", "username": "r", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 500
    token = Credential.objects.get(pk="Mail").password

    real_render = views.render

    def render_then_fail(request, template, context=None, **kwargs):
        if template == "vault/credential_revealed.html":
            raise RuntimeError("template exploded")
        return real_render(request, template, context, **kwargs)

    monkeypatch.setattr(views, "render", render_then_fail)
    as_keeper.raise_request_exception = False
    response = reveal(as_keeper, "Mail", key=KEY)
    assert response.status_code == 500 and PASSWORD.encode() not in response.content

    reports = _error_reports(caplog)
    assert "database exploded" in reports and "template exploded" in reports
    for secret in (PASSWORD, KEY, token):
        assert secret not in reports
    assert secret not in _log_text(caplog)
