"""Every change to credentials and constants, and every reveal: one function each, used by the
views, the admin and the rotate_key command. Each takes the acting user, runs in a transaction and
writes an audit row (never with a secret in it)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from orchestrator_site import audit, clock, crypto
from orchestrator_site.models import AuditEntry
from vault import guard
from vault.models import Constant, Credential

ORCHESTRATOR = settings.ORCHESTRATOR_DB
Outcome = AuditEntry.Outcome


class VaultError(Exception):
    """A refusal whose message is safe to show to the user (it never contains a secret)."""


class DuplicateName(VaultError):
    pass


class NotFound(VaultError):
    pass


class Conflict(VaultError):
    """Someone (a robot, a colleague) changed the value while the person edited it."""


class EncryptionUnavailable(VaultError):
    pass


class RevealRefused(VaultError):
    """The password was not revealed. `key_verified` says whether the typed key was right."""

    def __init__(self, message: str, *, key_verified: bool = False):
        super().__init__(message)
        self.key_verified = key_verified


@contextmanager
def _both_databases():
    """The OpenOrchestrator write and its audit row commit together or not at all (as far as two
    databases allow: the audit row commits last)."""
    with transaction.atomic(using="default"), transaction.atomic(using=ORCHESTRATOR):
        yield


def _require_encryption() -> None:
    problem = guard.encryption_problem()
    if problem:
        raise EncryptionUnavailable(problem)


def _check_password_size(password: str) -> None:
    size = len(password.encode())
    if size > crypto.MAX_PASSWORD_BYTES:
        raise VaultError(
            f"The password is {size} bytes (UTF-8); at most {crypto.MAX_PASSWORD_BYTES} fit the "
            "1000-character column once encrypted."
        )


# --- Credentials ---------------------------------------------------------------------------------


@sensitive_variables("password", "token")
def create_credential(*, user, name: str, username: str, password: str) -> Credential:
    """Insert a credential with the password encrypted as OpenOrchestrator's crypto_util does."""
    _require_encryption()
    _check_password_size(password)
    token = crypto.encrypt(password)
    try:
        with _both_databases():
            if Credential.objects.filter(pk=name).exists():
                raise DuplicateName("A credential with that name already exists.")
            credential = Credential.objects.create(
                name=name, username=username, password=token, changed_at=clock.now()
            )
            audit.record(
                user=user,
                action="credential.create",
                target_type="credential",
                targets=[name],
                count=1,
            )
    except IntegrityError:
        raise DuplicateName("A credential with that name already exists.") from None
    return credential


@sensitive_variables("password", "token", "values")
def update_credential(
    *,
    user,
    name: str,
    username: str | None,
    password: str | None = None,
    expected_username: str | None = None,
) -> None:
    """Change the username when one is given, and the password when one is given.

    Only those columns (and changed_at) are written, so a robot's concurrent `update_credential`
    of the password is not overwritten by an edit of the username alone. With
    `expected_username` (what the edit form showed) the username is written only if it is still
    that; otherwise Conflict.
    """
    values: dict[str, object] = {"changed_at": clock.now()}
    if username is not None:
        values["username"] = username
    if password is not None:
        _require_encryption()
        _check_password_size(password)
        values["password"] = crypto.encrypt(password)
    with _both_databases():
        rows = Credential.objects.filter(pk=name)
        if username is not None and expected_username is not None:
            rows = rows.filter(username=expected_username)
        changed = rows.update(**values)
        if not changed:
            if Credential.objects.filter(pk=name).exists():
                raise Conflict(
                    f"The username of “{name}” was changed by someone else (or a robot) while you "
                    "edited it. Nothing was saved; reload the page and make your change again."
                )
            raise NotFound(f"The credential {name!r} no longer exists.")
        audit.record(
            user=user,
            action="credential.change",
            target_type="credential",
            targets=[name],
            count=changed,
            detail="new password" if password is not None else "username only; password kept",
        )


def delete_credentials(*, user, names: Iterable[str]) -> int:
    """Delete credentials by name; returns how many existed and were deleted."""
    return _delete(Credential, "credential", user=user, names=names)


