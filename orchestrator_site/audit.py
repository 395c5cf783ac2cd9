"""Writing the audit trail. Services do not call `record` themselves: `orchestrator_site.writes.write`
does, once per write, whatever its outcome."""

from __future__ import annotations

from collections.abc import Iterable

from orchestrator_site import clock
from orchestrator_site.models import AuditEntry

# Named apart from any result object: this is the outcome column of an audit row.
AuditOutcome = AuditEntry.Outcome


def record(
    *,
    user,
    action: str,
    target_type: str = "",
    targets: Iterable[object] = (),
    filter_used: str = "",
    count: int = 0,
    outcome: str = AuditOutcome.OK,
    reason: str = "",
    detail: str = "",
) -> AuditEntry:
    """Write one audit row in the console's own database. Never pass secrets in any argument."""
    username = getattr(user, "get_username", lambda: "")() or "system"
    return AuditEntry.objects.create(
        at=clock.now(),
        user=user if getattr(user, "pk", None) else None,
        username=username,
        action=action,
        target_type=target_type,
        target_ids="\n".join(str(t) for t in targets)[:20000],
        filter_used=filter_used[:5000],
        count=count,
        outcome=outcome,
        reason=reason[:500],
        detail=detail[:5000],
    )
