"""Form fields shared by the areas."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError


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