def _delete(model, kind: str, *, user, names: Iterable[str]) -> int:
    names = list(dict.fromkeys(names))
    with _both_databases():
        deleted, _ = model.objects.filter(pk__in=names).delete()
        audit.record(
            user=user,
            action=f"{kind}.delete",
            target_type=kind,
            targets=names,
            count=deleted,
            outcome=Outcome.OK if deleted == len(names) else Outcome.PARTIAL,
        )
    return deleted


@sensitive_variables("typed_key", "token", "password")
def reveal_credential(
    *, user, name: str, reason: str, typed_key: str | None, key_remembered: bool = False
) -> str:
    """Return the decrypted password, after writing (and committing) the audit row that says who
    revealed it and why.

    The person proves they know the installation key: either `typed_key` matches it (constant-time),
    or `key_remembered` says their session did so a few minutes ago. A typed key is compared only
    after the lockout granted it an attempt; wrong keys are audited and keep that attempt counted.
    """
    problem = guard.encryption_problem()
    if problem:
        _audit_reveal(user, guard.REVEAL, name, reason, Outcome.REFUSED, "encryption unavailable")
        raise RevealRefused(problem)
    lockout = guard.lockout_state(user) if key_remembered else guard.reserve_key_check(user)
    if lockout is not None and lockout.locked:
        _audit_reveal(user, guard.LOCKED, name, reason, Outcome.REFUSED, "locked out")
        raise RevealRefused(
            f"Too many wrong keys. Revealing is locked for you until "
            f"{lockout.locked_until:%H:%M:%S}."
        )
    key_verified = False
    if not key_remembered:
        if not typed_key or not crypto.key_matches(typed_key):
            _audit_reveal(user, guard.WRONG_KEY, name, reason, Outcome.REFUSED, "wrong key")
            left = guard.lockout_state(user)
            if left.locked:
                raise RevealRefused(
                    "That is not the installation's key. Too many wrong keys: revealing is locked "
                    f"for you until {left.locked_until:%H:%M:%S}."
                )
            raise RevealRefused(
                "That is not the installation's key. "
                f"{left.attempts_left} attempt{'s' if left.attempts_left != 1 else ''} left."
            )
        guard.key_check_passed(user)
        key_verified = True
    token = Credential.objects.filter(pk=name).values_list("password", flat=True).first()
    if token is None:
        raise NotFound(f"The credential {name!r} no longer exists.")
    try:
        password = crypto.decrypt(token)
    except crypto.WrongKey:
        _audit_reveal(
            user,
            guard.REVEAL,
            name,
            reason,
            Outcome.FAILED,
            "the stored token does not decrypt with the configured key",
        )
        raise RevealRefused(
            "This password was not encrypted with the configured OpenOrchestratorKey, so it cannot "
            "be decrypted. A robot or console using another key wrote it; set it again.",
            key_verified=key_verified,
        ) from None
    except UnicodeDecodeError:
        _audit_reveal(user, guard.REVEAL, name, reason, Outcome.FAILED, "not UTF-8 text")
        raise RevealRefused(
            "The decrypted password is not UTF-8 text.", key_verified=key_verified
        ) from None
    # The audit row is committed before the caller can return the password.
    _audit_reveal(user, guard.REVEAL, name, reason, Outcome.OK, "")
    return password


def _audit_reveal(user, action: str, name: str, reason: str, outcome: str, detail: str) -> None:
    with transaction.atomic(using="default"):
        audit.record(
            user=user,
            action=action,
            target_type="credential",
            targets=[name],
            count=1 if outcome == Outcome.OK else 0,
            outcome=outcome,
            reason=reason,
            detail=detail,
        )


# --- Constants -----------------------------------------------------------------------------------


def create_constant(*, user, name: str, value: str) -> Constant:
    try:
        with _both_databases():
            if Constant.objects.filter(pk=name).exists():
                raise DuplicateName("A constant with that name already exists.")
            constant = Constant.objects.create(name=name, value=value, changed_at=clock.now())
            audit.record(
                user=user, action="constant.create", target_type="constant", targets=[name], count=1
            )
    except IntegrityError:
        raise DuplicateName("A constant with that name already exists.") from None
    return constant


