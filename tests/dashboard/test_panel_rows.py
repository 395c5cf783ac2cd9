"""The dashboard panels' rows, written in Python (dashboard_links), are what their templates' loops
wrote, in both languages, with hostile names, references, messages and reasons."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.template import engines
from django.utils import translation

from dashboard.panels import ErrorRow, FailedElements, RecentErrors, TriggerProblem
from dashboard.templatetags.dashboard_links import (
    error_rows,
    failed_element_rows,
    failed_queue_links,
    trigger_problem_rows,
)
from logs.models import Log
from orchestrator_site.paging import CappedCount
from queues.models import QueueElement
from tests.rowcontrols import HOSTILE
from triggers.models import Trigger, TriggerStatus, TriggerType
from triggers.wording import lazy_text

# The loop as dashboard/_triggers.html had it.
LOOP = (
    "{% load console_format dashboard_links i18n %}"
    "  {% for p in problems %}\n"
    '    <tr><td><a href="{% trigger_url p.trigger %}">{{ p.trigger.trigger_name|name_label }}</a>'
    "</td>\n"
    '      <td><span class="badge badge-{{ p.trigger.process_status }}">'
    "{{ p.trigger.get_process_status_display }}</span></td>\n"
    '      <td>{% if p.problem == "failed" %}{% if p.trigger.last_run %}{% blocktranslate with '
    "when=p.trigger.last_run|when trimmed %}Last run failed ({{ when }}){% endblocktranslate %}"
    '{% else %}{% translate "Last run failed" %}{% endif %}\n'
    '          {% else %}<span class="badge badge-stale">{% translate "stuck" %}</span> '
    "{{ p.reason }}{% endif %}</td></tr>\n"
    "  {% endfor %}"
)


def _trigger(name: str, status: str, last_run: dt.datetime | None = None) -> Trigger:
    return Trigger(
        id=uuid.uuid4(),
        trigger_name=name,
        process_status=status,
        last_run=last_run,
        type=TriggerType.SINGLE,
    )


PROBLEMS = [
    TriggerProblem(
        _trigger(HOSTILE, TriggerStatus.FAILED, dt.datetime(2026, 11, 25, 10, 5, 7)), "failed"
    ),
    TriggerProblem(_trigger("", TriggerStatus.FAILED), "failed"),
    TriggerProblem(_trigger("  ", TriggerStatus.RUNNING), "stuck", HOSTILE),
    TriggerProblem(
        _trigger("Kø/1", TriggerStatus.PAUSING),
        "stuck",
        lazy_text("%(x)s & no Scheduler", x="<b>"),
    ),
]


@pytest.mark.parametrize("language", ["en-gb", "da"])
def test_the_rows_are_the_templates(language):
    with translation.override(language):
        expected = engines["django"].from_string(LOOP).render({"problems": PROBLEMS})
        ours = "  " + trigger_problem_rows(PROBLEMS)
    assert ours == expected
    assert "<script>" not in ours and ours.count("<tr>") == len(PROBLEMS)


def test_no_problems_no_rows():
    assert trigger_problem_rows([]) == ""


# The failed panel's loops as dashboard/_failed.html had them.
FAILED_LINKS = (
    "{% load console_format dashboard_links i18n %}"
    '{% translate "In the failed inbox" as inbox_title %}{% for queue, n in failed.per_queue %} '
    '<a href="{% queue_failed_url queue %}">{{ queue|name_label }}</a>: <a href="'
    '{{ failed.inbox_url }}&amp;queue={{ queue|urlencode:\'\' }}" title="{{ inbox_title }}" '
    "data-inbox-queue>{{ n }}</a>{% if not forloop.last %},{% endif %}{% endfor %}"
)
FAILED_ROWS = (
    "{% load console_format dashboard_links i18n %}"
    '{% translate "(no reference)" as no_reference %}{% translate "(no end date)" as no_end %}'
    "{% for element in failed.shown %}\n"
    '    <tr><td>{{ element.queue_name }}</td><td><a href="{% element_url element %}">'
    "{{ element.reference|default:no_reference }}</a></td>\n"
    '      <td class="nowrap">{{ element.end_date|when|default:no_end }}</td>\n'
    '      <td class="msgcell">{{ element.message|first_line|truncatechars:120|default:"" }}'
    "</td></tr>\n  {% endfor %}"
)
# The recent errors panel's loop as dashboard/_errors.html had it.
ERROR_ROWS = (
    "{% load console_format i18n %}"
    '{% translate "Logs around this error" as around_title %}'
    '{% translate "The whole message" as message_title %}'
    "{% for row in errors.shown %}\n"
    '    <tr><td class="nowrap"><a href="{{ row.around_url }}" title="{{ around_title }}">'
    "{{ row.log.log_time|when }}</a></td>\n"
    '      <td><a href="{{ row.process_url }}">{{ row.log.process_name|name_label }}</a></td>'
    '<td class="msgcell"><a href="{{ row.detail_url }}" title="{{ message_title }}">'
    "{{ row.log.log_message|summary_line|truncatechars:200 }}</a></td></tr>\n  {% endfor %}"
)

# Texts that fit, that are cut, that NFC changes (an "e" and a combining accent), and hostile ones.
LONG = "Timeout while waiting for the invoice portal <b>" + "x" * 300
DECOMPOSED = "Cafe\u0301 " * 30
MESSAGES = [HOSTILE, LONG, DECOMPOSED, "", None, "first line\nsecond <line>", "  "]
NAMES = [HOSTILE, "", "  ", "Kø/1", "a&b?c=d#e", "trailing "]


def _failed() -> FailedElements:
    shown = [
        QueueElement(
            id=uuid.uuid4(),
            queue_name=NAMES[i % len(NAMES)],
            reference=[HOSTILE, "", None, "ref/1"][i % 4],
            message=message,
            created_date=dt.datetime(2026, 11, 25, 9, 0, i),
            end_date=None if i % 3 == 0 else dt.datetime(2026, 11, 25, 10, 5, i),
        )
        for i, message in enumerate(MESSAGES)
    ]
    per_queue = [(name, n) for name, n in zip(NAMES, (12_345, 999, 1000, 7, 1, 2), strict=True)]
    return FailedElements(
        shown=shown,
        per_queue=per_queue,
        total=sum(n for _, n in per_queue),
        capped=False,
        inbox_url="/queues/failed/?since=2026-11-24T10:00:00&x=<y>",
    )


def _errors() -> RecentErrors:
    shown = [
        ErrorRow(
            Log(
                id=uuid.uuid4(),
                log_time=dt.datetime(2026, 11, 25, 10, 5, i, 123456),
                log_level="ERROR",
                process_name=NAMES[i % len(NAMES)],
                log_message=message or "",
            ),
            f"/logs/around/?at={i}&x=<y>",
            f"/logs/p/{NAMES[i % len(NAMES)]}/",
            f'/logs/{i}/?"',
        )
        for i, message in enumerate(MESSAGES)
    ]
    return RecentErrors(
        shown=shown,
        total=CappedCount(len(shown), capped=False),
        since=dt.datetime(2026, 11, 24, 10, 0),
        all_url="/logs/search/",
    )


@pytest.mark.parametrize("language", ["en-gb", "da"])
def test_the_failed_panel_is_its_templates(language):
    failed = _failed()
    with translation.override(language):
        django = engines["django"]
        links = django.from_string(FAILED_LINKS).render({"failed": failed})
        rows = django.from_string(FAILED_ROWS).render({"failed": failed})
        assert failed_queue_links(failed) == links
        assert failed_element_rows(failed) == rows
    assert "<script>" not in links + rows
    assert rows.count("<tr>") == len(MESSAGES) and links.count("data-inbox-queue") == len(NAMES)
    # Counts as the template printed them, thousands separated in the page's language.
    assert ("12,345" if language == "en-gb" else "12.345") in links


@pytest.mark.parametrize("language", ["en-gb", "da"])
def test_the_error_rows_are_the_templates(language):
    errors = _errors()
    with translation.override(language):
        expected = engines["django"].from_string(ERROR_ROWS).render({"errors": errors})
        assert error_rows(errors) == expected
    assert "<script>" not in expected and expected.count("<tr>") == len(MESSAGES)


def test_empty_panels_write_nothing():
    failed = FailedElements(shown=[], per_queue=[], total=0, capped=False, inbox_url="/")
    assert failed_queue_links(failed) == failed_element_rows(failed) == ""
    assert (
        error_rows(RecentErrors([], CappedCount(0, capped=False), dt.datetime(2026, 1, 1), "/"))
        == ""
    )
