"""Every change to alert rules: one function each, used by the pages. Each takes the acting user,
runs in `orchestrator_site.writes.write` on the console's database (so its audit row commits with
it) and returns its `WriteResult`; a refusal raises a RuleError whose message is safe to show.

The webhook URL is a secret: no audit row, message or warning ever carries it (the audit says
"webhook URL changed" or "removed").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext

from alerts.models import OPEN_STATUSES, AlertRule, Delivery, DeliveryStatus
from orchestrator_site import clock
from orchestrator_site.display import datetime_text
from orchestrator_site.writes import CONSOLE, WriteResult, write

TARGET_TYPE = "alert rule"


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


def _write(action: str, *, user, name: str, **extra):
    return write(
        action,
        user=user,
        target_type=TARGET_TYPE,
        targets=[name],
        using=(CONSOLE,),
        refusals=(RuleError,),
        **extra,
    )


def _unique(name: str, *, other_than: int | None = None) -> None:
    taken = AlertRule.objects.filter(name=name)
    if other_than is not None:
        taken = taken.exclude(pk=other_than)
    if taken.exists():
        raise DuplicateName(gettext("An alert rule with that name already exists."))


def create_rule(*, user, kind: str, values: RuleValues) -> WriteResult:
    """Insert a rule; the new row is the result's `created`."""
    now, who = clock.now(), _username(user)
    with _write("alerts.rule.create", user=user, name=values.name, detail=kind) as w:
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


def _describe(changes: dict[str, object]) -> str:
    """What changed, for the audit trail: field names, and the webhook URL never by value."""
    parts = []
    for name in changes:
        if name == "webhook_url":
            parts.append("webhook URL " + ("changed" if changes[name] else "removed"))
        else:
            parts.append(name)
    return ", ".join(parts)


def update_rule(*, user, pk: int, version: int, values: RuleValues) -> WriteResult:
    """Write what changed, only over the version the person's form loaded (else Conflict)."""
    rule = AlertRule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound(gettext("That alert rule no longer exists."))
    changes = changed_fields(rule, values)
    with _write("alerts.rule.change", user=user, name=rule.name, detail=_describe(changes)) as w:
        if not changes:
            w.result.message = gettext("Nothing to save: “%(name)s” is unchanged.") % {
                "name": rule.name
            }
            return w.result
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
        w.result.message = gettext("Saved the alert rule “%(name)s”.") % {
            "name": values.name or rule.name
        }
    return w.result


def delete_rule(*, user, pk: int) -> WriteResult:
    """Delete a rule and its incidents. Its history stays (under the rule's name); notices not
    yet sent are not sent any more."""
    rule = AlertRule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound(gettext("That alert rule no longer exists."))
    with _write("alerts.rule.delete", user=user, name=rule.name) as w:
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
    shown = datetime_text(until)
    with _write("alerts.rule.mute", user=user, name=rule.name, detail=f"until {shown}") as w:
        w.result.asked = 1
        if until <= clock.now():
            raise RuleError(gettext("Choose a time in the future."))
        w.result.changed = AlertRule.objects.filter(pk=pk).update(
            muted_until=until, muted_by=_username(user)
        )
        w.result.message = gettext("Muted “%(name)s” until %(until)s.") % {
            "name": rule.name,
            "until": shown,
        }
    return w.result


def unmute_rule(*, user, pk: int) -> WriteResult:
    rule = AlertRule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound(gettext("That alert rule no longer exists."))
    with _write("alerts.rule.unmute", user=user, name=rule.name) as w:
        w.result.asked = 1
        w.result.changed = AlertRule.objects.filter(pk=pk, muted_until__gt=clock.now()).update(
            muted_until=None, muted_by=""
        )
        if w.result.changed:
            w.result.message = gettext("“%(name)s” is no longer muted.") % {"name": rule.name}
        else:
            w.result.message = gettext("“%(name)s” was not muted.") % {"name": rule.name}
    return w.result
