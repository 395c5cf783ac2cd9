"""Signatures kept in the console's own database, filled as failures are seen, and the snapshot
value of the groups pages; generic over a `Source` (queues.groups: failed elements, logs.groups:
ERROR lines), so the core imports no feature app.

Two passes keep the stored signatures in step with OpenOrchestrator:

* `fill`, cheap and frequent: from a watermark (the newest stored time minus SAFETY_MARGIN, for
  rows committed late or by robots whose clocks lag) forward, in keyset batches of FILL_BATCH,
  signing at most FILL_MAX rows per pass. Only rows whose stored signature is missing or stale
  (another time, or older rules) have their message read.
* `collect`, the snapshot's count: every current failure of the horizon (their ids, scopes and
  times, no messages) against the stored signatures; what is missing or stale (failures older
  than the watermark on a first run, undated elements, an element retried and failed again) is
  signed on the spot, at most SIGN_MAX per count, the rest by the next count.

Writes are bulk upserts on the id (INSERT ... ON CONFLICT DO UPDATE; on SQL Server, which has no
upsert in Django, a delete and insert in one transaction), so two processes filling at once, or a
pass repeated, store the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connections, models, router, transaction

from orchestrator_site import clock, signatures
from orchestrator_site.forms import end_of_second
from orchestrator_site.grouping import HORIZON_DAYS, Occurrences

SAFETY_MARGIN = dt.timedelta(minutes=10)
FILL_BATCH = 1000
FILL_MAX = 20_000
SIGN_MAX = 20_000
MESSAGE_CHUNK = 500
# A group narrows a list by ids: at most this many (the newest); SQL Server takes 2,100 parameters.
GROUP_IDS_MAX = 2000

Row = tuple[Any, str, dt.datetime]  # (id, scope, time)


@dataclass(frozen=True)
class Source:
    model: type[models.Model]  # the signature model, in the console's database
    id_field: str
    scope_field: str
    time_field: str
    # Rows with time >= start, ordered by (time, id), at most `limit`: for `fill`.
    newer: Callable[[dt.datetime, int], list[Row]]
    # Every current failure with time >= horizon: for `collect`.
    current: Callable[[dt.datetime], Iterable[Row]]
    # {id: message} of these ids.
    messages: Callable[[Sequence[Any]], dict[Any, str | None]]


def _stored(source: Source, ids: Sequence[Any]) -> dict[Any, tuple[dt.datetime, int]]:
    found: dict[Any, tuple[dt.datetime, int]] = {}
    for start in range(0, len(ids), FILL_BATCH):
        chunk = ids[start : start + FILL_BATCH]
        found.update(
            (row[0], (row[1], row[2]))
            for row in source.model.objects.filter(  # type: ignore[attr-defined]
                **{f"{source.id_field}__in": chunk}
            ).values_list(source.id_field, source.time_field, "rules_version")
        )
    return found


def _is_current(stored: tuple[dt.datetime, int] | None, at: dt.datetime) -> bool:
    return stored is not None and stored == (at, signatures.RULES_VERSION)


def sign(source: Source, rows: Sequence[Row]) -> int:
    """Compute and store the signatures of `rows` (messages read in chunks); how many."""
    for start in range(0, len(rows), MESSAGE_CHUNK):
        chunk = rows[start : start + MESSAGE_CHUNK]
        messages = source.messages([row[0] for row in chunk])
        objects = []
        for row_id, scope, at in chunk:
            if row_id not in messages:
                continue  # deleted meanwhile
            found = signatures.signature(messages[row_id])
            objects.append(
                source.model(
                    **{
                        source.id_field: row_id,
                        source.scope_field: scope,
                        source.time_field: at,
                        "key": found.key,
                        "signature": found.text,
                        "rules_version": signatures.RULES_VERSION,
                    }
                )
            )
        _store(source, objects)
    return len(rows)


_UPDATED = ("key", "signature", "rules_version")


def _store(source: Source, objects: list[models.Model]) -> None:
    """Insert or replace these signatures: one upsert where the console's database has one
    (SQLite, PostgreSQL). SQL Server's backend has none: there the chunk's rows are deleted and
    inserted in one transaction; when another server stores the same ids at that moment, its rows
    (the same values, computed from the same messages) stand and this transaction gives way."""
    model = source.model
    database = router.db_for_write(model)
    if connections[database].features.supports_update_conflicts_with_target:
        model.objects.bulk_create(  # type: ignore[attr-defined]
            objects,
            batch_size=200,
            update_conflicts=True,
            unique_fields=[source.id_field],
            update_fields=[source.scope_field, source.time_field, *_UPDATED],
        )
        return
    ids = [getattr(o, source.id_field) for o in objects]
    try:
        with transaction.atomic(using=database):
            model.objects.filter(**{f"{source.id_field}__in": ids}).delete()  # type: ignore[attr-defined]
            model.objects.bulk_create(objects, batch_size=200)  # type: ignore[attr-defined]
    except IntegrityError:
        pass  # a parallel fill stored these rows first


def watermark(source: Source, now: dt.datetime) -> dt.datetime:
    """Where `fill` starts: the newest stored time minus SAFETY_MARGIN, not before the horizon."""
    horizon = now - dt.timedelta(days=HORIZON_DAYS)
    newest = source.model.objects.aggregate(  # type: ignore[attr-defined]
        newest=models.Max(source.time_field)
    )["newest"]
    return horizon if newest is None else max(horizon, newest - SAFETY_MARGIN)


def fill(source: Source, now: dt.datetime, limit: int = FILL_MAX) -> int:
    """Sign the rows seen since the watermark (at most `limit`); how many were signed."""
    cursor = watermark(source, now)
    seen: set[Any] = set()
    signed = 0
    while signed < limit:
        batch = [row for row in source.newer(cursor, FILL_BATCH) if row[0] not in seen]
        if not batch:
            break
        stored = _stored(source, [row[0] for row in batch])
        todo = [row for row in batch if not _is_current(stored.get(row[0]), row[2])]
        signed += sign(source, todo[: limit - signed])
        seen.update(row[0] for row in batch)
        last = batch[-1][2]
        if last == cursor and len(batch) < FILL_BATCH:
            break
        cursor = last
    return signed


def collect(
    source: Source,
    now: dt.datetime,
    skip: Callable[[Row], bool] = lambda row: False,
    horizon: dt.datetime | None = None,
) -> Occurrences:
    """The snapshot value: every current failure since `horizon` (by default HORIZON_DAYS back)
    with its key (`skip` drops some, e.g. acknowledged elements), signing what is missing or
    stale first."""
    horizon = now - dt.timedelta(days=HORIZON_DAYS) if horizon is None else horizon
    fill(source, now)
    rows = [row for row in source.current(horizon) if not skip(row)]
    stored = {
        row[0]: row[1:]
        for row in source.model.objects.filter(  # type: ignore[attr-defined]
            **{f"{source.time_field}__gte": horizon}
        ).values_list(source.id_field, source.time_field, "rules_version", "key")
    }
    todo = [row for row in rows if not _is_current(_time_version(stored.get(row[0])), row[2])]
    sign(source, todo[:SIGN_MAX])
    if todo:
        stored.update(
            (row[0], row[1:])
            for row in source.model.objects.filter(  # type: ignore[attr-defined]
                **{f"{source.id_field}__in": [row[0] for row in todo[:SIGN_MAX]]}
            ).values_list(source.id_field, source.time_field, "rules_version", "key")
        )
    occurrences = []
    newest: dict[str, tuple[dt.datetime, Any]] = {}
    for row_id, scope, at in rows:
        found = stored.get(row_id)
        if found is None or not _is_current(_time_version(found), at):
            continue
        key = found[2]
        occurrences.append((at, scope, key))
        if key not in newest or at > newest[key][0]:
            newest[key] = (at, row_id)
    texts, explanations, examples = _describe(source, {key: v[1] for key, v in newest.items()})
    return Occurrences.build(
        horizon,
        occurrences,
        texts,
        explanations,
        examples,
        unsigned=len(rows) - len(occurrences),
    )


def _time_version(found: tuple | None) -> tuple[dt.datetime, int] | None:
    return None if found is None else (found[0], found[1])


def _describe(
    source: Source, example_ids: dict[str, Any]
) -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, str]]]:
    """Per key: its signature, why (from its newest message) and that message."""
    ids = list(example_ids.values())
    messages: dict[Any, str | None] = {}
    for start in range(0, len(ids), MESSAGE_CHUNK):
        messages.update(source.messages(ids[start : start + MESSAGE_CHUNK]))
    texts, explanations, examples = {}, {}, {}
    changed = []  # examples whose message changed since they were signed: keep the stored text
    for key, row_id in example_ids.items():
        message = messages.get(row_id)
        found = signatures.signature(message)
        texts[key] = found.text
        explanations[key] = found.explain()
        examples[key] = (str(row_id), message or "")
        if found.key != key:
            changed.append(row_id)
            explanations[key] = ""
    if changed:
        texts.update(
            source.model.objects.filter(  # type: ignore[attr-defined]
                **{f"{source.id_field}__in": changed}
            ).values_list("key", "signature")
        )
    return texts, explanations, examples


def group_ids(
    source: Source,
    key: str,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int | None = GROUP_IDS_MAX,
) -> list[Any]:
    """The ids (newest first; at most `limit`, None for all) whose stored signature is `key` and
    whose time is in [since, until] (the whole second of `until`; an open end when None), after
    a `fill` pass, so a failure of the last minutes is there. The caller narrows its own query
    to these ids and keeps its other conditions (status FAILED, not acknowledged), so a row that
    changed since it was signed and is no longer a failure drops out. One query on the console's
    database; the ids are not bound as parameters there."""
    fill(source, clock.now())
    window = {}
    if since is not None:
        window[f"{source.time_field}__gte"] = since
    if until is not None:
        window[f"{source.time_field}__lt"] = end_of_second(until)
    ids = (
        source.model.objects.filter(key=key, **window)  # type: ignore[attr-defined]
        .order_by(f"-{source.time_field}", f"-{source.id_field}")
        .values_list(source.id_field, flat=True)
    )
    return list(ids if limit is None else ids[:limit])


def signature_text(source: Source, key: str) -> str | None:
    """The signature stored for `key` (any of its rows), or None when no failure has it."""
    return (
        source.model.objects.filter(key=key)  # type: ignore[attr-defined]
        .values_list("signature", flat=True)
        .first()
    )
