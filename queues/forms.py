from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from orchestrator_site.forms import UUIDListField
from orchestrator_site.nexturl import safe_next
from orchestrator_site.textfields import ColumnTextField, typed_text
from queues.services import ACKNOWLEDGE, ACTIONS, DELETE, RETRY
from queues.tables import OVERVIEW_SORTS

MAX_SELECTION = 1000
UPLOAD_MAX_ROWS = 1000
# 1000 rows of at most 100 + 2000 characters, UTF-8 (up to 2 bytes for æøå), plus quoting.
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
REFERENCE_MAX, DATA_MAX, QUEUE_MAX = 100, 2000, 100
ACTION_LABELS = {
    RETRY: gettext_lazy("Retry"),
    DELETE: gettext_lazy("Delete"),
    ACKNOWLEDGE: gettext_lazy("Acknowledge"),
}
ACTION_CHOICES = [(action, ACTION_LABELS[action]) for action in ACTIONS]


class SelectionForm(forms.Form):
    ids = UUIDListField(noun="element", max_count=MAX_SELECTION)
    # Checked where it is used (safe_next); too long or off-site is simply not used.
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def redirect_target(self, request, default: str) -> str:
        """Where to go back to: `next` when it is a path of this site, else `default`."""
        data = getattr(self, "cleaned_data", None) or self.data
        return safe_next(request, data.get("next"), default)


class RetryForm(SelectionForm):
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    include_done = forms.BooleanField(
        required=False, label=gettext_lazy("Also re-process the completed (Done) elements")
    )
    include_stale = forms.BooleanField(
        required=False,
        label=gettext_lazy("Also retry the stale in-progress elements (their robot is gone)"),
    )


class DeleteForm(SelectionForm):
    # Its own name: a page-wide "confirmed" (the inbox's one-click retry) never confirms a delete.
    delete_confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # Where to go once deleted, when `next` is the (then missing) element itself.
    next_after_delete = forms.CharField(required=False, widget=forms.HiddenInput)

    def redirect_target(self, request, default: str) -> str:
        data = getattr(self, "cleaned_data", None) or self.data
        return safe_next(request, data.get("next_after_delete"), "") or super().redirect_target(
            request, default
        )

    include_stale = forms.BooleanField(
        required=False,
        label=gettext_lazy("Also delete the stale in-progress elements (their robot is gone)"),
    )


class AcknowledgeForm(SelectionForm):
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    comment = forms.CharField(
        required=False, max_length=500, label=gettext_lazy("Comment (optional)"), strip=False
    )


class BulkForm(forms.Form):
    """Act on everything the filter in the URL matches."""

    # A context of its own: Django admin's catalogue words a bare "Action" for its action menu.
    action = forms.ChoiceField(
        label=pgettext_lazy("what to do with the elements", "Action"), choices=ACTION_CHOICES
    )
    include_done = forms.BooleanField(
        required=False, label=gettext_lazy("Include completed (Done) elements in a retry")
    )
    include_stale = forms.BooleanField(
        required=False,
        label=gettext_lazy("Include stale in-progress elements (their robot is gone)"),
    )
    comment = forms.CharField(
        required=False, max_length=500, label=gettext_lazy("Comment (acknowledge)"), strip=False
    )
    # Compared exactly (a queue name, or "failed inbox" in the page's language): 'Kø ' and 'Kø'
    # are two queues.
    typed = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Type the queue name to confirm"),
        strip=False,
    )

    def __init__(self, *args, confirm_text: str, needs_typing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.confirm_text = confirm_text
        self.needs_typing = needs_typing

    def clean(self):
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns (typed as optional)
        if self.needs_typing and data.get("typed", "") != self.confirm_text:
            self.add_error(
                "typed",
                _("This acts on more than %(threshold)s elements: type “%(text)s” exactly.")
                % {
                    "threshold": f"{settings.CONSOLE_BULK_CONFIRM_THRESHOLD:,}",
                    "text": self.confirm_text,
                },
            )
        return data


class BulkActionChoice(forms.Form):
    action = forms.ChoiceField(choices=ACTION_CHOICES, required=False)


class OverviewForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=gettext_lazy("Queue name contains"))
    sort = forms.ChoiceField(
        required=False, choices=[(s, s) for s in OVERVIEW_SORTS], widget=forms.HiddenInput
    )


