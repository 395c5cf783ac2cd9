"""Writing the audit trail, and reading back what a row recorded. Services do not call `record`
themselves: `orchestrator_site.writes.write` does, once per write, whatever its outcome.

Besides who, when and what, a row keeps what people need to read it later, when the targets may be
gone: their names at the time (`target_names`) and, for an edit, each changed field's old and new
value (`changes`). Values are stored as data and worded when shown, in the console's display
formats (orchestrator_site.display), so a row written today reads like one written tomorrow.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import Choices
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from orchestrator_site import clock
from orchestrator_site.display import datetime_text
from orchestrator_site.models import AuditEntry

# Named apart from any result object: this is the outcome column of an audit row.
AuditOutcome = AuditEntry.Outcome

# Names kept per row: the trail shows the first three of a bulk action's targets, its admin page the
# rest of the ids; naming a thousand retried elements would make every row of it heavy.
NAMES_KEPT = 50

# A changed value longer than this is cut in lists (a constant holds up to 1,000 characters); the
# admin's page of the row shows it whole.
CHANGE_SHOWN = 120

# A target's name as a service records it: the name, or for a queue element (reference, queue).
TargetName = str | tuple[str | None, str] | None


def record(
    *,
    user,
    action: str,
    target_type: str = "",
    targets: Iterable[object] = (),
    names: Mapping[str, TargetName] | None = None,
    changes: Sequence[dict] = (),
    filter_used: str = "",
    count: int = 0,
    outcome: str = AuditOutcome.OK,
    reason: str = "",
    detail: str = "",
) -> AuditEntry:
    """Write one audit row in the console's own database. Never pass secrets in any argument:
    a secret's change is `secret_change(field)`, which records that it changed and nothing more."""
    username = getattr(user, "get_username", lambda: "")() or "system"
    target_ids = [str(t) for t in targets]
    return AuditEntry.objects.create(
        at=clock.now(),
        user=user if getattr(user, "pk", None) else None,
        username=username,
        action=action,
        target_type=target_type,
        target_ids=join_ids(target_ids)[:20000],
        target_names=names_json(target_ids, names or {}),
        filter_used=filter_used[:5000],
        count=count,
        outcome=outcome,
        reason=reason[:500],
        detail=detail[:5000],
        changes=list(changes),
    )


# --- Target ids ----------------------------------------------------------------------------------


def escape_id(target_id: str) -> str:
    """One target's id as `target_ids` holds it: a line break inside would split it in two."""
    return target_id.replace("%", "%25").replace("\n", "%0A")


_ESCAPED = re.compile(r"%(25|0A)")


def join_ids(target_ids: Iterable[str]) -> str:
    """AuditEntry.target_ids: one id per line, each escaped (escape_id)."""
    return "\n".join(escape_id(target_id) for target_id in target_ids)


def split_ids(text: str, escaped: bool = True) -> list[str]:
    """The ids of AuditEntry.target_ids, as they were given to record(); rows written before ids
    were escaped (`escaped` False) are one id per line as they are."""
    if not text:
        return []
    ids = text.split("\n")
    if not escaped:
        return ids
    # One pass: an escape is never read twice ("%250A" is "%0A", not a line break).
    return [_ESCAPED.sub(lambda m: "%" if m.group(1) == "25" else "\n", i) for i in ids]


# --- Target names ------------------------------------------------------------------------------


def names_json(target_ids: Sequence[str], names: Mapping[str, TargetName]) -> str:
    """The names of the first NAMES_KEPT targets as a JSON list in the order of `target_ids`
    (null where a target has none); "" when none is named. Non-ASCII characters are kept as they
    are, so that the trail's “target name contains” filter finds them."""
    kept: list[Any] = [_name_value(names.get(pk)) for pk in target_ids[:NAMES_KEPT]]
    while kept and kept[-1] is None:
        kept.pop()
    return json.dumps(kept, ensure_ascii=False) if kept else ""


def _name_value(name: TargetName) -> Any:
    return list(name) if isinstance(name, tuple) else name


def recorded_names(entry: AuditEntry) -> list[TargetName]:
    """The names a row recorded, in the order of its target ids (None where it has none). Rows
    written before names were recorded have none."""
    if not entry.target_names:
        return []
    try:
        stored = json.loads(entry.target_names)
    except ValueError:
        return []
    return [tuple(value) if isinstance(value, list) else value for value in stored]


