"""Every change to credentials and constants, and every reveal: one function each, used by the
views, the admin and the rotate_key command. Each takes the acting user and runs in
`orchestrator_site.writes.write` and returns its `WriteResult`: a refusal raises a `VaultError`,
whose message is safe to show (the views put it in their form), and every outcome writes one audit
row (never with a secret in it)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, ngettext, ngettext_lazy
from django.views.decorators.debug import sensitive_variables

from orchestrator_site import audit, clock, crypto
from orchestrator_site.audit import AuditOutcome
from orchestrator_site.display import datetime_text
from orchestrator_site.writes import CONSOLE, ORCHESTRATOR, Write, WriteResult, write
from vault import guard
from vault.models import Constant, Credential

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class VaultError(Exception):
    """A refusal whose message is safe to show to the user (it never contains a secret).

    The message is a lazy translation: `shown` is in the language of the request (for the page),
    `str()` in English (for the audit row, which `write` fills in from it, and the commands)."""

    @property
    def shown(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        with translation.override(None):
            return self.shown


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

    def __init__(self, message: StrOrPromise, *, key_verified: bool = False):
        super().__init__(message)
        self.key_verified = key_verified


def _later(message: StrOrPromise, **values) -> StrOrPromise:
    """`message % values`, formatted when it is read: in the language of whoever reads it."""
    return lazy(lambda: str(message) % values, str)()


def _write(action: str, *, user, kind: str, names: Iterable[str], **fields):
    """The OpenOrchestrator write and its audit row commit together or not at all (as far as two
    databases allow: the audit row commits last); a VaultError is audited as a refusal."""
    return write(
        action,
        user=user,
        target_type=kind,
        targets=list(names),
        using=(CONSOLE, ORCHESTRATOR),
        refusals=(VaultError,),
        **fields,
    )


TAKEN = {
    "credential": gettext_lazy("A credential with that name already exists."),
    "constant": gettext_lazy("A constant with that name already exists."),
}


@contextmanager
def _unique_name(kind: str):
    """A name taken meanwhile (the insert's unique key) is the same refusal as one taken before."""
    try:
        with transaction.atomic(using=ORCHESTRATOR):
            yield
    except IntegrityError:
        raise DuplicateName(TAKEN[kind]) from None


def _require_encryption() -> None:
    problem = guard.encryption_problem()
    if problem:
        raise EncryptionUnavailable(problem)


def _check_password_size(password: str) -> None:
    size = len(password.encode())
    if size > crypto.MAX_PASSWORD_BYTES:
        raise VaultError(
            _later(
                gettext_lazy(
                    "The password is %(size)d bytes (UTF-8); at most %(max)d fit the "
                    "1000-character column once encrypted."
                ),
                size=size,
                max=crypto.MAX_PASSWORD_BYTES,
            )
        )


# --- Credentials ---------------------------------------------------------------------------------


@sensitive_variables("password", "token")
def create_credential(*, user, name: str, username: str, password: str) -> WriteResult:
    """Insert a credential with the password encrypted as OpenOrchestrator's crypto_util does; the
    new row is the result's `created`."""
    _require_encryption()
    _check_password_size(password)
    token = crypto.encrypt(password)
    with _write("credential.create", user=user, kind="credential", names=[name]) as w:
        w.result.asked = 1
        if Credential.objects.filter(pk=name).exists():
            raise DuplicateName(TAKEN["credential"])
        with _unique_name("credential"):
            credential = Credential.objects.create(
                name=name, username=username, password=token, changed_at=clock.now()
            )
        w.result.changed = 1
        w.result.message = gettext("Created the credential “%(name)s”.") % {"name": name}
        w.result.created = credential
    return w.result


@sensitive_variables("password", "token", "values")
def update_credential(
    *,
    user,
    name: str,
    username: str | None,
    password: str | None = None,
    expected_username: str | None = None,
) -> WriteResult:
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
    with _write("credential.change", user=user, kind="credential", names=[name]) as w:
        rows = Credential.objects.filter(pk=name)
        old_username = expected_username
        if username is not None and expected_username is not None:
            rows = rows.filter(username=expected_username)
        elif username is not None:
            old_username = rows.values_list("username", flat=True).first()
        w.result.asked = 1
        w.result.changed = rows.update(**values)
        if not w.result.changed:
            _refuse_stale(
                Credential,
                name,
                _later(
                    gettext_lazy(
                        "The username of “%(name)s” was changed by someone else (or a robot) "
                        "while you edited it. Nothing was saved; reload the page and make your "
                        "change again."
                    ),
                    name=name,
                ),
            )
        if username is not None and username != old_username:
            w.changes.append(audit.change("username", old_username, username))
        if password is not None:
            w.changes.append(audit.secret_change("password"))  # never a password or a token
            w.result.message = gettext("Saved the credential “%(name)s”.") % {"name": name}
        else:
            w.result.message = gettext(
                "Saved the credential “%(name)s”. The password was kept."
            ) % {"name": name}
    return w.result


GONE = {
    Credential: gettext_lazy("The credential %(name)s no longer exists."),
    Constant: gettext_lazy("The constant %(name)s no longer exists."),
}


def _refuse_stale(model, name: str, conflict: StrOrPromise) -> None:
    """A conditional update that changed nothing: the row changed meanwhile, or is gone."""
    if model.objects.filter(pk=name).exists():
        raise Conflict(conflict)
    raise NotFound(_later(GONE[model], name=repr(name)))


def delete_credentials(*, user, names: Iterable[str]) -> WriteResult:
    """Delete credentials by name; `changed` is how many existed and were deleted."""
    return _delete(Credential, "credential", user=user, names=names)


def _delete(model, kind: str, *, user, names: Iterable[str]) -> WriteResult:
    names = list(dict.fromkeys(names))
    with _write(f"{kind}.delete", user=user, kind=kind, names=names) as w:
        deleted, _ = model.objects.filter(pk__in=names).delete()
        w.result = WriteResult(asked=len(names), changed=deleted)
        w.result.message = _deleted_message(kind, names, deleted)
        # Names already gone make it partial, never a refusal: nobody else's change was undone.
        w.result.outcome = AuditOutcome.OK if deleted == len(names) else AuditOutcome.PARTIAL
    return w.result


DELETED = {
    # kind: (one deleted, one already gone, all of several deleted, some of them already gone)
    "credential": (
        gettext_lazy("Deleted the credential “%(name)s”."),
        gettext_lazy("The credential “%(name)s” was already gone."),
        gettext_lazy("Deleted %(deleted)d of %(asked)d credentials."),
        ngettext_lazy(
            "Deleted %(deleted)d of %(asked)d credentials; %(gone)d was already gone.",
            "Deleted %(deleted)d of %(asked)d credentials; %(gone)d were already gone.",
            "gone",
        ),
    ),
    "constant": (
        gettext_lazy("Deleted the constant “%(name)s”."),
        gettext_lazy("The constant “%(name)s” was already gone."),
        gettext_lazy("Deleted %(deleted)d of %(asked)d constants."),
        ngettext_lazy(
            "Deleted %(deleted)d of %(asked)d constants; %(gone)d was already gone.",
            "Deleted %(deleted)d of %(asked)d constants; %(gone)d were already gone.",
            "gone",
        ),
    ),
}


def _deleted_message(kind: str, names: list[str], deleted: int) -> str:
    one, one_gone, several, several_gone = DELETED[kind]
    if len(names) == 1:
        return (one if deleted else one_gone) % {"name": names[0]}
    gone = len(names) - deleted
    return (several_gone if gone else several) % {
        "deleted": deleted,
        "asked": len(names),
        "gone": gone,
    }


@sensitive_variables("typed_key", "token", "password", "w")
def reveal_credential(
    *, user, name: str, reason: str, typed_key: str | None, key_remembered: bool = False
) -> WriteResult:
    """The decrypted password in the result's `value` (never in its message), returned after
    writing (and committing) the audit row that says who revealed it and why.

    The person proves they know the installation key: either `typed_key` matches it (constant-time),
    or `key_remembered` says their session did so a few minutes ago. A typed key is compared only
    after the lockout granted it an attempt; wrong keys are audited and keep that attempt counted.
    """
    # No transaction around it: the lockout's own bookkeeping must commit even when it refuses.
    with write(
        guard.REVEAL,
        user=user,
        target_type="credential",
        targets=[name],
        reason=reason,
        using=(),
        refusals=(VaultError,),
    ) as w:
        key_verified = _prove_key(w, user, typed_key=typed_key, key_remembered=key_remembered)
        token = Credential.objects.filter(pk=name).values_list("password", flat=True).first()
        if token is None:
            raise NotFound(_later(GONE[Credential], name=repr(name)))
        password = _decrypt_for_reveal(w, token, key_verified=key_verified)
        w.result = WriteResult(
            asked=1,
            changed=1,
            message=gettext("Revealed the password of “%(name)s”.") % {"name": name},
            value=password,
        )
    # The audit row is committed before the caller can return the password.
    return w.result


def _prove_key(w: Write, user, *, typed_key: str | None, key_remembered: bool) -> bool:
    """Refuse (audited under the action that says why) unless the person may decrypt now; True when
    a typed key was checked just now."""
    problem = guard.encryption_problem()
    if problem:
        w.detail = "encryption unavailable"
        raise RevealRefused(problem)
    lockout = guard.lockout_state(user) if key_remembered else guard.reserve_key_check(user)
    if lockout is not None and lockout.locked:
        w.action, w.detail = guard.LOCKED, "locked out"
        raise RevealRefused(
            _later(
                gettext_lazy("Too many wrong keys. Revealing is locked for you until %(until)s."),
                until=datetime_text(lockout.locked_until),
            )
        )
    if key_remembered:
        return False
    if not typed_key or not crypto.key_matches(typed_key):
        w.action, w.detail = guard.WRONG_KEY, "wrong key"
        left = guard.lockout_state(user)
        if left.locked:
            raise RevealRefused(
                _later(
                    gettext_lazy(
                        "That is not the installation's key. Too many wrong keys: revealing is "
                        "locked for you until %(until)s."
                    ),
                    until=datetime_text(left.locked_until),
                )
            )
        raise RevealRefused(_attempts_left(left.attempts_left))
    guard.key_check_passed(user)
    return True


def _attempts_left(count: int) -> StrOrPromise:
    """The refusal of a wrong key, in the reader's language with the right plural."""
    return lazy(
        lambda: (
            ngettext(
                "That is not the installation's key. %(count)d attempt left.",
                "That is not the installation's key. %(count)d attempts left.",
                count,
            )
            % {"count": count}
        ),
        str,
    )()


@sensitive_variables("token")
def _decrypt_for_reveal(w: Write, token: str, *, key_verified: bool) -> str:
    """The password, or a refusal audited as FAILED: the stored token is not ours to read."""
    try:
        return crypto.decrypt(token)
    except crypto.WrongKey:
        w.result.outcome = AuditOutcome.FAILED
        w.detail = "the stored token does not decrypt with the configured key"
        raise RevealRefused(
            gettext_lazy(
                "This password was not encrypted with the configured OpenOrchestratorKey, so it "
                "cannot be decrypted. A robot or console using another key wrote it; set it again."
            ),
            key_verified=key_verified,
        ) from None
    except UnicodeDecodeError:
        w.result.outcome = AuditOutcome.FAILED
        w.detail = "not UTF-8 text"
        raise RevealRefused(
            gettext_lazy("The decrypted password is not UTF-8 text."), key_verified=key_verified
        ) from None


# --- Constants -----------------------------------------------------------------------------------


def create_constant(*, user, name: str, value: str) -> WriteResult:
    """Insert a constant; the new row is the result's `created`."""
    with _write("constant.create", user=user, kind="constant", names=[name]) as w:
        w.result.asked = 1
        if Constant.objects.filter(pk=name).exists():
            raise DuplicateName(TAKEN["constant"])
        with _unique_name("constant"):
            constant = Constant.objects.create(name=name, value=value, changed_at=clock.now())
        w.result.changed = 1
        w.result.message = gettext("Created the constant “%(name)s”.") % {"name": name}
        w.result.created = constant
    return w.result


def update_constant(*, user, name: str, value: str, expected: str | None = None) -> WriteResult:
    """Set the value; with `expected` (what the edit form showed) only if it is still that."""
    with _write("constant.change", user=user, kind="constant", names=[name]) as w:
        rows = Constant.objects.filter(pk=name)
        old = expected
        if expected is not None:
            rows = rows.filter(value=expected)
        else:
            old = rows.values_list("value", flat=True).first()
        w.result.asked = 1
        w.result.changed = rows.update(value=value, changed_at=clock.now())
        if not w.result.changed:
            _refuse_stale(
                Constant,
                name,
                _later(
                    gettext_lazy(
                        "The value of “%(name)s” was changed by someone else (or a robot) while "
                        "you edited it. Nothing was saved; reload the page and make your change "
                        "again."
                    ),
                    name=name,
                ),
            )
        if value != old:
            w.changes = [audit.change("value", old, value)]
        w.result.message = gettext("Saved the constant “%(name)s”.") % {"name": name}
    return w.result


def delete_constants(*, user, names: Iterable[str]) -> WriteResult:
    """Delete constants by name; `changed` is how many existed and were deleted."""
    return _delete(Constant, "constant", user=user, names=names)


# --- Key rotation --------------------------------------------------------------------------------


class RotationRefused(VaultError):
    pass


@dataclass
class RotationReport:
    """The rotation's own tally while it runs; `rotate_key` returns it in words, as a WriteResult."""

    total: int = 0
    readable: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    reencrypted: int = 0


@sensitive_variables("new_key")
def _new_fernet(new_key: str) -> Fernet:
    """The new key, refused when it is not a Fernet key or is the key already configured."""
    try:
        new_fernet = Fernet(new_key)
    except (ValueError, TypeError):
        raise RotationRefused(
            "The new key is not a valid Fernet key (44 url-safe base64 characters, as "
            "Fernet.generate_key() or OpenOrchestrator's 'New key' button makes)."
        ) from None
    if crypto.key_matches(new_key):
        raise RotationRefused("The new key is the key already configured; nothing to rotate.")
    return new_fernet


def _locked_tokens() -> dict[str, str]:
    """Every credential's token by name, the rows locked (SELECT ... FOR UPDATE where the backend
    has it) until the rotation commits."""
    return dict(
        Credential.objects.select_for_update().order_by("name").values_list("name", "password")
    )


@sensitive_variables("new_fernet", "tokens", "token", "plaintext", "fresh")
def _reencrypted(tokens: dict[str, str], new_fernet: Fernet, report: RotationReport) -> dict:
    """The new token of every credential the current key decrypts; the others are listed as
    unreadable in `report`."""
    fresh: dict[str, str] = {}
    for name, token in tokens.items():
        try:
            plaintext = crypto.decrypt(token)
        except (crypto.WrongKey, UnicodeDecodeError):
            report.unreadable.append(name)
            continue
        report.readable.append(name)
        fresh[name] = new_fernet.encrypt(plaintext.encode()).decode()
    return fresh


@sensitive_variables("tokens", "fresh", "token")
def _store(tokens: dict[str, str], fresh: dict[str, str], report: RotationReport) -> None:
    """Write each new token conditionally on the one read: a robot's update meanwhile refuses."""
    now = clock.now()
    for name, token in fresh.items():
        changed = Credential.objects.filter(pk=name, password=tokens[name]).update(
            password=token, changed_at=now
        )
        if changed != 1:
            raise RotationRefused(
                f"The credential {name!r} changed while rotating; nothing was changed. Run the "
                "command again."
            )
        report.reencrypted += 1


def _refuse_unreadable(report: RotationReport) -> None:
    raise RotationRefused(
        f"{len(report.unreadable)} of {report.total} credentials do not decrypt with the current "
        f"key: {', '.join(report.unreadable)}. Nothing was changed. Fix or delete them, or pass "
        "--skip-undecryptable to leave them as they are."
    )


@sensitive_variables("new_key", "new_fernet", "tokens", "fresh")
def rotate_key(
    *, user, new_key: str, commit: bool = False, skip_undecryptable: bool = False
) -> WriteResult:
    """Re-encrypt every credential from the configured key to `new_key`, in one transaction.

    Without `commit` nothing is written (a dry run). Tokens that do not decrypt with the current key
    make a commit refuse, unless `skip_undecryptable` leaves them as they are. Rows are locked
    and each update is conditional on the token read, so a robot's concurrent update aborts the
    rotation instead of being overwritten. The result counts the credentials re-encrypted of all
    of them, and warns with the names of those left as they are.
    """
    _require_encryption()
    new_fernet = _new_fernet(new_key)
    report = RotationReport()
    action = "credential.rotate_key" if commit else "credential.rotate_key_dry_run"
    with _write(action, user=user, kind="credential", names=()) as w:
        try:
            tokens = _locked_tokens()
            report.total = len(tokens)
            fresh = _reencrypted(tokens, new_fernet, report)
            if commit and report.unreadable and not skip_undecryptable:
                _refuse_unreadable(report)
            if commit:
                _store(tokens, fresh, report)
        except RotationRefused as exc:
            # Rolled back; the refusal's row names the unreadable credentials and says why.
            w.targets, w.detail = report.unreadable, str(exc)[:1000]
            raise
        w.targets = report.readable
        w.result = WriteResult(asked=report.total, changed=report.reencrypted)
        w.result.outcome = AuditOutcome.OK if not report.unreadable else AuditOutcome.PARTIAL
        w.detail = (
            f"{'re-encrypted' if commit else 'would re-encrypt'} "
            f"{len(report.readable)} of {report.total}; not decryptable with the current "
            f"key (left as they are): {', '.join(report.unreadable) or 'none'}"
        )
        w.result.message, w.result.warnings = _rotation_words(report, commit=commit)
    return w.result


def _rotation_words(report: RotationReport, *, commit: bool) -> tuple[str, list[str]]:
    if commit:
        message = (
            f"Re-encrypted {report.reencrypted} of {report.total} credentials with the new key."
        )
    else:
        message = (
            f"Dry run: {len(report.readable)} of {report.total} credentials would be re-encrypted. "
            "Nothing was changed; add --commit to do it."
        )
    warnings = []
    if report.unreadable:
        names = "".join(f"\n  {name}" for name in report.unreadable)
        warnings.append(
            f"{len(report.unreadable)} of {report.total} credentials do not decrypt with the "
            f"current key:{names}"
        )
    return message, warnings
