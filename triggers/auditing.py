"""How the audit trail names and links triggers and Schedulers (orchestrator_site.audit_targets),
and the actions triggers.services audits; registered in TriggersConfig.ready()."""

from __future__ import annotations

from django.urls import reverse

from orchestrator_site.audit_targets import Target, TargetKind, uuids
from orchestrator_site.reversing import id_url
from triggers.models import Trigger


def find_triggers(ids: list[str]) -> dict[str, Target]:
    rows = Trigger.objects.filter(pk__in=uuids(ids)).values_list("pk", "trigger_name")
    return {str(pk): Target(id=str(pk), name=name) for pk, name in rows}


KINDS = (
    TargetKind(
        "trigger",
        "trigger",
        "triggers",
        url=lambda target: id_url("triggers:detail", target.id),
        find=find_triggers,
    ),
    TargetKind(
        "scheduler",
        "Scheduler",
        "Schedulers",
        url=lambda target: reverse("triggers:schedulers"),
        id_is_name=True,
    ),
)
ACTIONS = (
    "trigger.create",
    "trigger.edit",
    "trigger.pause",
    "trigger.resume",
    "trigger.run_now",
    "trigger.kill",
    "trigger.reset",
    "trigger.delete",
    "scheduler.forget",
)
