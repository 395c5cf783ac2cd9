"""What stands between a keeper and a password: the server key's state, the remembered key check
and the lockout after wrong keys.

The lockout counts rows in the audit table, not a cache entry: the console may run in several
processes (the default LocMemCache is per process), and the audit rows must be written anyway.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography.fernet import Fernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from orchestrator_site import clock
from orchestrator_site.models import AuditEntry

# Audit actions of the reveal flow (see services.reveal_credential).
REVEAL = "credential.reveal"
WRONG_KEY = "credential.reveal_wrong_key"
LOCKED = "credential.reveal_locked"

# Session entry: when this session last proved it knows the key. Only a timestamp, never the key.
SESSION_KEY_CHECKED_AT = "vault_key_checked_at"


@sensitive_variables("key")
def encryption_problem() -> str | None:
    """Why passwords cannot be encrypted or revealed right now, or None when they can."""
    key = settings.OPENORCHESTRATOR_KEY
    if not key:
        return (
            "OpenOrchestratorKey is not set on the console's server, so passwords can be neither "
            "encrypted nor revealed. Set it to the installation's key (the one the Schedulers use) "
            "and restart the console."
        )
    try:
        Fernet(key)
    except (ValueError, TypeError):
        return (
            "OpenOrchestratorKey on the console's server is not a valid Fernet key (it must be the "
            "44-character url-safe base64 key OpenOrchestrator generated), so passwords can be "
            "neither encrypted nor revealed."
        )
    return None


# --- Remembered key check ------------------------------------------------------------------------


def _memory() -> dt.timedelta:
    return dt.timedelta(minutes=settings.CONSOLE_VAULT_KEY_MEMORY_MINUTES)


def remember_key_check(session) -> None:
    if settings.CONSOLE_VAULT_KEY_MEMORY_MINUTES > 0:
        session[SESSION_KEY_CHECKED_AT] = clock.now().isoformat()


def forget_key_check(session) -> None:
    session.pop(SESSION_KEY_CHECKED_AT, None)


def key_remembered_until(session) -> dt.datetime | None:
    """Until when this session need not type the key again; None when it must."""
    raw = session.get(SESSION_KEY_CHECKED_AT)
    if not raw or settings.CONSOLE_VAULT_KEY_MEMORY_MINUTES <= 0:
        return None
    try:
        checked_at = dt.datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        return None
    until = checked_at + _memory()
    now = clock.now()
    if checked_at > now or until <= now:
        return None
    return until


# --- Lockout after wrong keys --------------------------------------------------------------------


@dataclass(frozen=True)
class Lockout:
    failures: int
    locked_until: dt.datetime | None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None

    @property
    def attempts_left(self) -> int:
        return max(settings.CONSOLE_REVEAL_MAX_FAILURES - self.failures, 0)


def lockout_state(user) -> Lockout:
    """Wrong keys this user typed in the lockout window since their last successful reveal.

    Two small indexed queries on the audit table (user + action + time).
    """
    now = clock.now()
    window = dt.timedelta(minutes=settings.CONSOLE_REVEAL_LOCKOUT_MINUTES)
    since = now - window
    mine = AuditEntry.objects.using("default").filter(user_id=user.pk)
    last_success = (
        mine.filter(action=REVEAL, outcome=AuditEntry.Outcome.OK, at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failed = mine.filter(action=WRONG_KEY, at__gte=since)
    if last_success is not None:
        failed = failed.filter(at__gt=last_success)
    limit = settings.CONSOLE_REVEAL_MAX_FAILURES
    failures = list(failed.order_by("-at").values_list("at", flat=True)[:limit])
    if len(failures) < limit:
        return Lockout(len(failures), None)
    # Locked until the oldest of the last `limit` failures leaves the window.
    return Lockout(len(failures), failures[-1] + window)
