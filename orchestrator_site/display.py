"""How the console shows times, durations, ages, sizes and status names: one helper per concern,
used by the templates (the filters of `console_format`) and by Python (tables, panels, messages)
alike, so a page, a table cell and a message say the same thing the same way.

Moments have one shape, settings.CONSOLE_DATETIME_FORMAT (see orchestrator_site.formats for the
date-only and precise variants derived from it); Django's own formatting (the admin) shows the same
through the format modules of orchestrator_site.formats.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import unicodedata
from collections.abc import Callable

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import dateformat
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import localize
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext as _

# What <input type="datetime-local" step="1"> sends and shows: a wire format, not a display choice.
INPUT_FORMAT = "%Y-%m-%dT%H:%M:%S"

STYLES = ("datetime", "precise", "date")


def datetime_text(value: dt.datetime | dt.date | None, style: str = "datetime") -> str:
    """`value` in the one display format: "datetime" (any moment), "precise" (the same with
    microseconds, for a log line's own page only) or "date" (a day without a time, the date part
    of the same format); "" for None. An unknown style is a programming error (KeyError), not a
    silent fallback, and so is a date without a time in a style that shows one (TypeError)."""
    # A page shows a hundred moments or more: a datetime in a format without translated words
    # takes one dictionary look-up and one formatting call.
    plain = _PLAIN_FORMATTERS if _PLAIN_FORMATTERS is not None else _read_formatters()
    formatter = plain.get(style)
    if formatter is not None and type(value) is dt.datetime and value.year >= 1000:
        return formatter(value)
    if style not in STYLES:
        raise KeyError(f"No display style {style!r}; the console shows one format ({STYLES}).")
    if value is None or value == "":
        return ""
    django_format = settings.CONSOLE_DATETIME_FORMATS[style]
    pattern = _strftime_pattern(django_format)
    if (
        pattern is None
        or not isinstance(value, dt.date)
        or value.year < 1000  # strftime writes no leading zeros there, Django's "Y" does
        or (not isinstance(value, dt.datetime) and _TIME_CHARACTERS.intersection(django_format))
    ):
        return dateformat.format(value, django_format)  # it also refuses a time of a date
    if "%a" in pattern:  # the weekday in the page's language, as Django's "D" writes it
        pattern = pattern.replace("%a", str(WEEKDAYS_ABBR[value.weekday()]))
    return value.strftime(pattern)


# Per style, a function that writes a datetime in a format without a weekday (whose name is
# translated), for the fast path of datetime_text: read from the settings on first use, again after
# they change.
_PLAIN_FORMATTERS: dict[str, Callable[[dt.datetime], str]] | None = None

# Django date-format characters that printf writes from one attribute of a datetime (year >= 1000).
_PRINTF = {
    "d": ("%02d", "day"),
    "m": ("%02d", "month"),
    "Y": ("%04d", "year"),
    "H": ("%02d", "hour"),
    "i": ("%02d", "minute"),
    "s": ("%02d", "second"),
    "u": ("%06d", "microsecond"),
}


def _formatter(django_format: str) -> Callable[[dt.datetime], str] | None:
    """What datetime_text writes for a datetime (year >= 1000) in `django_format`, as one
    function: printf of the datetime's attributes when the format needs nothing else (a third
    of strftime's CPU), else strftime; None for a format with a weekday or any character neither
    writes (dateformat then formats it)."""
    pattern = _strftime_pattern(django_format)
    if pattern is None or "%a" in pattern:
        return None
    parts, attributes = [], []
    for char in django_format:
        if char in _PRINTF:
            spec, attribute = _PRINTF[char]
            parts.append(spec)
            attributes.append(attribute)
        elif char.isalpha():  # "y": strftime's
            attributes = []
            break
        else:
            parts.append(char.replace("%", "%%"))
    if not attributes:
        return lambda value: value.strftime(pattern)
    printf, read = "".join(parts), operator.attrgetter(*attributes)
    if len(attributes) == 1:
        return lambda value: printf % (read(value),)
    return lambda value: printf % read(value)


def _read_formatters() -> dict[str, Callable[[dt.datetime], str]]:
    global _PLAIN_FORMATTERS
    formatters = {}
    for style in STYLES:
        formatter = _formatter(settings.CONSOLE_DATETIME_FORMATS[style])
        if formatter is not None:
            formatters[style] = formatter
    _PLAIN_FORMATTERS = formatters
    return formatters


@receiver(setting_changed)
def _formats_changed(*, setting: str, **kwargs) -> None:
    global _PLAIN_FORMATTERS
    if setting == "CONSOLE_DATETIME_FORMATS":
        _PLAIN_FORMATTERS = None


# Django date-format characters that strftime writes the same way, for every year from 1000 on.
_STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "i": "%M", "s": "%S"}
_STRFTIME |= {"u": "%f", "D": "%a"}
_TIME_CHARACTERS = frozenset("Hisu")


@functools.lru_cache(maxsize=64)
def _strftime_pattern(django_format: str) -> str | None:
    """The strftime pattern that writes what dateformat.format(value, django_format) writes, or
    None when the format uses anything else (then dateformat formats it). A page shows hundreds
    of moments; dateformat builds a formatter object for each, strftime is one C call."""
    parts = []
    for char in django_format:
        if char in _STRFTIME:
            parts.append(_STRFTIME[char])
        elif char.isalpha() or char in "\\%":
            return None
        else:
            parts.append(char)
    return "".join(parts)


def input_text(value: dt.datetime) -> str:
    """`value` as a datetime-local input and the list filters' `start`/`end` parameters read it."""
    return value.strftime(INPUT_FORMAT)


