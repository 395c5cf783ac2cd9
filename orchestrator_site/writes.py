"""The one write contract: every service that changes data (or reveals a secret) runs in `write()`.

    with write("trigger.pause", user=user, target_type="trigger", targets=[pk]) as w:
        w.result.asked = 1
        w.result.changed = rows.filter(...).update(...)   # a conditional UPDATE, as always
        w.result.message = "Paused ..."
    return w.result

`write()` opens the transaction(s) on the databases named in `using`, and writes exactly one audit
row whatever happens: after the body succeeds or refuses (outcome from the counts), and after it
raises (REFUSED, or the outcome the body set, for the exceptions listed in `refusals`, with the
exception's message as the reason unless the body gave one; otherwise FAILED, or PARTIAL when
some rows were already committed). When `using` holds the console's database the audit row commits in
the same transaction as the write; otherwise it is written after the write committed. Services
that write in batches, each batch its own short transaction, pass `using=()` and open one
`atomic()` per batch.

Every public service returns the `WriteResult` it filled in, whatever it wrote: counts and a
message for the person (`orchestrator_site.reporting.report_result` shows them), and two fields
for what the caller needs next. `created` is what an insert produced (the new row, or the list of
new rows), for the caller to link to. `value` is what a reveal revealed (a decrypted password): it
is for the one response that shows it, so it is left out of the result's repr, and neither the audit
row nor `message` nor `warnings` ever carry it. A refusal the caller shows in a form (a duplicate
name, a wrong key) may still be an exception, listed in `refusals` so that it is audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from orchestrator_site import audit
from orchestrator_site.audit import AuditOutcome, TargetName

# The two database aliases. The router sends every model to its own database, so querysets need
# no `.using()`: these names are for transactions and connections only.
ORCHESTRATOR = settings.ORCHESTRATOR_DB
CONSOLE = "default"


@dataclass
class WriteResult:
    """What a write did: `changed` of `asked` rows, in words for the person who asked (see above
    for `created` and `value`)."""

    asked: int = 0
    changed: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    status: str = ""  # the row's status now, when the write knows it
    conflict: bool = False  # refused because someone changed the same values meanwhile
    outcome: str = ""  # the audit outcome; derived from the counts unless set
    created: Any = None  # the row an insert made, or the list of rows
    value: str | None = field(default=None, repr=False)  # a revealed secret: never audited or shown

    @property
    def skipped(self) -> int:
        return max(self.asked - self.changed, 0)

    @property
    def audit_outcome(self) -> str:
        if self.outcome:
            return self.outcome
        if self.asked and not self.changed:
            return AuditOutcome.REFUSED
        return AuditOutcome.PARTIAL if self.skipped else AuditOutcome.OK


@dataclass
class Write:
    """One write in progress: its result, and the audit row that will say what happened."""

    user: object
    action: str
    target_type: str
    targets: Iterable[object] = ()
    # What the targets are called (by str(id)), for a trail that still reads when they are gone;
    # not needed where the id is the name (credentials, queues, processes).
    names: dict[str, TargetName] = field(default_factory=dict)
    changes: list[dict] = field(default_factory=list)  # audit.change(...) per field an edit changed
    filter_used: str = ""
    reason: str = ""
    detail: str = ""
    result: WriteResult = field(default_factory=WriteResult)

    def record(self, *, outcome: str | None = None, reason: str | None = None, detail=None):
        return audit.record(
            user=self.user,
            action=self.action,
            target_type=self.target_type,
            targets=self.targets,
            names=self.names,
            changes=self.changes,
            filter_used=self.filter_used,
            count=self.result.changed,
            outcome=outcome or self.result.audit_outcome,
            reason=self.reason if reason is None else reason,
            detail=self.detail if detail is None else detail,
        )


@contextmanager
def atomic(*using: str) -> Iterator[None]:
    """One transaction on each database named, the console's outermost (it commits last)."""
    with ExitStack() as stack:
        for alias in sorted(set(using), key=lambda alias: alias != CONSOLE):
            stack.enter_context(transaction.atomic(using=alias))
        yield


@contextmanager
def write(
    action: str,
    *,
    user,
    target_type: str,
    using: Iterable[str] = (ORCHESTRATOR,),
    refusals: tuple[type[Exception], ...] = (),
    **fields,
) -> Iterator[Write]:
    """Run the body in the transaction(s) of `using` and write its one audit row (see above)."""
    using = tuple(using)
    pending = Write(user=user, action=action, target_type=target_type, **fields)
    try:
        with atomic(*using):
            yield pending
            if CONSOLE in using:
                pending.record()
    except refusals as exc:
        with transaction.atomic(using=CONSOLE):
            pending.record(
                outcome=pending.result.outcome or AuditOutcome.REFUSED,
                reason=pending.reason or str(exc)[:500],
            )
        raise
    except Exception as exc:
        done, asked = pending.result.changed, pending.result.asked
        with transaction.atomic(using=CONSOLE):
            pending.record(
                outcome=AuditOutcome.PARTIAL if done else AuditOutcome.FAILED,
                detail=f"Stopped after {done} of {asked}: {type(exc).__name__}",
            )
        raise
    if CONSOLE not in using:
        pending.record()
