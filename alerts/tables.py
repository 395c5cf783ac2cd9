"""The rules list and the history of sent alerts."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy, ngettext

from alerts.models import AlertRule, Delivery, DeliveryStatus
from orchestrator_site import rowactions
from orchestrator_site.display import datetime_text
from orchestrator_site.htmltext import format_html
from orchestrator_site.tables import ConsoleTable, TimeColumn

# A row's links: (permission, URL name, text, button kind), in the order they are shown.
RULE_LINKS = (
    ("change", "alerts:edit", gettext_lazy("Edit"), ""),
    ("mute", "alerts:mute", gettext_lazy("Mute"), ""),
    ("delete", "alerts:delete", gettext_lazy("Delete"), "danger"),
)
STATUS_BADGES: dict[str, str] = {
    DeliveryStatus.OK: "DONE",
    DeliveryStatus.FAILED: "FAILED",
    DeliveryStatus.RETRYING: "warn",
    DeliveryStatus.PENDING: "info",
    DeliveryStatus.CANCELLED: "muted",
}


def rule_links(rule: AlertRule, may: set[str]) -> SafeString:
    return rowactions.actions(
        rowactions.link(
            reverse(route, args=[rule.pk]), f"{text} {rule.name}", text=str(text), kind=kind
        )
        for permission, route, text, kind in RULE_LINKS
        if permission in may
    )


def channels_text(rule: AlertRule) -> str:
    parts = []
    if rule.emails:
        n = len(rule.emails)
        parts.append(ngettext("e-mail to %(n)s address", "e-mail to %(n)s addresses", n) % {"n": n})
    if rule.webhook_url:
        parts.append(gettext("webhook %(host)s") % {"host": rule.webhook_host})
    return ", ".join(parts)


class RuleTable(ConsoleTable):
    region_label = "Alert rules"  # in the request's language: __init__
    name = tables.Column(verbose_name=gettext_lazy("Name"), linkify=True)
    kind = tables.Column(verbose_name=gettext_lazy("Kind"))
    condition = tables.Column(
        verbose_name=gettext_lazy("Condition"), empty_values=(), orderable=False
    )
    channels = tables.Column(verbose_name=gettext_lazy("Sends"), empty_values=(), orderable=False)
    open_incidents = tables.Column(verbose_name=gettext_lazy("Open incidents"))
    muted_until = tables.Column(verbose_name=gettext_lazy("Muted"), empty_values=())
    actions = tables.Column(empty_values=(), orderable=False, verbose_name="")

    class Meta:
        model = AlertRule
        fields = ("name", "kind")
        order_by = ("name",)
        attrs = {"class": "table"}
        empty_text = gettext_lazy("No alert rules yet.")

    def __init__(self, *args, perms=None, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_label = gettext("Alert rules")
        self.perms = perms or set()
        self.now = now

    def render_condition(self, record: AlertRule) -> str:
        return record.condition_text()

    def render_channels(self, record: AlertRule) -> str:
        return channels_text(record)

    def render_muted_until(self, record: AlertRule) -> SafeString | str:
        if self.now is None or not record.is_muted(self.now):
            return "—"
        return format_html(
            '<span class="badge badge-muted">{}</span>',
            gettext("until %(when)s") % {"when": datetime_text(record.muted_until)},
        )

    def render_actions(self, record: AlertRule) -> SafeString:
        return rule_links(record, self.perms)


class DeliveryTable(ConsoleTable):
    region_label = "Sent alerts"  # in the request's language: __init__
    created_at = TimeColumn(verbose_name=gettext_lazy("Queued at"), order_by=("created_at", "id"))
    rule_name = tables.Column(verbose_name=gettext_lazy("Rule"))
    event = tables.Column(verbose_name=gettext_lazy("Event"))
    title = tables.Column(
        verbose_name=gettext_lazy("What"), orderable=False, attrs={"td": {"class": "msgcell"}}
    )
    channel = tables.Column(verbose_name=gettext_lazy("Channel"))
    destination = tables.Column(verbose_name=gettext_lazy("To"), orderable=False)
    status = tables.Column(verbose_name=gettext_lazy("Outcome"), empty_values=())
    attempts = tables.Column(verbose_name=gettext_lazy("Attempts"), orderable=False)
    last_attempt_at = TimeColumn(verbose_name=gettext_lazy("Last attempt"))
    error = tables.Column(
        verbose_name=gettext_lazy("Error"), orderable=False, attrs={"td": {"class": "msgcell"}}
    )

    class Meta:
        model = Delivery
        fields = (
            "created_at",
            "rule_name",
            "event",
            "title",
            "channel",
            "destination",
            "status",
            "attempts",
            "last_attempt_at",
            "error",
        )
        order_by = ("-created_at",)
        attrs = {"class": "table"}
        empty_text = gettext_lazy("Nothing has been sent yet.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region_label = gettext("Sent alerts")

    def render_status(self, record: Delivery) -> SafeString:
        text = record.get_status_display()
        if record.status == DeliveryStatus.RETRYING and record.next_attempt_at:
            text = gettext("%(status)s at %(when)s") % {
                "status": text,
                "when": datetime_text(record.next_attempt_at),
            }
        return format_html(
            '<span class="badge badge-{}">{}</span>', STATUS_BADGES[record.status], text
        )
