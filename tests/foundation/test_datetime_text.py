"""datetime_text's fast path writes exactly what Django's dateformat writes, for every style."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import dateformat, translation

from orchestrator_site.display import datetime_text

MOMENTS = [
    dt.datetime(2026, 11, 28, 9, 5, 3, 7),
    dt.datetime(2026, 1, 1, 0, 0, 0),
    dt.datetime(1999, 12, 31, 23, 59, 59, 999999),
    dt.datetime(2024, 2, 29, 12, 30, 0, 120000),
    dt.datetime(1900, 3, 4, 5, 6, 7),
    dt.datetime(9998, 12, 31, 23, 59, 59),
    dt.datetime(999, 5, 6, 7, 8, 9),
    dt.datetime(1, 1, 1, 0, 0, 0),
] + [dt.datetime(2026, 11, 23, 8, 0) + dt.timedelta(days=n) for n in range(7)]


@pytest.mark.parametrize("style", ["datetime", "precise"])
def test_every_style_matches_django(style):
    django_format = settings.CONSOLE_DATETIME_FORMATS[style]
    for moment in MOMENTS:
        assert datetime_text(moment, style) == dateformat.format(moment, django_format), moment


@pytest.mark.parametrize(
    "django_format",
    [
        "Y-m-d H:i:s",
        "d.m.Y H:i:s.u",
        "d/m/y H:i:s",
        "H:i:s d-m-Y",
        "D d-m-Y H:i:s",
        "Y-m-d H:i:s %",
    ],
)
def test_other_formats_of_the_setting_match_django(settings, django_format):
    """Whichever CONSOLE_DATETIME_FORMAT a site chooses (printf, strftime or dateformat writes it)."""
    settings.CONSOLE_DATETIME_FORMATS = {
        **settings.CONSOLE_DATETIME_FORMATS,
        "datetime": django_format,
    }
    for moment in MOMENTS:
        assert datetime_text(moment) == dateformat.format(moment, django_format), moment


def test_dates_and_other_formats_match_django(settings):
    day = dt.date(2026, 11, 28)
    assert datetime_text(day, "date") == dateformat.format(day, "d-m-Y") == "28-11-2026"
    with pytest.raises(TypeError):
        datetime_text(day, "datetime")  # a date has no time: refused, as Django refuses it
    odd = r"N jS \o\f F Y, H:i:s"
    settings.CONSOLE_DATETIME_FORMATS = {**settings.CONSOLE_DATETIME_FORMATS, "datetime": odd}
    moment = dt.datetime(2026, 11, 28, 14, 5)
    with translation.override("en-gb"):  # month names are the language's
        shown = datetime_text(moment)
        assert shown == dateformat.format(moment, odd) == "Nov. 28th of November 2026, 14:05:00"
    assert datetime_text(None) == ""


def test_only_the_one_format_and_its_variants_exist():
    """The styles that once made "28-11 08:55" and "Sat 28/11" are gone: asking for one is a
    programming error, not a silent fallback to another shape."""
    for gone in ("minute", "schedule", "day", "recent", "clock", "time"):
        with pytest.raises(KeyError):
            datetime_text(dt.datetime(2026, 11, 28, 9, 5), gone)
