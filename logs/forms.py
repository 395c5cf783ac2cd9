"""Forms of the logs pages (the list filters are in filters.py)."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError

from logs.filters import DATETIME_WIDGET

MAX_SELECTED = 1000


class OverviewSearchForm(forms.Form):
    q = forms.CharField(label="Process contains", required=False, max_length=100)


class AroundForm(forms.Form):
    minutes = forms.IntegerField(
        label="Minutes before and after", min_value=1, max_value=120, initial=1, required=False
    )

    def minutes_or_default(self) -> int:
        return self.cleaned_data.get("minutes") or 1


class UUIDListField(forms.Field):
    """Several `ids` values, each a UUID; a malformed one is a form error, not a 500."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[uuid.UUID]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        try:
            return list(dict.fromkeys(uuid.UUID(str(v)) for v in value))
        except ValueError:
            raise ValidationError("An id is not a valid log id.", code="invalid") from None

    def validate(self, value) -> None:
        super().validate(value)
        if len(value) > MAX_SELECTED:
            raise ValidationError(f"Select at most {MAX_SELECTED} logs at a time.")


class TypedConfirmationMixin:
    """Above CONSOLE_BULK_CONFIRM_THRESHOLD rows the user must type `expected_text` exactly."""

    def check_typed(self, *, required: bool, expected_text: str) -> bool:
        if not required:
            return True
        if self.cleaned_data.get("typed", "") != expected_text:
            self.add_error("typed", f"Type “{expected_text}” exactly to confirm.")
            return False
        return True


class DeleteSelectedForm(TypedConfirmationMixin, forms.Form):
    ids = UUIDListField(error_messages={"required": "Select at least one log."})
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    typed = forms.CharField(required=False, label="Type the number of logs", max_length=20)


class DeleteMatchingForm(TypedConfirmationMixin, forms.Form):
    as_of = forms.DateTimeField(widget=forms.HiddenInput(attrs=DATETIME_WIDGET))
    typed = forms.CharField(required=False, label="Type the process name", max_length=100)
