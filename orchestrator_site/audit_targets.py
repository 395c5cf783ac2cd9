"""How the audit trail names and links its targets, and which actions it knows.

The core cannot import the feature apps, so each app registers its kinds of target (a
`target_type` value: how to link one, and how to find the ones that still exist) and its audit
actions from its AppConfig.ready(). The trail's page then names the targets of a whole page of rows
with one query per kind (`resolve`), and shows for each the name recorded when the row was written,
the name it has now when that differs, and "(deleted)" when it no longer exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from django.utils.safestring import SafeString

from orchestrator_site.audit import recorded_names
from orchestrator_site.htmltext import escaped, format_html
from orchestrator_site.models import AuditEntry
from orchestrator_site.templatetags.console_format import name_label

SHOWN = 3  # targets named per row on the trail's page; the rest are counted


@dataclass(frozen=True)
class Target:
    """One target of an audit row as the trail shows it."""

    id: str
    name: str | None = None  # when the row was written; None when it recorded none
    queue: str | None = None  # a queue element's queue
    exists: bool | None = None  # None: not looked up (its kind's pages exist for any name)
    current: str | None = None  # its name now, when it still exists


@dataclass(frozen=True)
class TargetKind:
    """One `target_type` of the trail. `find` returns the targets among the ids that still exist
    (with their names now), in one query; kinds whose page exists for any name (a queue, a
    process) have none. `id_is_name`: the id is what people call it (a credential's name)."""

    type: str
    noun: str
    plural: str
    url: Callable[[Target], str] | None = None
    find: Callable[[list[str]], dict[str, Target]] | None = None
    id_is_name: bool = False
    queue_url: Callable[[str], str] | None = None  # a queue element's queue


_KINDS: dict[str, TargetKind] = {}
_ACTIONS: set[str] = set()


def register(*kinds: TargetKind, actions: Iterable[str] = ()) -> None:
    """Called by each app's ready(): its kinds of target and the actions its writes audit."""
    for kind in kinds:
        _KINDS[kind.type] = kind
    _ACTIONS.update(actions)


def action_choices() -> list[tuple[str, str]]:
    """The actions the console audits, for the trail's filter: "trigger.run_now" as
    "trigger: run now"."""
    return [(a, a.replace(".", ": ", 1).replace("_", " ")) for a in sorted(_ACTIONS)]


def kind_choices() -> list[tuple[str, str]]:
    return sorted((kind.type, kind.plural) for kind in _KINDS.values())


def names_are_ids() -> list[str]:
    """The target types whose ids are their names (the name filter searches their ids too)."""
    return sorted(kind.type for kind in _KINDS.values() if kind.id_is_name)


def uuids(ids: Iterable[str]) -> list[uuid.UUID]:
    """The ids that are UUIDs, for a kind's `find` (a row written by hand may hold anything)."""
    valid = []
    for text in ids:
        try:
            valid.append(uuid.UUID(text))
        except ValueError:
            continue
    return valid


# --- One page of rows ----------------------------------------------------------------------------


def target_ids(entry: AuditEntry) -> list[str]:
    return entry.target_ids.split("\n") if entry.target_ids else []


def resolve(entries: Sequence[AuditEntry], shown: int = SHOWN) -> dict[int, list[Target]]:
    """The first `shown` targets of each row, by row id, named and looked up: one query per kind
    of target on the page (not per row)."""
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        kind = _KINDS.get(entry.target_type)
        if kind is not None and kind.find is not None:
            wanted.setdefault(kind.type, set()).update(target_ids(entry)[:shown])
    found: dict[str, dict[str, Target] | None] = {}
    for type_, ids in wanted.items():
        found[type_] = _find(_KINDS[type_], sorted(ids))
    return {
        entry.pk: _targets(
            entry, _KINDS.get(entry.target_type), found.get(entry.target_type), shown
        )
        for entry in entries
    }


def _targets(
    entry: AuditEntry, kind: TargetKind | None, found: dict[str, Target] | None, shown: int
) -> list[Target]:
    names = recorded_names(entry)
    targets = []
    for index, pk in enumerate(target_ids(entry)[:shown]):
        name = names[index] if index < len(names) else None
        target = Target(id=pk)
        if isinstance(name, tuple):
            target = replace(target, name=name[0], queue=name[1])
        elif name is not None:
            target = replace(target, name=name)
        elif kind is not None and kind.id_is_name:
            target = replace(target, name=pk)
        targets.append(_looked_up(target, found))
    return targets


def _looked_up(target: Target, found: dict[str, Target] | None) -> Target:
    """`target` with what a lookup found: whether it exists, and its name now."""
    if found is None:
        return target
    now = found.get(target.id)
    if now is None:
        return replace(target, exists=False)
    return replace(target, exists=True, current=now.name, queue=target.queue or now.queue)


def _find(kind: TargetKind, ids: list[str]) -> dict[str, Target] | None:
    """The targets among `ids` that exist now; None when the kind has no lookup."""
    return kind.find(ids) if kind.find is not None else None


def about_html(type_: str, target_id: str) -> SafeString:
    """One target named and linked, for the trail's "Only the entries about …" line."""
    kind = _KINDS.get(type_)
    noun = kind.noun if kind else type_
    target = Target(id=target_id, name=target_id if kind and kind.id_is_name else None)
    if kind is not None:
        target = _looked_up(target, _find(kind, [target_id]))
    return _one(kind, target, noun)


# --- In words and links --------------------------------------------------------------------------


def targets_html(entry: AuditEntry, targets: list[Target]) -> SafeString:
    """The row's targets: "trigger <a>Nightly</a>", "3 queue elements: <a>INV-1</a> in <a>Queue
    A</a>, … and 1 more", "credential Mail (deleted)"."""
    kind = _KINDS.get(entry.target_type)
    noun = kind.noun if kind else entry.target_type
    plural = kind.plural if kind else entry.target_type
    total = len(target_ids(entry))
    if not total:
        return format_html("{}", plural)
    if total == 1 and targets:
        return _one(kind, targets[0], noun)
    shown = SafeString(", ".join(target_html(kind, t, noun) for t in targets))
    more = total - len(targets)
    tail = f" and {more:,} more" if more > 0 else ""
    return format_html("{} {}: {}{}", f"{total:,}", plural, shown, tail)


def _one(kind: TargetKind | None, target: Target, noun: str) -> SafeString:
    """A row's only target: "trigger <a>Nightly</a>"; one without a name says its kind itself."""
    shown = SafeString(target_html(kind, target, noun))
    return shown if _unnamed(target) else format_html("{} {}", noun, shown)


def _unnamed(target: Target) -> bool:
    return target.name is None and target.current is None


def target_html(kind: TargetKind | None, target: Target, noun: str) -> str:
    """One target: linked unless it is known to be gone, by its recorded name, "(now …)" when
    renamed, "(deleted)" when gone. Without any name (a row written before names were recorded):
    "trigger 1a2b3c4d", or "deleted trigger 1a2b3c4d" when it is gone."""
    if _unnamed(target):
        gone = "deleted " if target.exists is False else ""
        label = f"{gone}{noun} {target.id[:8]}"
    else:
        label = name_label(target.name if target.name is not None else target.current)
    url = _url(kind, target) if target.exists is not False else None
    text = format_html('<a href="{}">{}</a>', url, label) if url else escaped(label)
    if target.exists is False and not _unnamed(target):
        text += " (deleted)"
    elif target.name is not None and target.current is not None and target.current != target.name:
        text += format_html(" (now “{}”)", target.current)
    if target.queue is not None:
        queue_url = kind.queue_url(target.queue) if kind and kind.queue_url else None
        queue = name_label(target.queue)
        text += (
            format_html(' in <a href="{}">{}</a>', queue_url, queue)
            if queue_url
            else format_html(" in {}", queue)
        )
    return text


def _url(kind: TargetKind | None, target: Target) -> str | None:
    if kind is None or kind.url is None:
        return None
    try:
        return kind.url(target)
    except ValueError:  # an id that is not one (a row written by hand): shown, not linked
        return None
