"""The one set of display helpers: every page, table and message shows times the same way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils.text import Truncator

from orchestrator_site import display

MOMENT = dt.datetime(2026, 11, 25, 8, 30, 15, 123456)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (45, "45 s"),
        (185, "3 min 5 s"),
        (600, "10 min"),
        (3725, "1 h 2 min"),
        (7200, "2 h"),
        (190_000, "2 d 4 h"),
        (-5, "-5 s"),
        (dt.timedelta(minutes=90), "1 h 30 min"),
        (None, ""),
    ],
)
def test_durations_read_to_the_unit_that_matters(seconds, text):
    assert display.duration_text(seconds) == text


def test_an_age_says_ago_or_never():
    assert display.age_text(120) == "2 min ago"
    assert display.age_text(None) == "never"


def test_sizes_use_binary_units():
    assert display.bytes_text(512) == "512 B"
    assert display.bytes_text(5 * 1024 * 1024) == "5.0 MiB"
    assert display.bytes_text(3 * 1024**4) == "3,072.0 GiB"


def test_the_format_comes_from_settings(settings):
    settings.CONSOLE_DATETIME_FORMATS = {**settings.CONSOLE_DATETIME_FORMATS, "datetime": "Y/m/d"}
    assert display.datetime_text(MOMENT) == "2026/11/25"
    assert Template("{% load console_format %}{{ t|when }}").render(Context({"t": MOMENT})) == (
        "2026/11/25"
    )


def test_templates_and_python_agree():
    rendered = Template(
        "{% load console_format %}{{ t|when }}|{{ t|when:'precise' }}|{{ s|duration }}|"
        "{{ s|ago }}|{{ missing|when|default:'—' }}"
    ).render(Context({"t": MOMENT, "s": 3725}))
    assert rendered == (
        f"{display.datetime_text(MOMENT)}|25-11-2026 08:30:15.123456|1 h 2 min|1 h 2 min ago|—"
    )
    assert display.datetime_text(MOMENT) == "25-11-2026 08:30:15"


@pytest.mark.parametrize("chars", [0, 1, 2, 3, 10, 120])
@pytest.mark.parametrize(
    "ellipsis", [None, "%(truncated_text)s…", "…", "%(truncated_text)s...", "[cut]"]
)
def test_shortened_is_django_truncatechars(chars, ellipsis):
    """Whichever path it takes (ASCII where the cut falls, or Truncator's walk)."""
    texts = [
        "",
        "x" * chars,
        "x" * (chars + 1),
        "Timeout while waiting for SAP\nline two " * 8,
        "e\u0301" * 80,  # combining accents (NFC makes é of them)
        "a\u0308" + "b" * 200,
        "b" * (chars + 1) + "\u0301" * 5,
        "ascii at first, then Kø & ñ\u0303 " * 6,
        "Kø & æble, no combining ones " * 9,
        "text ending in the ellipsis…" * 9,
    ]
    for text in texts:
        expected = Truncator(text).chars(chars, truncate=ellipsis)
        assert display.shortened(text, chars, ellipsis) == expected, (text, chars, ellipsis)
