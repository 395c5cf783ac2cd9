"""Forms of the logs pages (the list filters are in filters.py)."""

from __future__ import annotations

from django import forms

from orchestrator_site.forms import FormMixin, LocalDateTimeField, UUIDListField

MAX_SELECTED = 1000


class OverviewSearchForm(forms.Form):
    q = forms.CharField(label="Process contains", required=False, max_length=100)


class AroundForm(forms.Form):
    minutes = forms.IntegerField(
        label="Minutes before and after", min_value=1, max_value=120, initial=1, required=False
    )

    def minutes_or_default(self) -> int:
        return self.cleaned_data.get("minutes") or 1


class TypedConfirmationMixin(FormMixin):
    """Above CONSOLE_BULK_CONFIRM_THRESHOLD rows the user must type `expected_text` exactly."""

    def check_typed(self, *, required: bool, expected_text: str) -> bool:
        if not required:
            return True
        if self.cleaned_data.get("typed", "") != expected_text:
            self.add_error("typed", f"Type “{expected_text}” exactly to confirm.")
            return False
        return True


class DeleteSelectedForm(TypedConfirmationMixin, forms.Form):
    ids = UUIDListField(noun="log", max_count=MAX_SELECTED)
    # Checked where it is used (orchestrator_site.nexturl.safe_next); too long is simply not used.
    next = forms.CharField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    typed = forms.CharField(required=False, label="Type the number of logs", max_length=20)


class DeleteMatchingForm(TypedConfirmationMixin, forms.Form):
    as_of = LocalDateTimeField(widget=forms.HiddenInput)
    typed = forms.CharField(required=False, label="Type the process name", max_length=100)
