"""orchestrator_site.htmltext.format_html is Django's format_html, argument for argument."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import html as django_html
from django.utils.safestring import SafeString, mark_safe

from orchestrator_site import htmltext

HOSTILE = "<script>alert(\"x\")</script> & 'q'\n`"


class HasHtml:
    def __html__(self) -> str:
        return "<b>as html</b>"


ARGUMENTS = [
    HOSTILE,
    mark_safe("<i>safe</i>"),
    SafeString("<u>also safe</u>"),
    0,
    1234567,
    -1.5,
    None,
    True,
    uuid.UUID(int=7),
    dt.datetime(2026, 11, 28, 9, 5, 3),
    HasHtml(),
    "",
    "æøå ✔",
]


@pytest.mark.parametrize("value", ARGUMENTS, ids=repr)
def test_each_argument_is_escaped_as_django_escapes_it(value):
    template = '<a href="{}" title="{}">{}</a>'
    ours = htmltext.format_html(template, value, value, value)
    theirs = django_html.format_html(template, value, value, value)
    assert ours == theirs
    assert isinstance(ours, SafeString)


def test_keyword_arguments_and_format_specs_too():
    template = "<td data-x='{x}'>{0}</td><td>{n:>5}</td>"
    ours = htmltext.format_html(template, HOSTILE, x=HOSTILE, n="<b>")
    assert ours == django_html.format_html(template, HOSTILE, x=HOSTILE, n="<b>")
    assert "<script>" not in ours


def test_attributes_print_as_django_tables2_prints_them():
    from django_tables2.utils import AttributeDict

    attrs = {
        "data-id": HOSTILE,
        "class": "odd a<b",
        "td": {"class": "never"},
        "title": None,
        "data-n": 7,
        "data-call": lambda: "called & escaped",
        "data-safe": mark_safe("<i>"),
        "": "",
    }
    ours = htmltext.attributes_html(attrs)
    assert ours == AttributeDict(attrs).as_html()
    assert isinstance(ours, SafeString)
    assert 'data-call="called &amp; escaped"' in ours and "never" not in ours
