"""Every change to alert rules: one function each, used by the pages. Each takes the acting user,
runs in `orchestrator_site.writes.write` on the console's database (so its audit row commits with
it) and returns its `WriteResult`; a refusal raises a RuleError whose message is safe to show.

Each audit row names the rule (its id, and its name when written) and, for a create or an edit,
the values set or changed. The webhook URL is a secret: no audit row, message or warning ever
carries it (the audit records only that it changed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext

from alerts.auditing import TARGET_TYPE
from alerts.models import (
    COUNTING_KINDS,
    OPEN_STATUSES,
    AlertRule,
    Delivery,
    DeliveryStatus,
    RuleKind,
    WebhookFormat,
)
from orchestrator_site import audit, clock
from orchestrator_site.display import datetime_text
from orchestrator_site.writes import CONSOLE, WriteResult, write


class RuleError(Exception):
    """A refusal whose message is safe to show (it never holds the webhook URL)."""


class DuplicateName(RuleError):
    pass


class NotFound(RuleError):
    pass


class Conflict(RuleError):
    """Someone changed the rule while the person edited it."""


@dataclass(frozen=True)
class RuleValues:
    """What a person sets on a rule. `webhook_url` None on an edit keeps the stored one; "" has none."""

    name: str
    target: str
    threshold: int
    minutes: int
    email_to: str
    webhook_url: str | None
    webhook_format: str


def _username(user) -> str:
    return getattr(user, "get_username", lambda: "")() or "system"


def _write(action: str, *, user, rule: AlertRule | None = None, **extra):
    """The write and its audit row, about `rule` (None: a rule not created yet)."""
    about = {}
    if rule is not None:
        about = {"targets": [str(rule.pk)], "names": {str(rule.pk): rule.name}}
    return write(
        action,
        user=user,
        target_type=TARGET_TYPE,
        using=(CONSOLE,),
        refusals=(RuleError,),
        **about,
        **extra,
    )


def _unique(name: str, *, other_than: int | None = None) -> None:
    taken = AlertRule.objects.filter(name=name)
    if other_than is not None:
        taken = taken.exclude(pk=other_than)
    if taken.exists():
        raise DuplicateName(gettext("An alert rule with that name already exists."))


def _audited(name: str, value: object) -> object:
    """A value as the audit trail records it: a choice by its label."""
    return WebhookFormat(str(value)) if name == "webhook_format" else value


def _plain(changes: list[dict]) -> list[dict]:
    """The changes with each choice's label as text, in the console's default language: the
    labels are lazy translations, and the audit row holds JSON."""
    with translation.override(settings.LANGUAGE_CODE):
        return [
            {
                key: {"label": str(value["label"])}
                if isinstance(value, dict) and "label" in value
                else value
                for key, value in change.items()
            }
            for change in changes
        ]


def _created(kind: str, values: RuleValues) -> list[dict]:
    """What a new rule was set to, for its audit row (the webhook URL only as "set")."""
    asked: dict[str, object] = {
        "kind": RuleKind(kind),
        "name": values.name,
        "target": values.target,
    }
    if kind in COUNTING_KINDS:
        asked["threshold"] = values.threshold
    if kind != RuleKind.TRIGGER_PROBLEM:
        asked["minutes"] = values.minutes
    asked["email_to"] = values.email_to
    changes = [audit.created(k, _audited(k, v)) for k, v in asked.items() if v not in ("", None)]
    if values.webhook_url:
        changes.append(audit.secret_change("webhook_url"))
        changes.append(
            audit.created("webhook_format", _audited("webhook_format", values.webhook_format))
        )
    return _plain(changes)


def create_rule(*, user, kind: str, values: RuleValues) -> WriteResult:
    """Insert a rule; the new row is the result's `created`."""
    now, who = clock.now(), _username(user)
    with _write("alert_rule.create", user=user, changes=_created(kind, values)) as w:
        w.result.asked = 1
        _unique(values.name)
        try:
            with transaction.atomic():
                rule = AlertRule.objects.create(
                    kind=kind,
                    name=values.name,
                    target=values.target,
                    threshold=values.threshold,
                    minutes=values.minutes,
                    email_to=values.email_to,
                    webhook_url=values.webhook_url or "",
                    webhook_format=values.webhook_format,
                    created_at=now,
                    created_by=who,
                    changed_at=now,
                    changed_by=who,
                )
        except IntegrityError:
            raise DuplicateName(gettext("An alert rule with that name already exists.")) from None
        w.targets = [str(rule.pk)]
        w.names = {str(rule.pk): rule.name}
        w.result.changed = 1
        w.result.created = rule
        w.result.message = gettext("Created the alert rule “%(name)s”.") % {"name": rule.name}
    return w.result


