"""The forms of the alert pages: a rule (one set of fields per kind), muting, a confirmation.

A rule's target is an OpenOrchestrator name, kept exactly as typed (never stripped). The webhook
URL is a secret: its box is never filled in, not even after an error, and leaving it empty on an
edit keeps the stored one.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext, gettext_lazy

from alerts.models import MAX_MINUTES, MAX_THRESHOLD, AlertRule, RuleKind, WebhookFormat
from alerts.services import RuleValues
from orchestrator_site import clock
from orchestrator_site.display import duration_text
from orchestrator_site.forms import LocalDateTimeField
from orchestrator_site.textfields import ColumnTextField

MAX_ADDRESSES = 50

# Per kind: the target's label and help, the threshold's label (None: not asked), the minutes'
# label and help (None: not asked).
KIND_FIELDS = {
    RuleKind.PROCESS_ERRORS: (
        gettext_lazy("Process"),
        gettext_lazy(
            "The process name exactly as its robot logs it. Empty: every process, each alerting "
            "on its own."
        ),
        gettext_lazy("Errors"),
        gettext_lazy("Within minutes"),
        gettext_lazy(
            "Alert when the process logged at least this many ERROR lines in this many minutes."
        ),
    ),
    RuleKind.QUEUE_FAILURES: (
        gettext_lazy("Queue"),
        gettext_lazy(
            "The queue name exactly as stored. Empty: every queue, each alerting on its own."
        ),
        gettext_lazy("Failed elements"),
        gettext_lazy("Within minutes"),
        gettext_lazy(
            "Alert when at least this many elements of the queue failed in this many minutes."
        ),
    ),
    RuleKind.SCHEDULER_SILENT: (
        gettext_lazy("Scheduler"),
        gettext_lazy(
            "The Scheduler's machine name. Empty: every Scheduler that ever pinged, each alerting "
            "on its own."
        ),
        None,
        gettext_lazy("Not seen for more than minutes"),
        gettext_lazy("A Scheduler pings every few seconds while it runs."),
    ),
    RuleKind.TRIGGER_PROBLEM: (
        gettext_lazy("Trigger"),
        gettext_lazy(
            "The trigger name exactly as stored. Empty: every trigger, each alerting on its own. "
            "Stuck means what the dashboard shows as stuck: running, pausing or being killed with "
            "nothing left to move it."
        ),
        None,
        None,
        None,
    ),
}


class SecretInput(forms.TextInput):
    """A text box that never shows a value: what it holds is a secret once saved."""

    def format_value(self, value):
        return None


def _addresses(text: str) -> list[str]:
    found: dict[str, None] = {}
    for part in text.replace(",", "\n").replace(";", "\n").splitlines():
        address = part.strip()
        if address:
            found[address] = None
    return list(found)


class RuleForm(forms.Form):
    """A rule of one kind: create (the kind comes from the URL) or edit (`editing`, kind fixed)."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    target = ColumnTextField(max_length=100, required=False)
    threshold = forms.IntegerField(min_value=1, max_value=MAX_THRESHOLD, initial=5)
    minutes = forms.IntegerField(min_value=1, max_value=MAX_MINUTES, initial=15)
    email_to = forms.CharField(
        label=gettext_lazy("E-mail to"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=gettext_lazy("One address per line (commas work too)."),
    )
    webhook_url = forms.CharField(
        label=gettext_lazy("Webhook URL"),
        required=False,
        max_length=2000,
        strip=True,
        widget=SecretInput(attrs={"autocomplete": "off", "spellcheck": "false", "size": "60"}),
        help_text=gettext_lazy(
            "A Microsoft Teams webhook (Workflows or an incoming webhook) or any URL that takes a "
            "JSON POST. Kept secret: never shown again once saved, not even after an error here."
        ),
    )
    remove_webhook = forms.BooleanField(
        label=gettext_lazy("Remove the stored webhook"), required=False
    )
    webhook_format = forms.ChoiceField(
        label=gettext_lazy("Webhook format"),
        choices=WebhookFormat.choices,
        initial=WebhookFormat.TEAMS,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, kind: str, editing: AlertRule | None = None, **kwargs):
        if editing is not None:
            kwargs["initial"] = {
                "name": editing.name,
                "target": editing.target,
                "threshold": editing.threshold,
                "minutes": editing.minutes,
                "email_to": editing.email_to,
                "webhook_format": editing.webhook_format,
                "version": editing.version,
            }
        super().__init__(*args, **kwargs)
        self.kind = RuleKind(kind)
        self.editing = editing
        target_label, target_help, threshold_label, minutes_label, minutes_help = KIND_FIELDS[
            self.kind
        ]
        self.fields["target"].label = target_label
        self.fields["target"].help_text = target_help
        if threshold_label is None:
            del self.fields["threshold"]
        else:
            self.fields["threshold"].label = threshold_label
        if minutes_label is None:
            del self.fields["minutes"]
        else:
            self.fields["minutes"].label = minutes_label
            self.fields["minutes"].help_text = minutes_help or ""
        if editing is None:
            del self.fields["version"]
        if editing is None or not editing.webhook_url:
            del self.fields["remove_webhook"]
        else:
            self.fields["webhook_url"].help_text = gettext(
                "Stored: %(host)s/… (hidden). Leave empty to keep it, type a new one to replace it."
            ) % {"host": editing.webhook_host}

    def clean_target(self) -> str:
        target = self.cleaned_data["target"]
        if target and not target.strip():
            raise ValidationError(gettext("A name of only spaces is surely a slip; type one."))
        return target

    def clean_email_to(self) -> str:
        addresses = _addresses(self.cleaned_data["email_to"])
        if len(addresses) > MAX_ADDRESSES:
            raise ValidationError(
                gettext("At most %(n)s addresses; use a distribution list for more.")
                % {"n": MAX_ADDRESSES}
            )
        bad = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            raise ValidationError(
                gettext("Not an e-mail address: %(list)s") % {"list": ", ".join(bad[:5])}
            )
        return "\n".join(addresses)

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"]
        if url:
            try:
                URLValidator(schemes=["https", "http"])(url)
            except ValidationError:
                raise ValidationError(
                    gettext("Give a whole http:// or https:// URL (type it again).")
                ) from None
        return url

    def clean(self):
        cleaned = super().clean() or {}
        stored = bool(self.editing and self.editing.webhook_url)
        keeps_webhook = bool(cleaned.get("webhook_url")) or (
            stored and not cleaned.get("remove_webhook")
        )
        if "email_to" in cleaned and not cleaned["email_to"] and not keeps_webhook:
            raise ValidationError(
                gettext("Give e-mail addresses or a webhook URL (or both): where should it go?")
            )
        return cleaned

    def values(self) -> RuleValues:
        data = self.cleaned_data
        webhook: str | None = data["webhook_url"] or None
        if webhook is None and self.editing is None:
            webhook = ""
        if webhook is None and data.get("remove_webhook"):
            webhook = ""
        return RuleValues(
            name=data["name"],
            target=data["target"],
            threshold=data.get("threshold") or (self.editing.threshold if self.editing else 1),
            minutes=data.get("minutes") or (self.editing.minutes if self.editing else 15),
            email_to=data["email_to"],
            webhook_url=webhook,
            webhook_format=data["webhook_format"],
        )


# How long to mute, in hours, each written as every duration on the console is.
MUTE_CHOICES = [
    *((str(hours), duration_text(dt.timedelta(hours=hours))) for hours in (1, 4, 8, 24, 72, 168)),
    ("until", gettext_lazy("Until a time")),
]


class MuteForm(forms.Form):
    duration = forms.ChoiceField(
        label=gettext_lazy("Mute for"),
        choices=MUTE_CHOICES,
        initial="1",
        widget=forms.RadioSelect,
    )
    until = LocalDateTimeField(
        label=gettext_lazy("Until"),
        required=False,
        help_text=gettext_lazy("With “Until a time”: the console server's local time."),
    )

    def clean(self):
        cleaned = super().clean() or {}
        duration = cleaned.get("duration")
        now = clock.now()
        if duration == "until":
            until = cleaned.get("until")
            if until is None:
                if "until" not in self.errors:
                    self.add_error("until", gettext("Give the time the mute ends."))
                return cleaned
            if until <= now:
                self.add_error("until", gettext("Choose a time in the future."))
                return cleaned
            cleaned["muted_until"] = until
        elif duration:
            cleaned["muted_until"] = now + dt.timedelta(hours=int(duration))
        return cleaned


class ConfirmForm(forms.Form):
    """A POST with nothing but the CSRF token: the confirmation of a delete or an unmute."""