@functools.lru_cache(maxsize=8)
def _time_words(language: str | None) -> dict[str, str]:
    """The words of durations and ages in `language` (the active one; Danish "3 min. 5 sek."),
    looked up once per language and process: a list shows a duration on every row."""
    return {
        "s": _("%(seconds)d s"),
        "min s": _("%(minutes)d min %(seconds)d s"),
        "min": _("%(minutes)d min"),
        "h min": _("%(hours)d h %(minutes)d min"),
        "h": _("%(hours)d h"),
        "d h": _("%(days)d d %(hours)d h"),
        "d": _("%(days)d d"),
        "never": _("never"),
        "ago": _("%(duration)s ago"),
    }


def time_words() -> dict[str, str]:
    """The words of durations in the active language, for a table that writes one per row and
    passes them to duration_text (looking the language up costs more than writing the text)."""
    return _time_words(get_language())


def duration_text(value: dt.timedelta | float | None, words: dict[str, str] | None = None) -> str:
    """A length of time, to the unit that matters: 45 -> "45 s", 185 -> "3 min 5 s",
    1016 -> "16 min", 3725 -> "1 h 2 min", 190000 -> "2 d 4 h"; negative (clocks that disagree)
    with a "-". The one way the console writes a duration: job run times, ages ("ago"), waits,
    and the thresholds its settings give in seconds or minutes. `words`: time_words(), when the
    caller has them for the active language already."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.timedelta):
        value = value.total_seconds()
    seconds = int(value)
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    words = words or _time_words(get_language())
    if seconds < 60:
        return sign + words["s"] % {"seconds": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        if seconds and minutes < 10:
            return sign + words["min s"] % {"minutes": minutes, "seconds": seconds}
        return sign + words["min"] % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        if minutes:
            return sign + words["h min"] % {"hours": hours, "minutes": minutes}
        return sign + words["h"] % {"hours": hours}
    days, hours = divmod(hours, 24)
    if hours:
        return sign + words["d h"] % {"days": days, "hours": hours}
    return sign + words["d"] % {"days": days}


def age_text(seconds: dt.timedelta | float | None) -> str:
    """How long ago something happened: "3 min ago"; "never" when it never did (None)."""
    words = _time_words(get_language())
    if seconds is None:
        return words["never"]
    return words["ago"] % {"duration": duration_text(seconds)}


def status_label(name: str | None) -> str:
    """How every page, badge, filter, chart and admin list spells one of OpenOrchestrator's status
    or level names (queue elements, triggers, jobs, log levels) and the Schedulers' states:
    "IN_PROGRESS" -> "In progress", "FAILED" -> "Failed", "online" -> "Online", in the page's
    language. One rule rather than a label per list, so no two places can spell a status
    differently, and a name a newer OpenOrchestrator adds reads the same way.

    The models' TextChoices write the same labels as gettext_lazy literals (the catalogues'
    msgids, which makemessages finds there); tests/foundation/test_time_format.py keeps the two
    equal."""
    if not name:
        return ""
    return gettext(str(name).replace("_", " ").capitalize())


def bytes_text(size: int | None) -> str:
    """A size in bytes, binary units: 512 -> "512 B", 2048 -> "2.0 KiB", 5_000_000 -> "4.8 MiB"."""
    if size is None:
        return ""
    if abs(size) < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KiB", "MiB"):
        if abs(value) < 1024:
            return f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} GiB"


def shortened(value: object, chars: int, ellipsis: str | None = None) -> str:
    """`{{ value|truncatechars:chars }}`, without its work for text that fits: Truncator
    normalizes to NFC, then walks every character; most messages are shorter than the cut, and
    the normalization is all that happens to them. `ellipsis`: Django's translated one, when
    the caller has it already (a table translates it once per page, not once per row)."""
    text = unicodedata.normalize("NFC", str(value))
    if len(text) <= chars:
        return text
    head = text[: chars + 1]
    if chars > 0 and (head.isascii() or not any(map(unicodedata.combining, head))):
        # No combining character where the cut falls: Truncator's walk through the characters
        # (one Python step each) ends with this cut and this ellipsis.
        keep = calculate_truncate_chars_length(chars, ellipsis)
        return add_truncation_text(text[:keep], ellipsis)
    return Truncator(text).chars(chars, truncate=ellipsis)


def count_text(n: int) -> str:
    """`{{ n }}` of a whole number: localize() (thousands separated in the page's language), without
    its work for numbers that have no thousands to separate (a table's or a panel's counts)."""
    return str(n) if -1000 < n < 1000 else localize(n)
