"""What an alert says: its title and text, and the payloads of the three webhook formats.

Names come from OpenOrchestrator's tables (hostile text): an e-mail subject gets no line break,
and the Teams formats, which render Markdown (and a MessageCard some HTML), get every character
that could make a link, an image or formatting escaped. The plain JSON carries the values as they
are, for a program to read.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext

from alerts.models import AlertRule, Event, Incident, WebhookFormat
from orchestrator_site.display import datetime_text, duration_text

PRODUCT = "OpenOrchestrator"
# What makes emphasis, code, a link or an image, an autolink, strike-through or a heading.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>~#])")
_LINE_BREAKS = re.compile(r"[\r\n\t\x0b\x0c\x85\u2028\u2029]+")


@dataclass(frozen=True)
class Notice:
    event: str
    title: str
    facts: list[tuple[str, str]]  # (label, value), in the order shown
    url: str  # absolute: CONSOLE_BASE_URL + the page's path
    data: dict[str, Any]  # the plain JSON payload

    @property
    def text(self) -> str:
        """The e-mail's body."""
        lines = [self.title, ""]
        lines += [f"{label}: {value}" for label, value in self.facts]
        lines += ["", gettext("Open in the console: %(url)s") % {"url": self.url}]
        return "\n".join(lines) + "\n"

    @property
    def email_subject(self) -> str:
        """One line (a name may hold line breaks; a header may not), at most 200 characters."""
        subject = _LINE_BREAKS.sub(" ", f"[{PRODUCT}] {self.title}")
        return subject if len(subject) <= 200 else subject[:199] + "…"


def absolute(path: str) -> str:
    return f"{settings.CONSOLE_BASE_URL}{path}"


def notice(rule: AlertRule, incident: Incident, event: str) -> Notice:
    """The notice of `incident` (its latest finding) for `event` (Event.FIRING or RESOLVED)."""
    url = absolute(incident.link)
    facts = [
        (gettext("Rule"), rule.name),
        (gettext("Condition"), rule.condition_text()),
        (gettext("Since"), datetime_text(incident.opened_at)),
    ]
    if event == Event.FIRING:
        title = f"{incident.subject}: {incident.summary}"
    else:
        title = gettext("Resolved: %(subject)s") % {"subject": incident.subject}
        resolved = incident.resolved_at or incident.last_seen_at
        facts += [
            (gettext("Resolved"), datetime_text(resolved)),
            (gettext("Lasted"), duration_text(resolved - incident.opened_at)),
            (gettext("Last finding"), incident.summary),
        ]
    data = {
        "event": str(event),
        "title": title,
        "rule": rule.name,
        "kind": rule.kind,
        "condition": rule.condition_text(),
        "subject": incident.subject,
        "subject_key": incident.subject_key,
        "summary": incident.summary,
        "count": incident.count,
        "threshold": rule.threshold if rule.counts else None,
        "window_minutes": rule.minutes,
        "opened_at": incident.opened_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "url": url,
    }
    return Notice(event=str(event), title=title, facts=facts, url=url, data=data)


def markdown_text(value: str) -> str:
    """`value` shown literally where Markdown is rendered: each special character escaped, line
    breaks made spaces."""
    return _MARKDOWN.sub(r"\\\1", _LINE_BREAKS.sub(" ", value))


def payload(notice: Notice, webhook_format: str) -> dict[str, Any]:
    if webhook_format == WebhookFormat.JSON:
        return notice.data
    if webhook_format == WebhookFormat.MESSAGECARD:
        return _message_card(notice)
    return _adaptive_card(notice)


def _adaptive_card(notice: Notice) -> dict[str, Any]:
    """A message with one Adaptive Card (1.4): what Teams Workflows' "post a card when a webhook
    request is received" and the classic incoming webhook both take."""
    colour = "Attention" if notice.event == Event.FIRING else "Good"
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": markdown_text(notice.title),
                "weight": "Bolder",
                "size": "Medium",
                "color": colour,
                "wrap": True,
            },
            {
                "type": "FactSet",
                "facts": [
                    {"title": label, "value": markdown_text(value)} for label, value in notice.facts
                ],
            },
        ],
        "actions": [
            {"type": "Action.OpenUrl", "title": gettext("Open in the console"), "url": notice.url}
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def _message_card(notice: Notice) -> dict[str, Any]:
    """The legacy connector card (Office 365 connectors' incoming webhook)."""

    def shown(value: str) -> str:
        return markdown_text(html.escape(value, quote=False))

    return {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": _LINE_BREAKS.sub(" ", notice.title)[:200],
        "themeColor": "D13438" if notice.event == Event.FIRING else "2EB886",
        "title": shown(notice.title),
        "sections": [{"facts": [{"name": label, "value": shown(v)} for label, v in notice.facts]}],
        "potentialAction": [
            {
                "@type": "OpenUri",
                "name": gettext("Open in the console"),
                "targets": [{"os": "default", "uri": notice.url}],
            }
        ],
    }
