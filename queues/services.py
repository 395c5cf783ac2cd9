"""Every write to queue elements: retry, delete, acknowledge, create. Used by pages, admin and bulk.

Each public function takes the acting `user` (keyword-only), changes rows with one conditional
statement per batch (robots keep working on the same rows meanwhile), runs in
`orchestrator_site.writes.write` (one audit row) and returns its `WriteResult`: how many rows
changed of how many were asked for.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Value
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from orchestrator_site import audit, clock
from orchestrator_site.writes import CONSOLE, ORCHESTRATOR, Write, WriteResult, write
from queues.models import (
    DELETABLE,
    RETRYABLE,
    Acknowledgement,
    QueueElement,
    QueueElementQuerySet,
    QueueStatus,
    mark_overview_changed,
)
from triggers.models import QueueTrigger, TriggerStatus

ACKNOWLEDGEABLE = (QueueStatus.FAILED, QueueStatus.ABANDONED)
# SQL Server accepts at most 2100 parameters per statement: keep every `IN (...)` well below.
MAX_IDS_PER_STATEMENT = 500

RETRY, DELETE, ACKNOWLEDGE = "retry", "delete", "acknowledge"
ACTIONS = (RETRY, DELETE, ACKNOWLEDGE)


def _message(wording: tuple[Promise, Promise], result: WriteResult) -> str:
    """ "Retried 3 of 5; 2 were no longer failed or abandoned.": `wording` is one of WORDING's
    pairs, the sentence when nothing was skipped and the one (by number) when something was."""
    plain, with_skipped = wording
    counts = {
        "changed": f"{result.changed:,}",
        "asked": f"{result.asked:,}",
        "skipped": f"{result.skipped:,}",
        "n": result.skipped,  # picks the plural form
    }
    return str((with_skipped if result.skipped else plain) % counts)


def _unique(ids: Iterable[uuid.UUID | str]) -> list[uuid.UUID]:
    seen: dict[uuid.UUID, None] = {}
    for value in ids:
        seen[value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))] = None
    return list(seen)


def _chunks(ids: Sequence[uuid.UUID], size: int) -> Iterable[Sequence[uuid.UUID]]:
    size = max(1, min(size, MAX_IDS_PER_STATEMENT))
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _retry_statuses(include_done: bool) -> tuple[str, ...]:
    return RETRYABLE + ((QueueStatus.DONE,) if include_done else ())


# --- the one conditional statement per batch, shared by the single and the bulk paths ----------


def _retry_batch(ids, *, include_done: bool, include_stale: bool, now: dt.datetime, **_) -> int:
    """NEW again, as if never taken: start/end cleared, created_date and message kept.

    See docs/openorchestrator.md#queue-elements.
    """
    with transaction.atomic(using=ORCHESTRATOR):
        return (
            QueueElement.objects.filter(pk__in=ids)
            .qualifying(_retry_statuses(include_done), include_stale=include_stale, now=now)
            .update(status=QueueStatus.NEW, start_date=None, end_date=None)
        )


def _delete_batch(ids, *, include_stale: bool, now: dt.datetime, **_) -> int:
    with transaction.atomic(using=ORCHESTRATOR):
        deleted, _by_model = (
            QueueElement.objects.filter(pk__in=ids)
            .qualifying(DELETABLE, include_stale=include_stale, now=now)
            .delete()
        )
    gone = set(ids) - set(QueueElement.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if gone:
        Acknowledgement.objects.filter(element_id__in=gone).delete()
    return deleted


def _acknowledge_batch(ids, *, user, comment: str, now: dt.datetime, **_) -> int:
    failed = dict(
        QueueElement.objects.filter(pk__in=ids, status__in=ACKNOWLEDGEABLE).values_list(
            "pk", "queue_name"
        )
    )
    if not failed:
        return 0
    values = {
        "acknowledged_by": user if getattr(user, "pk", None) else None,
        "acknowledged_by_name": user.get_username(),
        "acknowledged_at": now,
        "comment": comment,
    }
    rows = [
        Acknowledgement(element_id=pk, queue_name=name, **values) for pk, name in failed.items()
    ]
    with transaction.atomic(using=CONSOLE):
        if connections[CONSOLE].features.supports_update_conflicts_with_target:
            # One upsert: two people acknowledging the same element at once both succeed, the
            # later comment wins, and the unique element_id never turns into an error page.
            Acknowledgement.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["element_id"],
                update_fields=list(values),
            )
        else:
            existing = Acknowledgement.objects.filter(element_id__in=list(failed))
            known = set(existing.values_list("element_id", flat=True))
            existing.update(**values)
            Acknowledgement.objects.bulk_create(r for r in rows if r.element_id not in known)
    return len(failed)


_BATCH: dict[str, Callable[..., int]] = {
    RETRY: _retry_batch,
    DELETE: _delete_batch,
    ACKNOWLEDGE: _acknowledge_batch,
}


# The result messages by action, whole sentences for the translators: without skipped rows, and
# with them (why they were skipped).
WORDING = {
    "retry": (
        gettext_lazy("Retried %(changed)s of %(asked)s."),
        ngettext_lazy(
            "Retried %(changed)s of %(asked)s; %(skipped)s was no longer failed or abandoned.",
            "Retried %(changed)s of %(asked)s; %(skipped)s were no longer failed or abandoned.",
            "n",
        ),
    ),
    "retry_or_done": (
        gettext_lazy("Retried %(changed)s of %(asked)s."),
        ngettext_lazy(
            "Retried %(changed)s of %(asked)s; %(skipped)s was no longer failed or abandoned "
            "or done.",
            "Retried %(changed)s of %(asked)s; %(skipped)s were no longer failed or abandoned "
            "or done.",
            "n",
        ),
    ),
    "delete": (
        gettext_lazy("Deleted %(changed)s of %(asked)s."),
        ngettext_lazy(
            "Deleted %(changed)s of %(asked)s; %(skipped)s was in progress or already gone.",
            "Deleted %(changed)s of %(asked)s; %(skipped)s were in progress or already gone.",
            "n",
        ),
    ),
    "delete_stale": (
        gettext_lazy("Deleted %(changed)s of %(asked)s."),
        ngettext_lazy(
            "Deleted %(changed)s of %(asked)s; %(skipped)s was in progress (not stale) or "
            "already gone.",
            "Deleted %(changed)s of %(asked)s; %(skipped)s were in progress (not stale) or "
            "already gone.",
            "n",
        ),
    ),
    "acknowledge": (
        gettext_lazy("Acknowledged %(changed)s of %(asked)s."),
        ngettext_lazy(
            "Acknowledged %(changed)s of %(asked)s; %(skipped)s was not failed or abandoned "
            "(or gone).",
            "Acknowledged %(changed)s of %(asked)s; %(skipped)s were not failed or abandoned "
            "(or gone).",
            "n",
        ),
    ),
    "unacknowledge": (
        gettext_lazy("Acknowledgement undone for %(changed)s of %(asked)s."),
        ngettext_lazy(
            "Acknowledgement undone for %(changed)s of %(asked)s; %(skipped)s was not "
            "acknowledged (any more).",
            "Acknowledgement undone for %(changed)s of %(asked)s; %(skipped)s were not "
            "acknowledged (any more).",
            "n",
        ),
    ),
}


def _wording(action: str, *, include_done: bool = False, include_stale: bool = False):
    """The WORDING of an action's result: the skipped rows' reason depends on its options."""
    if action == RETRY:
        return WORDING["retry_or_done" if include_done else "retry"]
    if action == DELETE:
        return WORDING["delete_stale" if include_stale else "delete"]
    return WORDING["acknowledge"]


def _names(ids: Sequence[uuid.UUID]) -> dict[str, audit.TargetName]:
    """The reference and queue of the first elements, for the audit row (before a delete)."""
    rows = QueueElement.objects.filter(pk__in=ids[: audit.NAMES_KEPT]).values_list(
        "pk", "reference", "queue_name"
    )
    return {str(pk): (reference, queue) for pk, reference, queue in rows}


def _write(action: str, *, user, **fields):
    """A bulk write: batches are their own transactions, so the write itself opens none."""
    return write(f"queues.{action}", user=user, target_type="queue element", using=(), **fields)


def _finish(w: Write, action: str, *, options: dict) -> None:
    """Word the result and its audit row once the batches ran (or one of them failed)."""
    result = w.result
    if result.changed and action != ACKNOWLEDGE:  # acknowledging changes no count
        mark_overview_changed()
    wording = _wording(
        action, **{k: options[k] for k in ("include_done", "include_stale") if k in options}
    )
    result.message = _message(wording, result)
    w.detail = f"asked {result.asked}, changed {result.changed}. {_options_text(options)}".strip()


def _apply(action: str, *, user, ids, options: dict) -> WriteResult:
    ids = _unique(ids)
    now = clock.now()
    batch = _BATCH[action]
    with _write(action, user=user, targets=ids) as w:
        w.names = _names(ids)  # inside: a failure here is audited too
        w.result.asked = len(ids)
        try:
            for chunk in _chunks(ids, settings.CONSOLE_BULK_BATCH_SIZE):
                w.result.changed += batch(chunk, user=user, now=now, **options)
        finally:
            _finish(w, action, options=options)
    if action == RETRY and w.result.changed:
        w.result.warnings = trigger_warnings(
            QueueElement.objects.filter(pk__in=ids[:MAX_IDS_PER_STATEMENT]).values_list(
                "queue_name", flat=True
            )
        )
    return w.result


def _options_text(options: dict) -> str:
    flags = [name for name in ("include_done", "include_stale") if options.get(name)]
    text = ("Options: " + ", ".join(flags) + ".") if flags else ""
    if options.get("comment"):
        text += f" Comment: {options['comment']}"
    return text.strip()


# --- public services ------------------------------------------------------------------------------


def retry_elements(
    *, user, ids: Iterable[uuid.UUID | str], include_done: bool = False, include_stale: bool = False
) -> WriteResult:
    """Set NEW (start/end cleared) on the given elements that are FAILED or ABANDONED; DONE only with
    `include_done`, IN_PROGRESS only when stale and `include_stale`. Everything else is left alone."""
    return _apply(
        RETRY,
        user=user,
        ids=ids,
        options={"include_done": include_done, "include_stale": include_stale},
    )


def delete_elements(
    *, user, ids: Iterable[uuid.UUID | str], include_stale: bool = False
) -> WriteResult:
    """Delete the given elements, except IN_PROGRESS ones (stale ones only with `include_stale`)."""
    return _apply(DELETE, user=user, ids=ids, options={"include_stale": include_stale})


def acknowledge_elements(*, user, ids: Iterable[uuid.UUID | str], comment: str = "") -> WriteResult:
    """Mark FAILED/ABANDONED elements as handled (console database; OpenOrchestrator is not touched)."""
    return _apply(ACKNOWLEDGE, user=user, ids=ids, options={"comment": comment})


def unacknowledge_elements(*, user, ids: Iterable[uuid.UUID | str]) -> WriteResult:
    """Undo acknowledgements: the failures show in the inbox again (OpenOrchestrator untouched)."""
    ids = _unique(ids)
    with write(
        "queues.unacknowledge",
        user=user,
        target_type="queue element",
        targets=ids,
        using=(CONSOLE,),
    ) as w:
        w.names = _names(ids)
        w.result.asked = len(ids)
        for chunk in _chunks(ids, MAX_IDS_PER_STATEMENT):
            w.result.changed += Acknowledgement.objects.filter(element_id__in=chunk).delete()[0]
        w.result.message = _message(WORDING["unacknowledge"], w.result)
        w.detail = f"asked {w.result.asked}, changed {w.result.changed}."
    return w.result


def apply_to_filter(
    *,
    user,
    action: str,
    queryset: QueueElementQuerySet,
    filter_used: str,
    include_done: bool = False,
    include_stale: bool = False,
    comment: str = "",
    reason: str = "",
    keep: Callable[[list[uuid.UUID]], list[uuid.UUID]] | None = None,
) -> WriteResult:
    """Act on every element `queryset` matches, in batches of CONSOLE_BULK_BATCH_SIZE.

    Each batch is its own short transaction (robots are never blocked for long) and its own
    conditional statement, so rows that stopped qualifying meanwhile are skipped. The rows are
    walked by primary key, which is stable while they change status or disappear. One audit row.
    `keep`, when given, narrows each batch's ids by what SQL cannot see (the failed inbox leaves
    out acknowledged failures, which live in the console's database); those left out are not
    counted as asked.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    options: dict = {"include_done": include_done, "include_stale": include_stale}
    if action == ACKNOWLEDGE:
        options = {"comment": comment}
    elif action == DELETE:
        options = {"include_stale": include_stale}
    now = clock.now()
    size = max(1, min(settings.CONSOLE_BULK_BATCH_SIZE, MAX_IDS_PER_STATEMENT))
    ids_in_order = queryset.order_by("pk").values_list("pk", flat=True)
    queue_names: set[str] = set()
    last = None
    with _write(f"{action}_all", user=user, filter_used=filter_used, reason=reason) as w:
        try:
            while True:
                page = ids_in_order.filter(pk__gt=last) if last is not None else ids_in_order
                walked = list(page[:size])
                if not walked:
                    break
                last = walked[-1]
                chunk = keep(walked) if keep is not None else walked
                if not chunk:
                    continue
                w.result.asked += len(chunk)
                w.result.changed += _BATCH[action](chunk, user=user, now=now, **options)
                if action == RETRY and not queue_names:
                    queue_names.update(
                        QueueElement.objects.filter(pk__in=chunk).values_list(
                            "queue_name", flat=True
                        )
                    )
        finally:
            # Audited even when a batch fails half-way: the batches before it are committed.
            _finish(w, action, options=options)
    if action == RETRY and w.result.changed:
        w.result.warnings = trigger_warnings(queue_names)
    return w.result


