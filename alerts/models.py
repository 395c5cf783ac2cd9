"""Alert rules, their incidents, the deliveries of each incident's notices, and the lease that lets
one copy of `manage.py alerts` at a time send them. All in the console's own database.

An incident is one stretch of time during which a rule's condition held for one subject (a
process, a queue, a Scheduler, a trigger): it opens when the condition becomes true and resolves
when it no longer is. Each incident is announced once per channel (a FIRING delivery) and, if that
announcement arrived, its end once (a RESOLVED delivery). Deliveries are an outbox: a row is
written first, then sent, and its outcome and the incident's "notified" mark are written together.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orchestrator_site.display import duration_text

MAX_MINUTES = 7 * 24 * 60  # a week: longer windows belong in a report, not an alert
MAX_THRESHOLD = 1_000_000


class RuleKind(models.TextChoices):
    PROCESS_ERRORS = "process_errors", _("Errors logged by a process")
    QUEUE_FAILURES = "queue_failures", _("Failed queue elements")
    SCHEDULER_SILENT = "scheduler_silent", _("A Scheduler not seen")
    TRIGGER_PROBLEM = "trigger_problem", _("A trigger failed or stuck")


# Kinds that count rows in a window (the threshold applies); the others are a state.
COUNTING_KINDS = (RuleKind.PROCESS_ERRORS, RuleKind.QUEUE_FAILURES)


class WebhookFormat(models.TextChoices):
    TEAMS = "teams", _("Microsoft Teams: Adaptive Card (Workflows or incoming webhook)")
    MESSAGECARD = "messagecard", _("Microsoft Teams: MessageCard (Office 365 connector)")
    JSON = "json", _("Plain JSON")


class AlertRule(models.Model):
    """What to watch, when to speak, and where to. `target` is an exact OpenOrchestrator name
    (kept as typed: names are data); empty means every process, queue, Scheduler or trigger, each
    its own incident. `webhook_url` is a secret (its path is the webhook's key): pages show its
    host only, and neither the audit trail nor the history nor a log line carries it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=RuleKind.choices)
    target = models.CharField(_("target"), max_length=100, blank=True)
    threshold = models.PositiveIntegerField(_("threshold"), default=1)
    minutes = models.PositiveIntegerField(_("minutes"), default=15)
    email_to = models.TextField(_("e-mail addresses"), blank=True)  # one address per line
    webhook_url = models.CharField(_("webhook URL"), max_length=2000, blank=True)
    webhook_format = models.CharField(
        _("webhook format"),
        max_length=12,
        choices=WebhookFormat.choices,
        default=WebhookFormat.TEAMS,
    )
    muted_until = models.DateTimeField(_("muted until"), null=True, blank=True)
    muted_by = models.CharField(max_length=150, blank=True)
    # Raised by every change: an edit saves only over the version its form loaded.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    changed_at = models.DateTimeField()
    changed_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        permissions = [("mute_alertrule", "Can mute and unmute alert rules")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("alerts:rule", args=[self.pk])

    @property
    def emails(self) -> list[str]:
        return [line for line in self.email_to.splitlines() if line]

    @property
    def webhook_host(self) -> str:
        """What pages show of the webhook: its scheme and host, never the path that is its key."""
        return webhook_host(self.webhook_url)

    @property
    def counts(self) -> bool:
        return self.kind in COUNTING_KINDS

    def is_muted(self, now: dt.datetime) -> bool:
        return self.muted_until is not None and self.muted_until > now

    def window_text(self) -> str:
        """The rule's minutes as every duration on the console reads ("15 min", "2 h")."""
        return duration_text(dt.timedelta(minutes=self.minutes))

    def condition_text(self) -> str:
        """The rule in one sentence, for its pages and its alerts."""
        values = {"n": self.threshold, "m": self.window_text(), "name": self.target}
        texts: dict[tuple[str, bool], str] = {
            (RuleKind.PROCESS_ERRORS, True): gettext(
                "%(n)s or more errors in %(m)s, logged by the process “%(name)s”"
            ),
            (RuleKind.PROCESS_ERRORS, False): gettext(
                "%(n)s or more errors in %(m)s, logged by any one process"
            ),
            (RuleKind.QUEUE_FAILURES, True): gettext(
                "%(n)s or more failed elements in %(m)s in the queue “%(name)s”"
            ),
            (RuleKind.QUEUE_FAILURES, False): gettext(
                "%(n)s or more failed elements in %(m)s in any one queue"
            ),
            (RuleKind.SCHEDULER_SILENT, True): gettext(
                "The Scheduler “%(name)s” not seen for more than %(m)s"
            ),
            (RuleKind.SCHEDULER_SILENT, False): gettext(
                "Any Scheduler not seen for more than %(m)s"
            ),
            (RuleKind.TRIGGER_PROBLEM, True): gettext("The trigger “%(name)s” failed or stuck"),
            (RuleKind.TRIGGER_PROBLEM, False): gettext("Any trigger failed or stuck"),
        }
        return texts[(self.kind, bool(self.target))] % values


def webhook_host(url: str) -> str:
    """`https://host` of a webhook URL (with its port, if any); "" when there is none."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


class Incident(models.Model):
    """One stretch during which a rule's condition held for one subject. Open while `resolved_at`
    is NULL; at most one open incident per rule and subject (a unique index says so)."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="incidents")
    subject_key = models.CharField(max_length=300)  # the name or id the condition found
    subject = models.CharField(_("subject"), max_length=300)  # for people: the queue “Kø”
    summary = models.CharField(_("summary"), max_length=1000)  # the latest finding, in words
    count = models.PositiveIntegerField(null=True, blank=True)
    link = models.CharField(max_length=2000)  # a path on the console, made absolute when sent
    opened_at = models.DateTimeField(_("opened at"))
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # Written in the same transaction as the delivery that told someone (alerts.engine).
    notified_at = models.DateTimeField(null=True, blank=True)
    resolved_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key"],
                condition=Q(resolved_at__isnull=True),
                name="alerts_one_open_incident",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.subject}"


