"""One pass of `manage.py alerts`: take the lease, evaluate every rule, then send what is due.

Evaluating reads OpenOrchestrator's database only. Everything it concludes goes to the console's
database, one short transaction per rule, each after renewing the lease: incidents that open (with one queued FIRING delivery per
channel of the rule), incidents that continue (their latest finding), and incidents that clear (a
RESOLVED delivery for each channel whose alert arrived; alerts that never arrived are not sent
any more).

Sending works through the queued deliveries that are due, oldest first. Before each one the
lease is renewed (a copy that lost it stops at once); after it, the outcome (delivered, or the
error and when to try again, or given up after CONSOLE_ALERTS_MAX_ATTEMPTS) and the incident's
"notified" mark are written in one transaction. A muted rule's deliveries wait until it is unmuted.
If the process dies between a send and that write, the notice is sent again by the next pass:
at least once, never lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from alerts import channels, lease
from alerts.conditions import Finding, findings
from alerts.models import (
    OPEN_STATUSES,
    AlertRule,
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    Incident,
)
from alerts.notices import notice
from orchestrator_site import clock

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600
NOTICE_WORDS: dict[str, str] = {Event.FIRING: "alert", Event.RESOLVED: "resolved notice"}
SENDS_PER_PASS = 500  # a backlog is worked through over several passes, each renewing the lease


@dataclass
class PassReport:
    """What one pass did, for the command's output."""

    skipped: bool = False
    holder: str = ""  # the copy that holds the lease, when skipped
    held_until: dt.datetime | None = None
    rules: int = 0
    opened: int = 0
    resolved: int = 0
    sent: int = 0
    retrying: int = 0
    gave_up: int = 0
    held: int = 0  # due, but their rule is muted
    lost_lease: bool = False
    broken_rules: int = 0  # rules that could not be evaluated
    lines: list[str] = field(default_factory=list)  # one per delivery attempt and per problem

    @property
    def failed(self) -> bool:
        """Something went wrong that a person should look at: `--once` exits with 1."""
        return bool(self.retrying or self.gave_up or self.broken_rules)

    def summary(self) -> str:
        if self.skipped:
            until = f" until {self.held_until:%Y-%m-%d %H:%M:%S}" if self.held_until else ""
            return f"Skipped: another copy ({self.holder}) holds the lease{until}."
        text = (
            f"{self.rules} rules checked: {self.opened} opened, {self.resolved} resolved; "
            f"{self.sent} sent, {self.retrying} failed and will be retried, "
            f"{self.gave_up} failed for good, {self.held} held while muted."
        )
        if self.lost_lease:
            text += " Stopped: another copy took the lease."
        return text


def lease_seconds(interval: int) -> int:
    """Long enough to outlast a pass and the pause after it, so that the holder keeps it."""
    return max(2 * interval, 120)


def run_pass(*, holder: str, interval: int) -> PassReport:
    """One pass (see the module's docstring); skipped when another copy holds the lease."""
    seconds = lease_seconds(interval)
    if not lease.acquire(holder, seconds):
        held = lease.current()
        return PassReport(
            skipped=True,
            holder=held.holder if held else "?",
            held_until=held.expires_at if held else None,
        )
    report = PassReport()
    now = clock.now()
    for rule in AlertRule.objects.order_by("name"):
        report.rules += 1
        try:
            found = findings(rule, now)
        except Exception:
            # One rule's failure (a database fault mid-pass) must not silence the others.
            logger.exception("Alert rule %s could not be evaluated", rule.pk)
            report.broken_rules += 1
            report.lines.append(f"Rule “{rule.name}” could not be evaluated; see the log.")
            continue
        if not lease.renew(holder, seconds):  # a slow pass: another copy may have taken over
            report.lost_lease = True
            return report
        opened, resolved = reconcile(rule, found, now)
        report.opened += opened
        report.resolved += resolved
    send_due(holder=holder, seconds=seconds, report=report)
    return report


def reconcile(rule: AlertRule, found: list[Finding], now: dt.datetime) -> tuple[int, int]:
    """Open, continue and resolve `rule`'s incidents after `found`; queue their notices. One
    transaction on the console's database. Returns (opened, resolved)."""
    opened = resolved = 0
    with transaction.atomic():
        current = {i.subject_key: i for i in rule.incidents.filter(resolved_at__isnull=True)}
        for finding in found:
            incident = current.pop(finding.key, None)
            if incident is None:
                _open(rule, finding, now)
                opened += 1
            else:
                Incident.objects.filter(pk=incident.pk).update(
                    subject=finding.subject[:300],
                    summary=finding.summary[:1000],
                    count=finding.count,
                    link=finding.link[:2000],
                    last_seen_at=now,
                )
        for incident in current.values():
            resolved += _resolve(rule, incident, now)
    return opened, resolved


def _open(rule: AlertRule, finding: Finding, now: dt.datetime) -> None:
    incident = Incident.objects.create(
        rule=rule,
        subject_key=finding.key[:300],
        subject=finding.subject[:300],
        summary=finding.summary[:1000],
        count=finding.count,
        link=finding.link[:2000],
        opened_at=now,
        last_seen_at=now,
    )
    title = f"{incident.subject}: {incident.summary}"
    for channel, destination in channels_of(rule):
        _queue(rule, incident, Event.FIRING, channel, destination, title, now)


