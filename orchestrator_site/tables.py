from __future__ import annotations

import django_tables2 as tables

from orchestrator_site.models import AuditEntry


class AuditTable(tables.Table):
    # Sorting only by indexed columns, so a long trail still sorts fast.
    at = tables.DateTimeColumn(format="d-m-Y H:i:s", verbose_name="When", order_by=("at", "id"))
    username = tables.Column(verbose_name="User")
    action = tables.Column()
    target_type = tables.Column(verbose_name="Type", orderable=False)
    target_ids = tables.Column(verbose_name="Targets", orderable=False)
    filter_used = tables.Column(verbose_name="Filter", orderable=False)
    count = tables.Column(orderable=False)
    outcome = tables.Column(orderable=False)
    reason = tables.Column(orderable=False)

    class Meta:
        model = AuditEntry
        fields = (
            "at",
            "username",
            "action",
            "target_type",
            "target_ids",
            "filter_used",
            "count",
            "outcome",
            "reason",
        )
        order_by = ("-at",)
        attrs = {"class": "table"}
        empty_text = "No audit entries match."

    def render_target_ids(self, value: str) -> str:
        lines = value.splitlines()
        return ", ".join(lines[:3]) + (f" and {len(lines) - 3} more" if len(lines) > 3 else "")
