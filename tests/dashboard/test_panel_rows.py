"""The trigger panel's rows, written in Python (dashboard_links.trigger_problem_rows), are what its
template's loop wrote, in both languages, with hostile names and reasons."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.template import engines
from django.utils import translation

from dashboard.panels import TriggerProblem
from dashboard.templatetags.dashboard_links import trigger_problem_rows
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
