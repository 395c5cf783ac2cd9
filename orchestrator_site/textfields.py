"""Form fields for OpenOrchestrator's text columns: what is stored is what comes back.

OpenOrchestrator keeps text exactly as it was typed or as a robot wrote it ('Kø ', a tab, a line
break) and compares it exactly: a queue trigger's queue_name with Queues.queue_name, a constant's
name in a robot, a Scheduler's name in a whitelist. So these fields never strip, and an edit writes
a column only when the person changed it: a browser does not send a stored value back unchanged
(a text box drops line breaks, every field sends line breaks as CRLF), so "unchanged" means "what a
browser sends for the stored value".
"""

from __future__ import annotations

import re

from django import forms
from django.core import signing
from django.db import models
from django.utils.translation import gettext_lazy

from orchestrator_site.forms import FormMixin

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class ColumnTextField(forms.CharField):
    """A CharField for an OpenOrchestrator text column: never stripped, '' when empty."""

    def __init__(self, **kwargs) -> None:
        kwargs["strip"] = False
        super().__init__(**kwargs)


def browser_sends(stored: str | None, widget: forms.Widget) -> str:
    """What a browser submits for a field showing `stored` that nobody touched.

    Text boxes (and password boxes) remove CR and LF from their value; textareas and hidden
    inputs keep them; every form submission turns each line break into CRLF.
    """
    text = "" if stored is None else str(stored)
    if isinstance(widget, forms.Textarea | forms.HiddenInput):
        return _LINE_BREAK.sub("\r\n", text)
    return text.replace("\r", "").replace("\n", "")


def unchanged(submitted: str | None, stored: str | None, widget: forms.Widget) -> bool:
    """Did the person leave this field as it was loaded? '' and NULL alike (an empty box)."""
    sent = submitted or ""
    if not stored:
        return sent == ""
    return sent in (stored, browser_sends(stored, widget))


def typed_text(submitted: str, stored: str | None = None) -> str:
    """A textarea's text as the person typed it: browsers send its line breaks as CRLF.

    LF is what a textarea holds, what OpenOrchestrator's own app writes and what most robots
    expect; CRLF stays only when the stored text already used it.
    """
    if stored and "\r\n" in stored:
        return submitted
    return submitted.replace("\r\n", "\n")


class LoadedField(forms.CharField):
    """The stored values an edit form showed, signed into a hidden input.

    On save the form compares what was submitted with these (did the person change it?) and the
    service updates only if the row still holds them (did a robot or a colleague change it?).
    """

    widget = forms.HiddenInput
    default_error_messages = {
        "stale": gettext_lazy(
            "This form is out of date or was altered. Reload the page and edit again."
        )
    }

    def __init__(self, *, salt: str, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.salt = salt

    def prepare_value(self, value):
        """Sign the initial values (a dict); a bound form shows the token it was sent."""
        return signing.dumps(value, salt=self.salt) if isinstance(value, dict) else value

    # The stubs want CharField's str: this CharField carries a signed dict in its hidden input.
    def to_python(self, value) -> dict | None:  # type: ignore[override]
        """None when the form sent none (a script, not a browser): compare with the row as it is."""
        if not value:
            return None
        try:
            loaded = signing.loads(value, salt=self.salt)
        except signing.BadSignature:
            loaded = None
        if not isinstance(loaded, dict):
            raise forms.ValidationError(self.error_messages["stale"], code="stale")
        return loaded


class EditsColumns(FormMixin):
    """For an edit form of one row (`editing`) with a LoadedField `loaded` of `edited` columns.

    `loaded_initial(row)` fills the form with the row; `stored(name)` is what the form showed;
    `changed(name)` is the value to write, or None when the person left the field as it was.
    """

    edited: tuple[str, ...] = ()
    editing: models.Model | None = None

    def loaded_initial(self, row) -> dict:
        values = {name: getattr(row, name) for name in self.edited}
        return {**values, "loaded": dict(values)}

    def stored(self, name: str):
        if self.editing is None:
            return None
        loaded = self.cleaned_data.get("loaded")
        return loaded[name] if loaded is not None else getattr(self.editing, name)

    def changed(self, name: str):
        value = self.cleaned_data.get(name)
        if value is None or (
            self.editing is not None
            and unchanged(value, self.stored(name), self.fields[name].widget)
        ):
            return None
        return value
