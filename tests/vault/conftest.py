"""Shared bits of the vault tests."""

from __future__ import annotations

import pytest
from django.conf import settings

from orchestrator_site.models import AuditEntry

KEY = settings.OPENORCHESTRATOR_KEY  # the test installation's key (tests/settings.py)
OTHER_KEY = "uQ3nW0y1wH2rKkq9m5bJ7vXc4aZt6eLs8pDf0gHj1kM="


def reveal(client, name: str, *, key: str | None = KEY, reason: str = "robot login broke"):
    data = {"reason": reason}
    if key is not None:
        data["key"] = key
    return client.post(f"/vault/credentials/{name}/reveal/", data)


def audit_rows(action: str | None = None):
    rows = AuditEntry.objects.order_by("id")
    return list(rows.filter(action=action) if action else rows)


def all_audit_text() -> str:
    return "\n".join(
        " ".join(
            str(v) for v in (r.username, r.action, r.target_ids, r.filter_used, r.reason, r.detail)
        )
        for r in AuditEntry.objects.all()
    )


@pytest.fixture
def frozen_now(monkeypatch):
    """Make clock.now() a settable value: returns a one-element list to change it."""
    from orchestrator_site import clock
    from tests.helpers import NOW

    current = [NOW]
    monkeypatch.setattr(clock, "now", lambda: current[0])
    return current
