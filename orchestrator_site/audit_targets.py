"""How the audit trail names and links its targets, and which actions it knows.

The core cannot import the feature apps, so each app registers its kinds of target (a
`target_type` value: how to link one, and how to find the ones that still exist) and its audit
actions from its AppConfig.ready(). The trail's page then names the targets of a whole page of rows
with one query per kind (`resolve`), and shows for each the name recorded when the row was written,
the name it has now when that differs, and "(deleted)" when it no longer exists.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from django.utils import formats
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext_lazy
from django.utils.translation import gettext as _

from orchestrator_site.audit import recorded_names, split_ids
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
    noun: str | Promise  # what a person reads: lazily translated by the app that registers it
    plural: str | Promise
    url: Callable[[Target], str] | None = None
    find: Callable[[list[str]], dict[str, Target]] | None = None
    id_is_name: bool = False
    queue_url: Callable[[str], str] | None = None  # a queue element's queue


_KINDS: dict[str, TargetKind] = {}
_ACTIONS: dict[str, str | Promise | None] = {}

# The trail's own words for the kinds and actions the console's apps audit, so the whole trail
# reads in the page's language; a label an app registers wins, and an action or kind unknown here
# is shown in words made from its code.
_KIND_WORDS: dict[str, tuple[Promise, Promise]] = {
    "trigger": (pgettext_lazy("audit", "trigger"), pgettext_lazy("audit", "triggers")),
    "scheduler": (pgettext_lazy("audit", "Scheduler"), pgettext_lazy("audit", "Schedulers")),
    "queue element": (
        pgettext_lazy("audit", "queue element"),
        pgettext_lazy("audit", "queue elements"),
    ),
    "queue": (pgettext_lazy("audit", "queue"), pgettext_lazy("audit", "queues")),
    "credential": (pgettext_lazy("audit", "credential"), pgettext_lazy("audit", "credentials")),
    "constant": (pgettext_lazy("audit", "constant"), pgettext_lazy("audit", "constants")),
    "process": (pgettext_lazy("audit", "process"), pgettext_lazy("audit", "processes")),
    "log": (pgettext_lazy("audit", "log line"), pgettext_lazy("audit", "log lines")),
    "user": (pgettext_lazy("audit", "user"), pgettext_lazy("audit", "users")),
    "alert_rule": (pgettext_lazy("audit", "alert rule"), pgettext_lazy("audit", "alert rules")),
}
_ACTION_WORDS: dict[str, Promise] = {
    "trigger.create": gettext_lazy("trigger: create"),
    "trigger.edit": gettext_lazy("trigger: edit"),
    "trigger.pause": gettext_lazy("trigger: pause"),
    "trigger.resume": gettext_lazy("trigger: resume"),
    "trigger.run_now": gettext_lazy("trigger: run now"),
    "trigger.kill": gettext_lazy("trigger: kill"),
    "trigger.reset": gettext_lazy("trigger: reset"),
    "trigger.delete": gettext_lazy("trigger: delete"),
    "scheduler.forget": gettext_lazy("Scheduler: forget"),
    "queues.retry": gettext_lazy("queues: retry"),
    "queues.retry_all": gettext_lazy("queues: retry all"),
    "queues.acknowledge": gettext_lazy("queues: acknowledge"),
    "queues.acknowledge_all": gettext_lazy("queues: acknowledge all"),
    "queues.delete": gettext_lazy("queues: delete"),
    "queues.delete_all": gettext_lazy("queues: delete all"),
    "queues.unacknowledge": gettext_lazy("queues: undo acknowledgement"),
    "queues.create": gettext_lazy("queues: create"),
    "queues.upload": gettext_lazy("queues: upload"),
    "queues.export": gettext_lazy("queues: export"),
    "logs.delete_selected": gettext_lazy("logs: delete selected"),
    "logs.delete_matching": gettext_lazy("logs: delete matching"),
    "logs.purge": gettext_lazy("logs: purge"),
    "logs.export": gettext_lazy("logs: export"),
    "credential.create": gettext_lazy("credential: create"),
    "credential.change": gettext_lazy("credential: change"),
    "credential.delete": gettext_lazy("credential: delete"),
    "credential.reveal": gettext_lazy("credential: reveal"),
    "credential.reveal_locked": gettext_lazy("credential: reveal locked"),
    "credential.reveal_wrong_key": gettext_lazy("credential: reveal with a wrong key"),
    "credential.rotate_key": gettext_lazy("credential: rotate key"),
    "credential.rotate_key_dry_run": gettext_lazy("credential: rotate key, dry run"),
    "constant.create": gettext_lazy("constant: create"),
    "constant.change": gettext_lazy("constant: change"),
    "constant.delete": gettext_lazy("constant: delete"),
    "user.block": gettext_lazy("user: block"),
    "user.unblock": gettext_lazy("user: unblock"),
    "alert_rule.create": gettext_lazy("alert rule: create"),
    "alert_rule.change": gettext_lazy("alert rule: change"),
    "alert_rule.delete": gettext_lazy("alert rule: delete"),
    "alert_rule.mute": gettext_lazy("alert rule: mute"),
    "alert_rule.unmute": gettext_lazy("alert rule: unmute"),
}


def register(*kinds: TargetKind, actions: Iterable[str | tuple[str, str | Promise]] = ()) -> None:
    """Called by each app's ready(): its kinds of target and the actions its writes audit, each
    an action ("trigger.run_now") or an action and what a person reads for it (a lazy
    translation, "trigger: run now")."""
    for kind in kinds:
        _KINDS[kind.type] = kind
    for action in actions:
        code, label = action if isinstance(action, tuple) else (action, None)
        _ACTIONS[code] = label


def action_choices() -> list[tuple[str, str]]:
    """The actions the console audits, for the trail's filter, by their registered labels; an
    action registered without one in words: "trigger.run_now" as "trigger: run now"."""
    return [(action, action_label(action)) for action in sorted(_ACTIONS)]


def action_label(action: str) -> str:
    """What a person reads for an audited action, in the active language."""
    label = _ACTIONS.get(action) or _ACTION_WORDS.get(action)
    if label is not None:
        return str(label)
    return action.replace(".", ": ", 1).replace("_", " ")


def kind_choices() -> list[tuple[str, str]]:
    return sorted((kind.type, str(_words(kind)[1])) for kind in _KINDS.values())


def _words(kind: TargetKind) -> tuple[str | Promise, str | Promise]:
    """The kind's noun and plural: the app's own when it translates them, else the trail's."""
    if isinstance(kind.noun, Promise):
        return kind.noun, kind.plural
    return _KIND_WORDS.get(kind.type, (kind.noun, kind.plural))


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
    return split_ids(entry.target_ids, entry.ids_escaped)


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
    noun = _words(kind)[0] if kind else type_
    target = Target(id=target_id, name=target_id if kind and kind.id_is_name else None)
    if kind is not None:
        target = _looked_up(target, _find(kind, [target_id]))
    return _one(kind, target, noun)


