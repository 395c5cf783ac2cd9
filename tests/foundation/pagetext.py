"""What a person reads on a page, for the tests of how the console shows times, durations and
status names (test_time_format.py): the text and the attributes that are read out or shown on
hover, without stored data (log messages, element data, constant values, codes), which may hold
any text at all."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from orchestrator_site import display

# The one format and its two variants, as settings.CONSOLE_DATETIME_FORMAT's default writes them.
MOMENT = r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}(?:\.\d{6})?"
DAY = r"\d{2}-\d{2}-\d{4}"
_ONE_SHAPE = re.compile(rf"(?<![\d-]){MOMENT}(?!\d)(?![:.]\d)|(?<![\d-]){DAY}(?![\d-])")

# Anything else that reads as a moment or a day: a clock time left over once the one format is
# taken out ("08:55", "8:57 a.m."), a day with a month or weekday name ("28 Nov", "Nov. 28",
# "Sat 28"), a date in another order or with other separators ("28/11", "2026-11-28", "28.11.").
_OTHER_SHAPES = re.compile(
    r"\b\d{1,2}:\d{2}\b"
    r"|\b[ap]\.?m\.(?!\w)"
    r"|\b\d{1,2}\.? (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b"
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}\b"
    r"|\b(?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|1[0-2])\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b\d{1,2}\.\d{1,2}\.(?:\d{2,4})?(?!\d)"
    r"|\b(?:0[1-9]|[12]\d|3[01])-(?:0[1-9]|1[0-2])\b"
)

# A weekday before a day, also before one in the one format ("Wed 25-11-2026").
_WEEKDAY = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,? \d")

# A duration in the console's units: one unit, or two where the second is the next smaller one
# ("45 s", "3 min 5 s", "2 h", "9 d 4 h"); and durations in other words ("1016 seconds", "72 hours").
_DURATION = re.compile(
    r"(?<![\w.,-])(?:\d+ d(?: \d+ h)?|\d+ h(?: \d+ min)?|\d+ min(?: \d+ s)?|\d+ s)(?![\w])"
)
_PART = re.compile(r"(\d+) (d|h|min|s)")
_WORDY_DURATION = re.compile(r"\b\d+ (?:seconds?|secs?|minutes?|mins|hours?|hrs?)\b")
_SECONDS = {"s": 1, "min": 60, "h": 3600, "d": 86400}

# Attributes a person reads: hover text, what a screen reader says, a confirmation's question.
_READ_ATTRIBUTES = (
    "title",
    "aria-label",
    "data-live-summary",
    "data-confirm",
    "alt",
    "placeholder",
)
# Stored data: shown as it is, whatever it holds.
_DATA_TAGS = {"code", "pre", "textarea", "script", "style"}
_DATA_CLASSES = {
    "msgcell",
    "field-first_line_short",
    "field-value",
    "field-log_message",
    "field-message",
    "field-data",
}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


@dataclass
class PageText:
    text: str = ""
    # (status name, the text its badge shows) for every badge of a status, level or state.
    badges: list[tuple[str, str]] = field(default_factory=list)
    # (column, text) of the admin's status and level cells.
    admin_cells: list[tuple[str, str]] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool, str | None, str | None]] = []
        self.page = PageText()
        self.capture: list[list[str]] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip, _badge, _cell in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        skip = tag in _DATA_TAGS or bool(classes & _DATA_CLASSES)
        skip = skip or attributes.get("aria-hidden") == "true"
        if attributes.get("type") == "datetime-local":
            attributes.pop("placeholder", None)  # the wire format; the browser shows its own
        if not self._skipping() and not skip:
            for name in _READ_ATTRIBUTES:
                if attributes.get(name):
                    self.parts.append(f" {attributes[name]} ")
        badge = next((c[6:] for c in classes if c.startswith("badge-")), None)
        cell = None
        if tag in ("td", "th"):  # a change list's cell, not a change form's row
            cell = next((c[6:] for c in classes if c in _ADMIN_STATUS_CELLS), None)
        if tag in _VOID:
            return
        self.stack.append((tag, skip, badge, cell))
        if badge or cell:
            self.capture.append([])

    def handle_endtag(self, tag):
        if all(open_tag != tag for open_tag, *_rest in self.stack):
            return  # a stray end tag closes nothing
        while self.stack:
            open_tag, _skip, badge, cell = self.stack.pop()
            if badge or cell:
                text = " ".join("".join(self.capture.pop()).split())
                if badge:
                    self.page.badges.append((badge, text))
                else:
                    self.page.admin_cells.append((cell, text))
            if open_tag == tag:
                break
        self.parts.append(" ")

    def handle_data(self, data):
        if self._skipping():
            return
        self.parts.append(data)
        for chunk in self.capture:
            chunk.append(data)


_ADMIN_STATUS_CELLS = {"field-status", "field-process_status", "field-log_level"}


def read(html: str) -> PageText:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.page.text = " ".join("".join(reader.parts).split())
    return reader.page


def moments(text: str) -> list[str]:
    """The moments and days the page shows in the one format."""
    return _ONE_SHAPE.findall(text)


def other_moments(text: str) -> list[str]:
    """What reads as a moment or a day in any other shape."""
    return _WEEKDAY.findall(text) + _OTHER_SHAPES.findall(_ONE_SHAPE.sub(" ", text))


def odd_durations(text: str) -> list[str]:
    """Durations not written as display.duration_text writes them ("1016 s", "60 min 0 s")
    and durations in words ("5 minutes")."""
    odd = [m.group(0) for m in _WORDY_DURATION.finditer(text)]
    for match in _DURATION.finditer(_ONE_SHAPE.sub(" ", text)):
        seconds = sum(int(n) * _SECONDS[unit] for n, unit in _PART.findall(match.group(0)))
        if display.duration_text(seconds) != match.group(0):
            odd.append(match.group(0))
    return odd


# OpenOrchestrator's status and level names (queue elements, triggers, jobs, logs).
STATUS_NAMES = (
    *("NEW", "IN_PROGRESS", "DONE", "FAILED", "ABANDONED"),
    *("IDLE", "RUNNING", "PAUSED", "PAUSING", "KILLING", "KILLED"),
    *("TRACE", "INFO", "ERROR"),
)


def odd_status_spellings(text: str) -> list[str]:
    """A status written otherwise than its one label: the stored name ("IN_PROGRESS", "FAILED")
    or another capitalisation ("In Progress", "IN PROGRESS"). Prose in lower case ("2 in
    progress") is a sentence, not a label."""
    odd = []
    for name in STATUS_NAMES:
        label = display.status_label(name)
        words = name.replace("_", " ")
        for variant in {name, words, words.title()} - {label}:
            odd += re.findall(rf"(?<![\w-]){re.escape(variant)}(?![\w-])", text)
    return odd
