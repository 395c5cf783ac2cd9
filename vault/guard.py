"""What stands between a keeper and a password: the server key's state, the remembered key check
and the lockout after wrong keys.

The lockout counts in a row of the console's own database (`RevealAttempts`), not a cache entry:
the console may run in several processes (the default LocMemCache is per process). A request
reserves an attempt before it compares a key, in one conditional UPDATE, so that parallel requests
cannot each see "4 of 5" and all compare (SQLite has no SELECT ... FOR UPDATE).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from orchestrator_site import clock
from orchestrator_site.writes import CONSOLE
from vault.models import RevealAttempts

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Audit actions of the reveal flow (see services.reveal_credential).
REVEAL = "credential.reveal"
WRONG_KEY = "credential.reveal_wrong_key"
LOCKED = "credential.reveal_locked"

# Session entry: when this session last proved it knows the key. Only a timestamp, never the key.
SESSION_KEY_CHECKED_AT = "vault_key_checked_at"


NO_KEY = gettext_lazy(
    "OpenOrchestratorKey is not set on the console's server, so passwords can be neither "
    "encrypted nor revealed. Set it to the installation's key (the one the Schedulers use) "
    "and restart the console."
)
BAD_KEY = gettext_lazy(
    "OpenOrchestratorKey on the console's server is not a valid Fernet key (it must be the "
    "44-character url-safe base64 key OpenOrchestrator generated), so passwords can be "
    "neither encrypted nor revealed."
)


@sensitive_variables("key")
def encryption_problem() -> StrOrPromise | None:
    """Why passwords cannot be encrypted or revealed right now, or None when they can (a lazy
    translation: a page shows it in the reader's language, the audit trail in English)."""
    key = settings.OPENORCHESTRATOR_KEY
    if not key:
        return NO_KEY
    try:
        Fernet(key)
    except (ValueError, TypeError):
        return BAD_KEY
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


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.CONSOLE_REVEAL_LOCKOUT_MINUTES)


def _attempts(user):
    return RevealAttempts.objects.filter(user_id=user.pk)


def lockout_state(user) -> Lockout:
    """Attempts this user made in the lockout window since their last correct key (one query).

    The window starts at the first attempt after a correct key (or after the last window ended);
    reaching the limit locks until it ends.
    """
    row = _attempts(user).values_list("attempts", "window_start").first()
    if row is None:
        return Lockout(0, None)
    attempts, window_start = row
    ends = window_start + _window()
    if not attempts or ends <= clock.now():
        return Lockout(0, None)
    return Lockout(attempts, ends if attempts >= settings.CONSOLE_REVEAL_MAX_FAILURES else None)


def reserve_key_check(user) -> Lockout | None:
    """Count one key check for `user` if the limit allows it: None when counted, else the lockout.

    Call it before comparing a typed key; a wrong key keeps its count (it is the failure), a right
    one calls `key_check_passed`. Counting and checking the limit are one conditional UPDATE,
    atomic on every backend, so at most CONSOLE_REVEAL_MAX_FAILURES keys are compared per window
    however many requests arrive at once.
    """
    limit = settings.CONSOLE_REVEAL_MAX_FAILURES
    for _ in range(3):
        now = clock.now()
        fresh = Q(attempts=0) | Q(window_start__lte=now - _window())
        counted = (
            _attempts(user)
            .filter(fresh | Q(attempts__lt=limit))
            .update(
                attempts=Case(When(fresh, then=Value(1)), default=F("attempts") + 1),
                window_start=Case(When(fresh, then=Value(now)), default=F("window_start")),
            )
        )
        if counted:
            return None
        state = lockout_state(user)
        if state.locked:
            return state
        try:
            with transaction.atomic(using=CONSOLE):
                RevealAttempts.objects.create(user_id=user.pk, window_start=now, attempts=1)
            return None
        except IntegrityError:
            continue  # the row exists (a parallel request made it, or its window just ended)
    return Lockout(limit, clock.now() + _window())  # never compare a key without a count


def key_check_passed(user) -> None:
    """A correct key clears the count, as the person evidently knows the key."""
    _attempts(user).update(attempts=0)