# --- In words and links --------------------------------------------------------------------------


def targets_html(entry: AuditEntry, targets: list[Target]) -> SafeString:
    """The row's targets: "trigger <a>Nightly</a>", "3 queue elements: <a>INV-1</a> in <a>Queue
    A</a>, … and 1 more", "credential Mail (deleted)"."""
    kind = _KINDS.get(entry.target_type)
    noun, plural = _words(kind) if kind else (entry.target_type, entry.target_type)
    total = len(target_ids(entry))
    if not total:
        return format_html("{}", plural)
    if total == 1 and targets:
        return _one(kind, targets[0], noun)
    shown = SafeString(", ".join(target_html(kind, t, noun) for t in targets))
    more = total - len(targets)
    if more > 0:
        shown = format_html(
            ngettext("{names} and {count} more", "{names} and {count} more", more),
            names=shown,
            count=_number(more),
        )
    words = _target_words(get_language())
    return format_html(words["many"], count=_number(total), kind=plural, names=shown)


def _number(n: int) -> str:
    return formats.number_format(n, force_grouping=True)


def _one(kind: TargetKind | None, target: Target, noun: str | Promise) -> SafeString:
    """A row's only target: "trigger <a>Nightly</a>"; one without a name says its kind itself."""
    shown = SafeString(target_html(kind, target, noun))
    if _unnamed(target):
        return shown
    return format_html(_target_words(get_language())["one"], kind=noun, name=shown)


def _unnamed(target: Target) -> bool:
    return target.name is None and target.current is None


def target_html(kind: TargetKind | None, target: Target, noun: str | Promise) -> str:
    """One target: linked unless it is known to be gone, by its recorded name, "(now …)" when
    renamed, "(deleted)" when gone. Without any name (a row written before names were recorded):
    "trigger 1a2b3c4d", or "deleted trigger 1a2b3c4d" when it is gone."""
    words = _target_words(get_language())
    if _unnamed(target):
        unnamed = words["deleted id"] if target.exists is False else words["id"]
        label = unnamed.format(kind=noun, id=target.id[:8])
    else:
        label = name_label(target.name if target.name is not None else target.current)
    url = _url(kind, target) if target.exists is not False else None
    text = format_html('<a href="{}">{}</a>', url, label) if url else escaped(label)
    if target.exists is False and not _unnamed(target):
        text += " " + escaped(words["deleted"])
    elif target.name is not None and target.current is not None and target.current != target.name:
        text += " " + format_html(words["renamed"], name=target.current)
    if target.queue is not None:
        queue_url = kind.queue_url(target.queue) if kind and kind.queue_url else None
        queue = name_label(target.queue)
        place = format_html('<a href="{}">{}</a>', queue_url, queue) if queue_url else queue
        text += " " + format_html(words["in"], queue=place)
    return text


@functools.lru_cache(maxsize=8)
def _target_words(language: str | None) -> dict[str, str]:
    """The words around the targets' names in `language` (the active one), looked up once per
    language and process: a page of the trail names up to three targets on every row."""
    return {
        "many": _("{count} {kind}: {names}"),
        "one": _("{kind} {name}"),
        "deleted id": _("deleted {kind} {id}"),
        "id": _("{kind} {id}"),
        "deleted": _("(deleted)"),
        "renamed": _("(now “{name}”)"),
        "in": _("in {queue}"),
    }


def _url(kind: TargetKind | None, target: Target) -> str | None:
    if kind is None or kind.url is None:
        return None
    try:
        return kind.url(target)
    except ValueError:  # an id that is not one (a row written by hand): shown, not linked
        return None