def update_constant(*, user, name: str, value: str, expected: str | None = None) -> None:
    """Set the value; with `expected` (what the edit form showed) only if it is still that."""
    with _both_databases():
        rows = Constant.objects.filter(pk=name)
        if expected is not None:
            rows = rows.filter(value=expected)
        changed = rows.update(value=value, changed_at=clock.now())
        if not changed:
            if Constant.objects.filter(pk=name).exists():
                raise Conflict(
                    f"The value of “{name}” was changed by someone else (or a robot) while you "
                    "edited it. Nothing was saved; reload the page and make your change again."
                )
            raise NotFound(f"The constant {name!r} no longer exists.")
        audit.record(
            user=user, action="constant.change", target_type="constant", targets=[name], count=1
        )


def delete_constants(*, user, names: Iterable[str]) -> int:
    """Delete constants by name; returns how many existed and were deleted."""
    return _delete(Constant, "constant", user=user, names=names)


# --- Key rotation --------------------------------------------------------------------------------


class RotationRefused(VaultError):
    pass


@dataclass
class RotationReport:
    total: int = 0
    readable: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    reencrypted: int = 0
    committed: bool = False


@sensitive_variables("new_key", "new_fernet", "tokens", "token", "plaintext", "fresh")
def rotate_key(  # noqa: C901 - split with the write contract
    *, user, new_key: str, commit: bool = False, skip_undecryptable: bool = False
) -> RotationReport:
    """Re-encrypt every credential from the configured key to `new_key`, in one transaction.

    Without `commit` nothing is written (a dry run). Tokens that do not decrypt with the current key
    make a commit refuse, unless `skip_undecryptable` leaves them as they are. Rows are locked
    (SELECT ... FOR UPDATE where the backend has it) and each update is conditional on the token
    read, so a robot's concurrent update aborts the rotation instead of being overwritten.
    """
    _require_encryption()
    try:
        new_fernet = Fernet(new_key)
    except (ValueError, TypeError):
        raise RotationRefused(
            "The new key is not a valid Fernet key (44 url-safe base64 characters, as "
            "Fernet.generate_key() or OpenOrchestrator's 'New key' button makes)."
        ) from None
    if crypto.key_matches(new_key):
        raise RotationRefused("The new key is the key already configured; nothing to rotate.")

    report = RotationReport()
    try:
        with _both_databases():
            tokens = dict(
                Credential.objects.select_for_update()
                .order_by("name")
                .values_list("name", "password")
            )
            report.total = len(tokens)
            fresh: dict[str, str] = {}
            for name, token in tokens.items():
                try:
                    plaintext = crypto.decrypt(token)
                except (crypto.WrongKey, UnicodeDecodeError):
                    report.unreadable.append(name)
                    continue
                report.readable.append(name)
                fresh[name] = new_fernet.encrypt(plaintext.encode()).decode()
            if commit and report.unreadable and not skip_undecryptable:
                raise RotationRefused(
                    f"{len(report.unreadable)} of {report.total} credentials do not decrypt with "
                    f"the current key: {', '.join(report.unreadable)}. Nothing was changed. Fix "
                    "or delete them, or pass --skip-undecryptable to leave them as they are."
                )
            if commit:
                now = clock.now()
                for name, token in fresh.items():
                    changed = Credential.objects.filter(pk=name, password=tokens[name]).update(
                        password=token, changed_at=now
                    )
                    if changed != 1:
                        raise RotationRefused(
                            f"The credential {name!r} changed while rotating; nothing was "
                            "changed. Run the command again."
                        )
                    report.reencrypted += 1
                report.committed = True
            audit.record(
                user=user,
                action="credential.rotate_key" if commit else "credential.rotate_key_dry_run",
                target_type="credential",
                targets=report.readable,
                count=report.reencrypted,
                outcome=Outcome.OK if not report.unreadable else Outcome.PARTIAL,
                detail=(
                    f"{'re-encrypted' if commit else 'would re-encrypt'} "
                    f"{len(report.readable)} of {report.total}; not decryptable with the current "
                    f"key (left as they are): {', '.join(report.unreadable) or 'none'}"
                ),
            )
    except RotationRefused as exc:
        # The transaction rolled back; the refusal is recorded on its own.
        audit.record(
            user=user,
            action="credential.rotate_key",
            target_type="credential",
            targets=report.unreadable,
            outcome=Outcome.REFUSED,
            detail=str(exc)[:1000],
        )
        raise
    return report