class Event(models.TextChoices):
    FIRING = "firing", _("Alert")
    RESOLVED = "resolved", _("Resolved")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    RETRYING = "retrying", _("Failed, will retry")
    OK = "ok", _("Delivered")
    FAILED = "failed", _("Failed")  # after the last attempt
    CANCELLED = "cancelled", _("Not sent")


# Deliveries the sender still works on.
OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class Delivery(models.Model):
    """One notice of one incident on one channel: what was said, where, and how it went. The rule's
    name and the subject are copied, so that the history outlives a deleted rule."""

    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    rule = models.ForeignKey(
        AlertRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    rule_name = models.CharField(_("rule"), max_length=100)
    subject = models.CharField(_("subject"), max_length=300)
    event = models.CharField(_("event"), max_length=10, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # The addresses, or the webhook's host only (never its URL).
    destination = models.CharField(_("to"), max_length=2000)
    title = models.CharField(_("what"), max_length=500)
    status = models.CharField(
        _("outcome"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("queued at"))
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            # Each incident is announced, and its end announced, once per channel.
            models.UniqueConstraint(
                fields=["incident", "event", "channel"],
                condition=Q(incident__isnull=False),
                name="alerts_one_delivery_per_event",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="alerts_delivery_due"),
            models.Index(fields=["created_at"], name="alerts_delivery_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.channel} {self.subject}"


class Lease(models.Model):
    """Who may send alerts now: one row per lease name, taken and renewed by conditional UPDATEs
    (alerts.lease), so that two copies of the command never both send."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=200)
    expires_at = models.DateTimeField()
    renewed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.holder} until {self.expires_at:%Y-%m-%d %H:%M:%S}"