def changed_fields(rule: AlertRule, values: RuleValues) -> dict[str, object]:
    """The columns an edit changes (a None webhook URL keeps the stored one)."""
    changes: dict[str, object] = {}
    for f in fields(values):
        new = getattr(values, f.name)
        if new is None:
            continue
        if new != getattr(rule, f.name):
            changes[f.name] = new
    return changes


def _edits(rule: AlertRule, changes: dict[str, object]) -> list[dict]:
    """Each changed field, old and new, for the audit row; the webhook URL only as "changed"."""
    return _plain(
        [
            audit.secret_change(name)
            if name == "webhook_url"
            else audit.change(name, _audited(name, getattr(rule, name)), _audited(name, new))
            for name, new in changes.items()
        ]
    )


def update_rule(*, user, pk: int, version: int, values: RuleValues) -> WriteResult:
    """Write what changed, only over the version the person's form loaded (else Conflict)."""
    rule = AlertRule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound(gettext("That alert rule no longer exists."))
    changes = changed_fields(rule, values)
    if not changes:  # nothing asked, nothing written, nothing audited
        return WriteResult(
            message=gettext("Nothing to save: “%(name)s” is unchanged.") % {"name": rule.name}
        )
    with _write("alert_rule.change", user=user, rule=rule, changes=_edits(rule, changes)) as w:
        w.result.asked = 1
        if "name" in changes:
            _unique(values.name, other_than=pk)
        try:
            with transaction.atomic():
                w.result.changed = AlertRule.objects.filter(pk=pk, version=version).update(
                    **changes,
                    version=F("version") + 1,
                    changed_at=clock.now(),
                    changed_by=_username(user),
                )
        except IntegrityError:
            raise DuplicateName(gettext("An alert rule with that name already exists.")) from None
        if not w.result.changed:
            if AlertRule.objects.filter(pk=pk).exists():
                raise Conflict(
                    gettext(
                        "Someone else changed this alert rule while you edited it; nothing was "
                        "saved. Reload it to see their change."
                    )
                )
            raise NotFound(gettext("That alert rule no longer exists."))
        w.result.message = gettext("Saved the alert rule “%(name)s”.") % {"name": values.name}
    return w.result


def delete_rule(*, user, pk: int) -> WriteResult:
    """Delete a rule and its incidents. Its history stays (under the rule's name); notices not
    yet sent are not sent any more."""
    rule = AlertRule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound(gettext("That alert rule no longer exists."))
    with _write("alert_rule.delete", user=user, rule=rule) as w:
        w.result.asked = 1
        Delivery.objects.filter(rule_id=pk, status__in=OPEN_STATUSES).update(
            status=DeliveryStatus.CANCELLED,
            next_attempt_at=None,
            error=gettext("The rule was deleted."),
        )
        _, deleted = AlertRule.objects.filter(pk=pk).delete()
        w.result.changed = deleted.get(AlertRule._meta.label, 0)
        if not w.result.changed:
            raise NotFound(gettext("That alert rule no longer exists."))
        w.result.message = gettext("Deleted the alert rule “%(name)s”.") % {"name": rule.name}
    return w.result


def mute_rule(*, user, pk: int, until: dt.datetime) -> WriteResult:
    """No notices of the rule are sent before `until`; its incidents are still tracked, and what
    is still true then is announced then."""
    rule = AlertRule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound(gettext("That alert rule no longer exists."))
    changes = [audit.change("muted_until", rule.muted_until, until)]
    with _write("alert_rule.mute", user=user, rule=rule, changes=changes) as w:
        w.result.asked = 1
        if until <= clock.now():
            raise RuleError(gettext("Choose a time in the future."))
        w.result.changed = AlertRule.objects.filter(pk=pk).update(
            muted_until=until, muted_by=_username(user)
        )
        w.result.message = gettext("Muted “%(name)s” until %(until)s.") % {
            "name": rule.name,
            "until": datetime_text(until),
        }
    return w.result


def unmute_rule(*, user, pk: int) -> WriteResult:
    rule = AlertRule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound(gettext("That alert rule no longer exists."))
    changes = [audit.change("muted_until", rule.muted_until, None)]
    with _write("alert_rule.unmute", user=user, rule=rule, changes=changes) as w:
        w.result.asked = 1
        w.result.changed = AlertRule.objects.filter(pk=pk, muted_until__gt=clock.now()).update(
            muted_until=None, muted_by=""
        )
        if w.result.changed:
            w.result.message = gettext("“%(name)s” is no longer muted.") % {"name": rule.name}
        else:
            w.changes = []  # nothing changed: the row says so by its count alone
            w.result.message = gettext("“%(name)s” was not muted.") % {"name": rule.name}
    return w.result