def _resolve(rule: AlertRule, incident: Incident, now: dt.datetime) -> int:
    """Close `incident`; announce the end where its alert arrived, and stop sending the alert
    where it has not arrived yet (the news would be stale)."""
    if not Incident.objects.filter(pk=incident.pk, resolved_at__isnull=True).update(
        resolved_at=now
    ):
        return 0
    alerts = incident.deliveries.filter(event=Event.FIRING)
    alerts.filter(status__in=OPEN_STATUSES).update(
        status=DeliveryStatus.CANCELLED,
        next_attempt_at=None,
        error=gettext("The condition cleared before the alert was delivered."),
    )
    arrived = set(alerts.filter(status=DeliveryStatus.OK).values_list("channel", flat=True))
    title = gettext("Resolved: %(subject)s") % {"subject": incident.subject}
    for channel, destination in channels_of(rule):
        if channel in arrived:
            _queue(rule, incident, Event.RESOLVED, channel, destination, title, now)
    return 1


def _queue(rule, incident, event, channel, destination, title, now) -> None:
    Delivery.objects.create(
        incident=incident,
        rule=rule,
        rule_name=rule.name,
        subject=incident.subject,
        event=event,
        channel=channel,
        destination=destination[:2000],
        title=title[:500],
        created_at=now,
        next_attempt_at=now,
    )


def channels_of(rule: AlertRule) -> list[tuple[str, str]]:
    """(channel, what the history shows as its destination) for each channel the rule has."""
    found: list[tuple[str, str]] = []
    if rule.emails:
        found.append((Channel.EMAIL, ", ".join(rule.emails)))
    if rule.webhook_url:
        found.append((Channel.WEBHOOK, rule.webhook_host))
    return found


def send_due(*, holder: str, seconds: int, report: PassReport) -> None:
    """Send the due deliveries while this copy holds the lease (see the module's docstring)."""
    now = clock.now()
    due = (
        Delivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now)
        .select_related("rule", "incident")
        .order_by("next_attempt_at", "id")[:SENDS_PER_PASS]
    )
    for delivery in due:
        rule, incident = delivery.rule, delivery.incident
        if rule is None or incident is None:
            _finish(delivery, DeliveryStatus.CANCELLED, gettext("The rule was deleted."))
            continue
        if rule.is_muted(clock.now()):
            report.held += 1
            continue
        if not lease.renew(holder, seconds):
            report.lost_lease = True
            return
        _attempt(rule, incident, delivery, report)


def _attempt(rule: AlertRule, incident: Incident, delivery: Delivery, report: PassReport) -> None:
    destination = dict(channels_of(rule)).get(delivery.channel)
    if destination is None:
        _finish(delivery, DeliveryStatus.CANCELLED, gettext("The rule no longer has this channel."))
        return
    said = notice(rule, incident, delivery.event)
    error = ""
    try:
        if delivery.channel == Channel.EMAIL:
            channels.send_email(rule.emails, said)
        else:
            channels.send_webhook(rule.webhook_url, rule.webhook_format, said)
    except channels.DeliveryError as exc:
        error = str(exc)
    except Exception as exc:  # a programming error in one delivery must not stop the others
        logger.exception("Delivery %s failed unexpectedly", delivery.pk)
        error = f"{type(exc).__name__} (see the log)"
    what = f"{NOTICE_WORDS[delivery.event]} by {delivery.get_channel_display()} to {destination}"
    if not error:
        _record_delivered(delivery, incident, destination, said.title)
        report.sent += 1
        report.lines.append(f"Sent {what}: {said.title}")
        return
    attempts = delivery.attempts + 1
    status, retry_at = _after_failure(attempts)
    _record_failure(delivery, destination, said.title, error, status, retry_at)
    if retry_at is None:
        report.gave_up += 1
        report.lines.append(
            f"FAILED for good after {attempts} attempts: {what}: {said.title} | Error: {error}"
        )
    else:
        report.retrying += 1
        report.lines.append(
            f"Failed (attempt {attempts}, next at {retry_at:%Y-%m-%d %H:%M:%S}): {what}: "
            f"{said.title} | Error: {error}"
        )


def _after_failure(attempts: int) -> tuple[str, dt.datetime | None]:
    """RETRYING with the time of the next attempt (doubling waits), or FAILED after the last."""
    if attempts >= settings.CONSOLE_ALERTS_MAX_ATTEMPTS:
        return DeliveryStatus.FAILED, None
    wait = min(settings.CONSOLE_ALERTS_RETRY_SECONDS * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
    return DeliveryStatus.RETRYING, clock.now() + dt.timedelta(seconds=wait)


def _record_delivered(delivery: Delivery, incident: Incident, destination: str, title: str) -> None:
    """The outcome and the incident's notified mark, in one transaction."""
    now = clock.now()
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, status__in=OPEN_STATUSES).update(
            status=DeliveryStatus.OK,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            delivered_at=now,
            next_attempt_at=None,
            error="",
            destination=destination[:2000],
            title=title[:500],
        )
        mark = "notified_at" if delivery.event == Event.FIRING else "resolved_notified_at"
        Incident.objects.filter(pk=incident.pk, **{f"{mark}__isnull": True}).update(**{mark: now})


def _record_failure(delivery, destination, title, error, status, retry_at) -> None:
    Delivery.objects.filter(pk=delivery.pk, status__in=OPEN_STATUSES).update(
        status=status,
        attempts=F("attempts") + 1,
        last_attempt_at=clock.now(),
        next_attempt_at=retry_at,
        error=error,
        destination=destination[:2000],
        title=title[:500],
    )


def _finish(delivery: Delivery, status: str, reason: str) -> None:
    Delivery.objects.filter(pk=delivery.pk, status__in=OPEN_STATUSES).update(
        status=status, next_attempt_at=None, error=reason
    )
