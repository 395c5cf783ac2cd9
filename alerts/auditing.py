"""How the audit trail names and links alert rules (orchestrator_site.audit_targets), and the
actions alerts.services audits; registered in AlertsConfig.ready()."""

from __future__ import annotations

from django.urls import reverse

from alerts.models import AlertRule
from orchestrator_site.audit_targets import Target, TargetKind

TARGET_TYPE = "alert_rule"


def find_rules(ids: list[str]) -> dict[str, Target]:
    numbers = [int(pk) for pk in ids if pk.isdigit()]
    rows = AlertRule.objects.filter(pk__in=numbers).values_list("pk", "name")
    return {str(pk): Target(id=str(pk), name=name) for pk, name in rows}


def rule_url(target: Target) -> str:
    if not target.id.isdigit():
        raise ValueError(f"not an alert rule id: {target.id!r}")  # shown, not linked
    return reverse("alerts:rule", args=[int(target.id)])


KINDS = (TargetKind(TARGET_TYPE, "alert rule", "alert rules", url=rule_url, find=find_rules),)
ACTIONS = (
    "alert_rule.create",
    "alert_rule.change",
    "alert_rule.delete",
    "alert_rule.mute",
    "alert_rule.unmute",
)
