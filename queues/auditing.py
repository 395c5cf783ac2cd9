"""How the audit trail names and links queue elements and queues (orchestrator_site.audit_targets),
and the actions queues audits; registered in QueuesConfig.ready()."""

from __future__ import annotations

from orchestrator_site.audit_targets import Target, TargetKind, uuids
from orchestrator_site.reversing import id_url, name_url
from queues.models import QueueElement
from queues.services import ACTIONS as BULK_ACTIONS


def find_elements(ids: list[str]) -> dict[str, Target]:
    rows = QueueElement.objects.filter(pk__in=uuids(ids)).values_list(
        "pk", "reference", "queue_name"
    )
    return {
        str(pk): Target(id=str(pk), name=reference, queue=queue) for pk, reference, queue in rows
    }


def queue_url(name: str) -> str:
    return name_url("queues:elements", name)


KINDS = (
    TargetKind(
        "queue element",
        "queue element",
        "queue elements",
        url=lambda target: id_url("queues:element", target.id),
        find=find_elements,
        queue_url=queue_url,
    ),
    TargetKind(
        "queue", "queue", "queues", url=lambda target: queue_url(target.id), id_is_name=True
    ),
)
ACTIONS = (
    *(f"queues.{action}" for action in BULK_ACTIONS),
    *(f"queues.{action}_all" for action in BULK_ACTIONS),
    "queues.unacknowledge",
    "queues.create",
    "queues.upload",
    "queues.export",
)
