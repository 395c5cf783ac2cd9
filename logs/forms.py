"""Forms of the logs pages (the list filters are in filters.py)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext, gettext_lazy, ngettext

from logs.services import RETENTION_DAYS, retention_cutoff, retention_text
from orchestrator_site.forms import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    FormMixin,
    LocalDateTimeField,
    UUIDListField,
)

MAX_SELECTED = 1000


class OverviewSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Process contains"), required=False, max_length=100)


class AroundForm(forms.Form):
    minutes = forms.IntegerField(
        label=gettext_lazy("Minutes before and after"),
        min_value=1,
        max_value=120,
        initial=1,
        required=False,
    )

    def minutes_or_default(self) -> int:
        return self.cleaned_data.get("minutes") or 1


class TypedConfirmationMixin(FormMixin):
    """Above CONSOLE_BULK_CONFIRM_THRESHOLD rows the user must type `expected_text` exactly."""

    def check_typed(self, *, required: bool, expected_text: str) -> bool:
        if not required:
            return True
        if self.cleaned_data.get("typed", "") != expected_text:
            self.add_error(
                "typed",
                gettext("Type “%(expected)s” exactly to confirm.") % {"expected": expected_text},
            )
            return False
        return True


class DeleteSelectedForm(TypedConfirmationMixin, forms.Form):
    ids = UUIDListField(noun="log", max_count=MAX_SELECTED)
    # Checked where it is used (orchestrator_site.nexturl.safe_next); too long is simply not used.
    next = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    typed = forms.CharField(
        required=False, label=gettext_lazy("Type the number of logs"), max_length=20
    )


class DeleteMatchingForm(TypedConfirmationMixin, forms.Form):
    as_of = LocalDateTimeField(widget=forms.HiddenInput)
    typed = forms.CharField(
        required=False, label=gettext_lazy("Type the process name"), max_length=100
    )


class RetentionForm(forms.Form):
    """Which of a process's matching logs to delete by age (the query of the delete page):
    `older_than` 7, 30 or 90 days, or `date` with `before`; empty: every matching log."""

    older_than = forms.ChoiceField(
        required=False, label=gettext_lazy("Delete"), widget=forms.RadioSelect
    )
    # Shown after the radio "written before a date:", which is not its <label>: it names itself.
    before = forms.DateField(
        required=False,
        label=gettext_lazy("Date"),
        widget=forms.DateInput(
            attrs={"type": "date", "aria-label": gettext_lazy("Delete logs written before")}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form, in the language of the request (a count in each label).
        self.fields["older_than"].choices = [  # type: ignore[attr-defined]
            ("", gettext("every log that matches the filter")),
            *(
                (
                    str(days),
                    ngettext("older than %(days)d day", "older than %(days)d days", days)
                    % {"days": days},
                )
                for days in RETENTION_DAYS
            ),
            ("date", gettext("written before a date:")),
        ]

    def clean(self):
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns (typed as optional)
        before = data.get("before")
        if data.get("older_than") == "date" and before is None:
            self.add_error(
                "before", gettext("Choose the date: logs written before it are deleted.")
            )
        if before is not None and not EARLIEST_YEAR <= before.year <= LATEST_YEAR:
            self.add_error(
                "before",
                gettext("Give a year from %(first)d to %(last)d.")
                % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
            )
        return data

    def cutoff(self, now: dt.datetime) -> dt.datetime | None:
        """The exclusive upper bound of log_time (None: no bound by age)."""
        choice = self.cleaned_data.get("older_than")
        if choice == "date":
            return retention_cutoff(now=now, before=self.cleaned_data["before"])
        return retention_cutoff(now=now, days=int(choice)) if choice else None

    def describe(self, cutoff: dt.datetime) -> str:
        """The choice in words, for the confirmation and the result message."""
        choice = self.cleaned_data.get("older_than") or "date"
        return retention_text(cutoff, days=None if choice == "date" else int(choice))