def create_element(
    *, user, queue_name: str, reference: str | None, data: str | None, confirmed: str = ""
) -> WriteResult:
    """One NEW element, written exactly as OpenOrchestrator's `create_queue_element` does; it is
    the result's `created`. `confirmed`: what the person was warned about and went on with
    (a new queue, a repeated reference), for the audit row."""
    with write(
        "queues.create",
        user=user,
        target_type="queue element",
        detail=f"queue {queue_name}, reference {reference or '-'}"
        + (f"; confirmed: {confirmed}" if confirmed else ""),
    ) as w:
        element = QueueElement.objects.create(
            id=uuid.uuid4(),
            queue_name=queue_name,
            status=QueueStatus.NEW,
            reference=reference or None,
            data=data or None,
            created_date=clock.now(),
            created_by=user.get_username()[:100],
        )
        w.targets = [element.pk]
        w.names = {str(element.pk): (element.reference, queue_name)}
        w.result = WriteResult(
            asked=1,
            changed=1,
            message=_("Added element “%(element)s” (status New).") % {"element": element},
            created=element,
        )
    mark_overview_changed()
    w.result.warnings = trigger_warnings([queue_name])
    return w.result


def create_elements(
    *,
    user,
    queue_name: str,
    rows: Sequence[tuple[str | None, str | None]],
    confirmed: str = "",
) -> WriteResult:
    """Many NEW elements in one transaction (all or nothing), in the order given; the list of them
    is the result's `created`. `confirmed` as for create_element.

    created_date grows by one microsecond per row so that robots take them in file order.
    """
    now = clock.now()
    creator = user.get_username()[:100]
    # An expression keeps Django 5.2 off its PostgreSQL `UNNEST(%s::varchar[])` bulk insert, which
    # PostgreSQL refuses for OpenOrchestrator's native enum column `status`.
    new_status = Value(QueueStatus.NEW.value)
    elements = [
        QueueElement(
            id=uuid.uuid4(),
            queue_name=queue_name,
            status=new_status,
            reference=reference or None,
            data=data or None,
            created_date=now + dt.timedelta(microseconds=index),
            created_by=creator,
        )
        for index, (reference, data) in enumerate(rows)
    ]
    with write(
        "queues.upload",
        user=user,
        target_type="queue element",
        targets=[e.pk for e in elements],
        names={str(e.pk): (e.reference, queue_name) for e in elements[: audit.NAMES_KEPT]},
        detail=f"queue {queue_name}, {len(elements)} rows from CSV"
        + (f"; confirmed: {confirmed}" if confirmed else ""),
    ) as w:
        QueueElement.objects.bulk_create(elements, batch_size=200)
        w.result = WriteResult(
            asked=len(elements),
            changed=len(elements),
            message=ngettext(
                "Added %(count)s element to “%(queue)s”.",
                "Added %(count)s elements to “%(queue)s”.",
                len(elements),
            )
            % {"count": f"{len(elements):,}", "queue": queue_name},
            created=elements,
        )
    for element in elements:
        element.status = QueueStatus.NEW
    mark_overview_changed()
    w.result.warnings = trigger_warnings([queue_name])
    return w.result


