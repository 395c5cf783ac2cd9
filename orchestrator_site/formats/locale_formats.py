"""What the format modules of every language (`en`, `en_GB`, `da`) say: the console's one format
(settings.CONSOLE_DATETIME_FORMATS), for Django's own date formatting (the admin's lists and
read-only fields, `|date` without a format, the admin's date drill-down).

Only date and time formats: numbers, the first day of the week and input formats stay the
language's own. Read from the settings once, when Django first asks for a format.
"""

from __future__ import annotations

from django.conf import settings

__all__ = [
    "DATETIME_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "DATE_FORMAT",
    "SHORT_DATE_FORMAT",
    "MONTH_DAY_FORMAT",
    "TIME_FORMAT",
]

_FORMATS = settings.CONSOLE_DATETIME_FORMATS

DATETIME_FORMAT = SHORT_DATETIME_FORMAT = _FORMATS["datetime"]
DATE_FORMAT = SHORT_DATE_FORMAT = _FORMATS["date"]
MONTH_DAY_FORMAT = _FORMATS["date"]  # the admin's drill-down by day names a day as a date
TIME_FORMAT = _FORMATS["time"]