class QueueTargetForm(forms.Form):
    """The queue new elements go to: typed, or fixed by the link of the queue's own page.

    A typed name is kept exactly (spaces included: a robot's queue may be called so) and may not
    be empty. A fixed name (`queue`, from the page's `?queue=`) is the queue the person came from,
    exactly, the empty name included: robots can write elements with any queue name.
    """

    queue_name = ColumnTextField(
        max_length=QUEUE_MAX,
        label=gettext_lazy("Queue"),
        # The page lists the existing names in <datalist id="queue-names">.
        widget=forms.TextInput(attrs={"list": "queue-names", "autocomplete": "off"}),
        help_text=gettext_lazy(
            "Pick an existing queue or type its exact name; a new name asks first."
        ),
    )

    def __init__(self, *args, queue: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_queue = queue
        if queue is not None:
            del self.fields["queue_name"]

    def clean(self):
        super().clean()
        data = self.cleaned_data  # what Form.clean() returns (typed as optional)
        if self.fixed_queue is not None:
            if len(self.fixed_queue) > QUEUE_MAX:
                raise ValidationError(
                    _("Queue names have at most %(max)d characters: no queue has this one.")
                    % {"max": QUEUE_MAX}
                )
            data["queue_name"] = self.fixed_queue
        return data


class ElementForm(QueueTargetForm):
    reference = ColumnTextField(
        required=False, max_length=REFERENCE_MAX, label=gettext_lazy("Reference")
    )
    # A field, not Form.data: the form's metaclass moves it to base_fields (the stubs can't tell).
    data = ColumnTextField(  # type: ignore[assignment]
        required=False,
        max_length=DATA_MAX,
        label=gettext_lazy("Data"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "Free text, often JSON. At most 2,000 characters; kept exactly as typed."
        ),
    )

    def clean_data(self) -> str:
        return typed_text(self.cleaned_data["data"])


NEW_QUEUE, REPEATED, EXISTING = "new_queue", "repeated", "existing"
INTAKE_WARNINGS = [
    (NEW_QUEUE, gettext_lazy("a new queue")),
    (REPEATED, gettext_lazy("references repeated in the file")),
    (EXISTING, gettext_lazy("references already in the queue")),
]


class IntakeConfirmForm(forms.Form):
    """The second step of adding elements, when the first found something to ask about: the
    warnings the person saw and went on with (`confirmed`), or `change` to edit the values."""

    confirmed = forms.MultipleChoiceField(
        choices=INTAKE_WARNINGS, required=False, widget=forms.MultipleHiddenInput
    )
    change = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def went_on_despite(self) -> set[str]:
        return set(self.cleaned_data["confirmed"]) if self.is_valid() else set()

    def wants_change(self) -> bool:
        return self.is_valid() and self.cleaned_data["change"]


@dataclass
class ParsedUpload:
    rows: list[tuple[str | None, str | None]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # The spreadsheet row number of each row (blank lines are skipped, so they can differ).
    row_numbers: list[int] = field(default_factory=list)


def parse_elements_csv(raw: bytes) -> ParsedUpload:
    """Read `reference,data` rows; every problem becomes an error naming its row (nothing is kept
    when there is any error). Accepts UTF-8 with or without a byte order mark; `,` or `;`."""
    result = ParsedUpload()
    text = _csv_text(raw, result.errors)
    if text is None:
        return result
    # The header decides: "reference;data" (Excel in a Danish locale) or "reference,data".
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        if _header_ok(next(reader, None), result.errors):
            _read_rows(reader, result)
    except csv.Error as exc:
        result.errors.append(
            _("Row %(row)d: the CSV cannot be read (%(error)s).")
            % {"row": reader.line_num, "error": exc}
        )
    if not result.rows and not result.errors:
        result.errors.append(_("The file has a header but no rows."))
    return result


def _csv_text(raw: bytes, errors: list[str]) -> str | None:
    """The upload as text, or None (with the error) when it is not UTF-8 text."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        errors.append(
            _(
                "The file is not UTF-8 text (byte %(byte)d cannot be read). "
                "Save it as “CSV UTF-8” and upload it again."
            )
            % {"byte": exc.start + 1}
        )
        return None
    if "\x00" in text:
        errors.append(_("The file contains NUL characters: it is not a CSV text file."))
        return None
    return text


def _header_ok(header: list[str] | None, errors: list[str]) -> bool:
    if header is None:
        errors.append(_("The file is empty: it needs a header line “reference,data”."))
        return False
    names = [h.strip().lower() for h in header]
    if names != ["reference", "data"]:
        errors.append(
            _("Row 1: the columns must be exactly “reference,data”, not “%(found)s”.")
            % {"found": ",".join(header)}
        )
        return False
    return True


def _read_rows(reader: Iterator[list[str]], result: ParsedUpload) -> None:
    """The rows after the header, numbered as a spreadsheet shows them; blank lines are skipped."""
    for number, row in enumerate(reader, start=2):
        if not row or row == [""]:
            continue
        if len(result.rows) >= UPLOAD_MAX_ROWS:
            result.errors.append(
                _("Row %(row)d: the file has more than %(max)s rows; split it.")
                % {"row": number, "max": f"{UPLOAD_MAX_ROWS:,}"}
            )
            break
        if len(row) != 2:
            result.errors.append(
                _("Row %(row)d: expected 2 values, found %(found)d.")
                % {"row": number, "found": len(row)}
            )
            continue
        reference, data = row
        if len(reference) > REFERENCE_MAX:
            result.errors.append(
                _("Row %(row)d: the reference is %(length)s characters; at most %(max)d fit.")
                % {"row": number, "length": f"{len(reference):,}", "max": REFERENCE_MAX}
            )
        if len(data) > DATA_MAX:
            result.errors.append(
                _("Row %(row)d: data is %(length)s characters; at most %(max)s fit.")
                % {"row": number, "length": f"{len(data):,}", "max": f"{DATA_MAX:,}"}
            )
        result.rows.append((reference or None, data or None))
        result.row_numbers.append(number)


class UploadForm(QueueTargetForm):
    file = forms.FileField(label=gettext_lazy("CSV file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Here, not on the field: a number in a lazy translation would be put in too early.
        self.fields["file"].help_text = _(
            "Columns “reference,data” (UTF-8), at most %(max)s rows. "
            "Nothing is added unless every row is valid."
        ) % {"max": f"{UPLOAD_MAX_ROWS:,}"}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise ValidationError(
                _("The file is %(size)s bytes; at most %(max)s are accepted.")
                % {"size": f"{upload.size:,}", "max": f"{UPLOAD_MAX_BYTES:,}"}
            )
        parsed = parse_elements_csv(upload.read())
        if parsed.errors:
            self.parse_errors = parsed.errors
            raise ValidationError(_("The file has errors; nothing was added."))
        self.parsed = parsed
        return upload


class UploadConfirmForm(forms.Form):
    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
