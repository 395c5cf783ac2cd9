"""How the audit trail names and links processes and log lines (orchestrator_site.audit_targets),
and the actions logs audits; registered in LogsConfig.ready()."""

from __future__ import annotations

from orchestrator_site.audit_targets import TargetKind
from orchestrator_site.reversing import name_url

KINDS = (
    TargetKind(
        "process",
        "process",
        "processes",
        url=lambda target: name_url("logs:process", target.id),
        id_is_name=True,
    ),
    # Log lines have no names, and an audited one was deleted: shown by their short ids.
    TargetKind("log", "log line", "log lines"),
)
ACTIONS = ("logs.delete_selected", "logs.delete_matching", "logs.purge", "logs.export")