def trigger_warnings(queue_names: Iterable[str]) -> list[str]:
    """Warn when a queue now holds enough NEW elements to start its queue trigger (IDLE ones)."""
    names = sorted(set(queue_names))
    if not names:
        return []
    warnings = []
    triggers = QueueTrigger.objects.filter(
        queue_name__in=names, trigger__process_status=TriggerStatus.IDLE
    ).select_related("trigger")
    for child in triggers.order_by("queue_name", "trigger__trigger_name"):
        size = max(child.min_batch_size, 1)
        new = (
            QueueElement.objects.filter(queue_name=child.queue_name, status=QueueStatus.NEW)
            .order_by()[:size]
            .count()
        )
        if new >= size:
            warnings.append(
                ngettext(
                    "Queue “%(queue)s” now has at least %(size)s new element, which reaches the "
                    "minimum batch size of trigger “%(trigger)s”: it may start at a Scheduler's "
                    "next loop.",
                    "Queue “%(queue)s” now has at least %(size)s new elements, which reaches the "
                    "minimum batch size of trigger “%(trigger)s”: it may start at a Scheduler's "
                    "next loop.",
                    size,
                )
                % {
                    "queue": child.queue_name,
                    "size": f"{size:,}",
                    "trigger": child.trigger.trigger_name,
                }
            )
    return warnings
