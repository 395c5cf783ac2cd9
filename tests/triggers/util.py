"""Small helpers for the trigger tests."""

from __future__ import annotations

import datetime as dt

from orchestrator_site.models import AuditEntry
from triggers.models import Trigger


def form_data(kind: str, **overrides) -> dict:
    """A valid POST body for the create form of `kind` (single, scheduled, queue)."""
    data = {
        "trigger_name": "Nightly import",
        "process_name": "Import",
        "process_path": "C:/robots/import/main.py",
        "process_args": "",
        "git_branch": "",
        "is_blocking": "on",
        "priority": "0",
        "whitelist_other": "",
    }
    if kind == "single":
        data["next_run"] = (dt.datetime.now() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    elif kind == "scheduled":
        data["cron_expr"] = "0 6 * * MON-FRI"
        data["next_run"] = ""
    else:
        data["queue_name"] = "Invoices"
        data["min_batch_size"] = "1"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def edit_data(response) -> dict:
    """The edit form's current values as a browser would submit them unchanged."""
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name == "next_run" and value:
            value = value.strftime("%Y-%m-%dT%H:%M:%S") if isinstance(value, dt.datetime) else value
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if value is None:
            value = ""
        data[name] = value
    return data


def status_of(trigger) -> str:
    return Trigger.objects.get(pk=trigger.pk).process_status


def audit_rows(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))
