"""Small helpers shared by the queue tests."""

from __future__ import annotations

from orchestrator_site.models import AuditEntry
from queues.models import QueueElement


def status_of(element) -> str | None:
    row = QueueElement.objects.filter(pk=element.pk).values_list("status", flat=True).first()
    return row


def reload(element) -> QueueElement:
    return QueueElement.objects.get(pk=element.pk)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def last_audit(action: str) -> AuditEntry:
    entry = AuditEntry.objects.filter(action=action).order_by("-id").first()
    assert entry is not None, f"no audit row for {action}"
    return entry
