"""Sending a notice: e-mail through Django's SMTP backend, or a JSON POST to a webhook.

Each raises DeliveryError with a message fit for the history page and the command's output: the
server's answer or the network's error, never the webhook's URL (its path is its key) and never
the SMTP password.
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext

from alerts.models import webhook_host
from alerts.notices import Notice, payload

ERROR_LENGTH = 1000
ANSWER_LENGTH = 300  # of a refusing server's body, quoted in the error


class DeliveryError(Exception):
    """The notice did not arrive; the message says why and is safe to show and to log."""


def send_email(addresses: list[str], notice: Notice) -> None:
    if not settings.EMAIL_HOST:
        raise DeliveryError(
            gettext("E-mail is not configured: set CONSOLE_EMAIL_HOST (see .env.example).")
        )
    message = EmailMessage(
        subject=notice.email_subject,
        body=notice.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=addresses,
    )
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(_described(exc, "")) from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook answers, it does not redirect: a 3xx is an error (and urllib would repeat the
    POST as a GET elsewhere)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def send_webhook(url: str, webhook_format: str, notice: Notice) -> None:
    """POST the notice's payload as JSON; any 2xx answer is a delivery."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError(gettext("The webhook URL is not an http(s) URL."))
    body = json.dumps(payload(notice, webhook_format), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "OpenOrchestrator-Console-Alerts",
        },
    )
    try:
        with _OPENER.open(request, timeout=settings.CONSOLE_ALERTS_WEBHOOK_TIMEOUT) as response:
            response.read(65536)
    except urllib.error.HTTPError as exc:
        answer = exc.read(ANSWER_LENGTH).decode("utf-8", "replace").strip()
        text = f"HTTP {exc.code} {exc.reason}" + (f": {answer}" if answer else "")
        raise DeliveryError(_scrubbed(text, url)) from None
    except urllib.error.URLError as exc:
        raise DeliveryError(_described(exc.reason, url)) from None
    except (OSError, ValueError) as exc:  # a timeout while reading, a malformed host
        raise DeliveryError(_described(exc, url)) from None


def _described(exc: object, url: str) -> str:
    text = f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException) else str(exc)
    return _scrubbed(text, url)


def _scrubbed(text: str, url: str) -> str:
    """`text` without the webhook's URL or any part of its path or query, and not too long."""
    if url:
        parts = urlsplit(url)
        for secret in (url, parts.path, parts.query):
            if len(secret) > 1:
                text = text.replace(secret, "…")
        text = text.replace(parts.netloc, webhook_host(url).split("://")[1])
    return text[:ERROR_LENGTH]