def name_search_text(text: str) -> str:
    """What `text` looks like inside `target_names`: JSON escapes quotes, backslashes and line
    breaks, so a search for a name that holds them must escape them the same way."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


# --- Changes -------------------------------------------------------------------------------------


def change(field: str, old: object, new: object) -> dict:
    """One changed field of an edit, for `record(changes=...)`: the old and the new value."""
    return {"field": field, "old": _stored(old), "new": _stored(new)}


def created(field: str, value: object) -> dict:
    """A field's value when the row was created (there is no old value)."""
    return {"field": field, "new": _stored(value)}


def secret_change(field: str) -> dict:
    """A secret that changed: neither value is recorded, only that it changed."""
    return {"field": field, "secret": True}


def _stored(value: object) -> Any:
    """A value as JSON: times tagged, so that they are shown in the display format of the day;
    a choice (a status) by its label in the source language (the catalogues' msgid), which is
    shown translated for the reader, not quoted as text."""
    if isinstance(value, Choices):
        with translation.override("en"):  # the labels are lazy: not the writer's language
            return {"label": str(value.label)}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_stored(v) for v in value]
    return str(value)


def value_text(value: Any, limit: int | None = None) -> str:
    """A stored value in words: text quoted exactly as stored (spaces are data), times in the
    display format, lists joined, "empty" for nothing. Text longer than `limit` is cut with “…”."""
    if value is None or value == "" or value == []:
        return _("empty")
    if isinstance(value, dict):
        if "datetime" in value:
            return datetime_text(dt.datetime.fromisoformat(value["datetime"]))
        if "date" in value:
            return datetime_text(dt.date.fromisoformat(value["date"]), "date")
        if "label" in value:
            return translation.gettext(value["label"])
        return str(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(value_text(v, limit) for v in value)
    if isinstance(value, str):
        if limit is not None and len(value) > limit:
            value = value[:limit] + "…"
        return _("“%(text)s”") % {"text": value}
    return str(value)


# The fields the services record, in the reader's language; any other field reads as its name.
FIELD_WORDS = {
    "trigger_name": pgettext_lazy("audit field", "trigger name"),
    "process_name": pgettext_lazy("audit field", "process name"),
    "next_run": pgettext_lazy("audit field", "next run"),
    "cron_expr": pgettext_lazy("audit field", "cron expr"),
    "queue_name": pgettext_lazy("audit field", "queue name"),
    "min_batch_size": pgettext_lazy("audit field", "min batch size"),
    "process_path": pgettext_lazy("audit field", "process path"),
    "process_args": pgettext_lazy("audit field", "process args"),
    "is_git_repo": pgettext_lazy("audit field", "is git repo"),
    "is_blocking": pgettext_lazy("audit field", "is blocking"),
    "priority": pgettext_lazy("audit field", "priority"),
    "scheduler_whitelist": pgettext_lazy("audit field", "scheduler whitelist"),
    "process_status": pgettext_lazy("audit field", "process status"),
    "status": pgettext_lazy("audit field", "status"),
    "username": pgettext_lazy("audit field", "username"),
    "password": pgettext_lazy("audit field", "password"),
    "value": pgettext_lazy("audit field", "value"),
    "name": pgettext_lazy("audit field", "name"),
    "kind": pgettext_lazy("audit field", "kind"),
    "target": pgettext_lazy("audit field", "target"),
    "threshold": pgettext_lazy("audit field", "threshold"),
    "minutes": pgettext_lazy("audit field", "minutes"),
    "email_to": pgettext_lazy("audit field", "email to"),
    "webhook_url": pgettext_lazy("audit field", "webhook url"),
    "webhook_format": pgettext_lazy("audit field", "webhook format"),
    "muted_until": pgettext_lazy("audit field", "muted until"),
}


def change_text(change: Mapping, limit: int | None = None) -> str:
    """One change in words: "next run: 30-11-2026 06:30:00 → 01-12-2026 06:30:00",
    "password: changed", or for a new row "cron expr: “0 6 * * *”"."""
    name = str(change.get("field", ""))
    field = str(FIELD_WORDS.get(name, name.replace("_", " ")))
    if change.get("secret"):
        return _("%(field)s: changed") % {"field": field}
    new = value_text(change.get("new"), limit)
    if "old" not in change:
        return f"{field}: {new}"
    return f"{field}: {value_text(change.get('old'), limit)} → {new}"


def what_lines(entry: AuditEntry, limit: int | None = None) -> list[str]:
    """What a row says happened, line by line: each changed field, then its detail (a comment,
    counts, why a reset was allowed)."""
    lines = [change_text(c, limit) for c in entry.changes or ()]
    if entry.detail:
        lines.append(entry.detail)
    return lines
