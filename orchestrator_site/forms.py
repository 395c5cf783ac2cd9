"""Form fields shared by the areas."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from orchestrator_site import display

# The base of a mixin for forms: to the type checker it is a Form (cleaned_data, fields, add_error),
# at run time a plain object, so the mixin adds no second Form to the classes that use it.
if TYPE_CHECKING:
    FormMixin = forms.Form
else:
    FormMixin = object


class UUIDListField(forms.Field):
    """The `ids` checkboxes of a selection: unique UUIDs, at most `max_count`.

    A malformed id is a form error (never a 500); `noun` words the messages ("element", "log").
    """

    widget = forms.MultipleHiddenInput

    def __init__(self, *, noun: str, max_count: int, **kwargs) -> None:
        self.noun = noun
        self.max_count = max_count
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", f"Select at least one {noun}.")
        super().__init__(**kwargs)

    def to_python(self, value) -> list[uuid.UUID]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        ids: dict[uuid.UUID, None] = {}
        for item in value:
            try:
                ids[uuid.UUID(str(item))] = None
            except ValueError:
                raise ValidationError(
                    "“%(value)s” is not a valid %(noun)s id.",
                    code="invalid",
                    params={"value": str(item)[:40], "noun": self.noun},
                ) from None
        return list(ids)

    def validate(self, value) -> None:
        super().validate(value)
        if len(value) > self.max_count:
            raise ValidationError(f"Select at most {self.max_count:,} {self.noun}s at a time.")


# Every date a person types is kept inside these years, so the arithmetic done on it (“To” plus one
# second, a text search's window of days before it, an hour's look-back) can never leave
# datetime's range (years 1..9999), and every backend can store and compare it.
EARLIEST_YEAR, LATEST_YEAR = 1900, 9998


class LocalDateTimeField(forms.DateTimeField):
    """A naive local wall-clock time, as OpenOrchestrator stores them, in years 1900..9998.

    The one date field of every filter and form: a time zone offset (the database holds naive
    local times; comparing one would fail) or a year out of range is a form error, never a 500.
    """

    widget = forms.DateTimeInput(
        attrs={"type": "datetime-local", "step": "1"}, format=display.INPUT_FORMAT
    )
    default_error_messages = {
        "aware": "Give a local time without a time zone (times are the Scheduler PCs' local time).",
        "year": f"Give a year from {EARLIEST_YEAR} to {LATEST_YEAR}.",
    }

    def to_python(self, value) -> datetime.datetime | None:
        result = super().to_python(value)
        if result is None:
            return None
        if result.tzinfo is not None:
            raise ValidationError(self.error_messages["aware"], code="aware")
        if not EARLIEST_YEAR <= result.year <= LATEST_YEAR:
            raise ValidationError(self.error_messages["year"], code="year")
        return result


def end_of_second(value: datetime.datetime) -> datetime.datetime:
    """The exclusive end of a “To” bound: 10:30:15 keeps 10:30:15.999999 (the field shows seconds)."""
    return value.replace(microsecond=0) + datetime.timedelta(seconds=1)


class LanguageForm(forms.Form):
    """The header's language switch: one of settings.LANGUAGES."""

    language = forms.ChoiceField(choices=lambda: settings.LANGUAGES)
