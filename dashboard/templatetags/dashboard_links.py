"""Links from dashboard panels into the area pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from logs.links import logs_around_url
from orchestrator_site import display
from orchestrator_site.htmltext import escaped
from orchestrator_site.reversing import id_url, name_url
from orchestrator_site.templatetags.console_format import name_label

register = template.Library()


@register.simple_tag
def logs_around(log) -> str:
    return logs_around_url(log)


@register.simple_tag
def element_url(element) -> str:
    return id_url("queues:element", element.pk)


@register.simple_tag
def queue_failed_url(queue_name: str) -> str:
    return name_url("queues:elements", queue_name) + "?" + urlencode({"status": "FAILED"})


@register.simple_tag
def trigger_url(trigger) -> str:
    return id_url("triggers:detail", trigger.pk)


@register.simple_tag
def job_url(job) -> str:
    return id_url("triggers:job", job.pk)


@register.simple_tag
def trigger_problem_rows(problems) -> SafeString:
    """The trigger panel's rows (dashboard/_triggers.html), written in Python: a panel of 30 rows
    spent a third of its template in the per-row translations. The fixed words are translated once;
    tests/dashboard/test_panel_rows.py compares the rows with the template they replace."""
    words = {  # as {% translate %} prints them (escaped), and {% blocktranslate %} (not)
        "failed": escaped(gettext("Last run failed")),
        "failed_at": gettext("Last run failed (%(when)s)"),
        "stuck": escaped(gettext("stuck")),
    }
    rows = []
    for problem in problems:
        trigger = problem.trigger
        if problem.problem == "failed":
            if trigger.last_run:
                when = escaped(display.datetime_text(trigger.last_run))
                why = words["failed_at"] % {"when": when}
            else:
                why = words["failed"]
            why += "\n          "
        else:
            why = (
                f'<span class="badge badge-stale">{words["stuck"]}</span> {escaped(problem.reason)}'
            )
        rows.append(
            f'\n    <tr><td><a href="{id_url("triggers:detail", trigger.pk)}">'
            f"{escaped(name_label(trigger.trigger_name))}</a></td>\n"
            f'      <td><span class="badge badge-{escaped(trigger.process_status)}">'
            f"{escaped(trigger.get_process_status_display())}</span></td>\n"
            f"      <td>{why}</td></tr>\n  "
        )
    return SafeString("".join(rows))
