"""Receivers for the alerts' end-to-end tests: a real SMTP server (aiosmtpd) and an HTTP server for
webhooks, both on loopback; a clock that the console and OpenOrchestrator's own code share; rules."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core.management import CommandError, call_command

from alerts.models import AlertRule, RuleKind, WebhookFormat

BASE_URL = "https://console.test/rpa"
# The part of a webhook URL that is its key: never shown after saving, never in the history.
WEBHOOK_KEY = "s3cret-key-4f1c9a"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    subject: str
    body: str


@dataclass
class Inbox:
    """What the SMTP server received. `gate`, when set, holds every message until it is opened."""

    messages: list[Mail] = field(default_factory=list)
    gate: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.arrived.set()
        if self.gate is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 60)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = parsed.get_body(preferencelist=("plain",))
        self.messages.append(
            Mail(
                sender=envelope.mail_from,
                recipients=list(envelope.rcpt_tos),
                subject=str(parsed["Subject"]).strip(),  # folded: begins with a space
                body=body.get_content() if body is not None else "",
            )
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        if inbox.gate is not None:
            inbox.gate.set()
        controller.stop()


@pytest.fixture
def inbox(smtp_server, settings) -> Inbox:
    """The SMTP server, with the console's settings pointing at it (Django's SMTP backend; the
    test runner's in-memory outbox is replaced)."""
    box, port = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = "alerts@console.test"
    settings.CONSOLE_BASE_URL = BASE_URL
    return box


@dataclass
class Request:
    path: str
    content_type: str
    payload: dict


class Receiver:
    """A webhook endpoint on loopback: records each POST and answers with the next status of
    `statuses` (200 once they are used up)."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(
                    Request(self.path, self.headers.get("Content-Type", ""), json.loads(body))
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = b"upstream broke" if status >= 400 else b"1"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/{WEBHOOK_KEY}?sig=abc123"

    @property
    def payloads(self) -> list[dict]:
        return [r.payload for r in self.requests]


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.CONSOLE_BASE_URL = BASE_URL
    hook = Receiver()
    hook.thread.start()
    try:
        yield hook
    finally:
        hook.server.shutdown()
        hook.server.server_close()


class Clock:
    """The console's now and OpenOrchestrator's `datetime.now()` in db_util, moved together."""

    def __init__(self) -> None:
        self.value = dt.datetime.now().replace(microsecond=0)

    def now(self) -> dt.datetime:
        return self.value

    def advance(self, **delta: float) -> None:
        self.value += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """A fixed "now" for the console (orchestrator_site.clock) and for the pings, status changes
    and trigger starts that OpenOrchestrator's db_util writes (its module's `datetime.now()`).
    Rows that OpenOrchestrator stamps by a column default (log lines, new elements) get the real
    time, which the fixed clock starts at."""
    from OpenOrchestrator.database import db_util

    fixed = Clock()

    class SharedDatetime(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ARG003 - datetime.now's signature
            return fixed.value

    monkeypatch.setattr("orchestrator_site.clock.now", fixed.now)
    monkeypatch.setattr(db_util, "datetime", SharedDatetime)
    return fixed


def make_rule(kind: str = RuleKind.PROCESS_ERRORS, **fields) -> AlertRule:
    now = dt.datetime.now()
    values = {
        "name": f"Rule {kind}",
        "kind": kind,
        "target": "",
        "threshold": 1,
        "minutes": 15,
        "email_to": "",
        "webhook_url": "",
        "webhook_format": WebhookFormat.JSON,
        "created_at": now,
        "created_by": "test",
        "changed_at": now,
        "changed_by": "test",
        **fields,
    }
    return AlertRule.objects.create(**values)


@dataclass
class Run:
    output: str
    failed: bool


def run_alerts() -> Run:
    """`manage.py alerts --once` in this process; a failure (exit 1) is part of the result."""
    out, err = StringIO(), StringIO()
    try:
        call_command("alerts", "--once", stdout=out, stderr=err)
    except CommandError as exc:
        return Run(out.getvalue() + err.getvalue() + str(exc), failed=True)
    return Run(out.getvalue() + err.getvalue(), failed=False)
