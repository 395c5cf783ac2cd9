"""The console's one date-time format, and the few formats derived from it.

Every moment the console shows has one shape, `CONSOLE_DATETIME_FORMAT` (Django date-format syntax,
default "d-m-Y H:i:s", OpenOrchestrator's own display format): pages, tables, messages, the live
refresh stamp and the Django admin. What is derived from it is the same shape, cut or extended:

* "date": its date part ("d-m-Y"), for a day with no time (the dashboard chart's days);
* "time": its time part ("H:i:s"), for Django's TIME_FORMAT only;
* "precise": the same with microseconds after the seconds ("d-m-Y H:i:s.u"), shown only on a log
  line's own page: OpenOrchestrator stores microseconds, robots often write several lines within
  one second, and that page is where a person matches a line against a robot's own log file.
  Everywhere else the fraction is noise that makes columns wide and hard to compare.

The sub-packages `en`, `en_GB` and `da` are Django format modules (settings.FORMAT_MODULE_PATH).
Django reads a language's formats from its locale before the DATETIME_FORMAT setting (en-gb:
"28 Nov 2026, 8:57 a.m."), so these modules are what make the admin and `|date` show the console's
format, also once the console speaks Danish.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

DEFAULT = "d-m-Y H:i:s"
# Django's date-format characters that belong to a time of day (the rest are dates, time zones
# and literal text).
_TIME = frozenset("aABfgGhHiPsuv")
_DATE = frozenset("bcdDEFjlLmMnNoSStUwWyYz")


def _tokens(django_format: str) -> list[str]:
    r"""The format's characters, an escaped one (`\T`) kept with its backslash as one token."""
    tokens: list[str] = []
    escaped = False
    for char in django_format:
        if escaped:
            tokens[-1] += char
            escaped = False
        else:
            tokens.append(char)
            escaped = char == "\\"
    return tokens


def datetime_formats(datetime_format: str) -> dict[str, str]:
    """{"datetime", "precise", "date", "time"} for the one format (see the module's docstring).

    The format must start with the date and show seconds: the date part is everything before the
    first time character, and "precise" adds the fraction right after the seconds. Anything else
    raises ImproperlyConfigured naming CONSOLE_DATETIME_FORMAT, at start-up."""
    tokens = _tokens(datetime_format)
    first_time = next((i for i, t in enumerate(tokens) if t in _TIME), None)
    date_tokens = tokens[:first_time] if first_time is not None else tokens
    while date_tokens and date_tokens[-1] not in _DATE:
        date_tokens.pop()  # the separator between date and time (" ", ", ", "\T")
    if first_time is None or not date_tokens or "s" not in tokens:
        raise ImproperlyConfigured(
            f"CONSOLE_DATETIME_FORMAT={datetime_format!r} must be a date followed by a time to the "
            f"second, in Django's date-format syntax (default {DEFAULT!r})."
        )
    seconds = tokens.index("s")
    precise = tokens if "u" in tokens else [*tokens[: seconds + 1], ".u", *tokens[seconds + 1 :]]
    return {
        "datetime": datetime_format,
        "precise": "".join(precise),
        "date": "".join(date_tokens),
        "time": "".join(tokens[first_time:]),
    }
