"""Links from dashboard panels into the area pages."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from logs.links import logs_around_url
from orchestrator_site import display
from orchestrator_site.htmltext import escaped
from orchestrator_site.reversing import id_url, name_url
from orchestrator_site.templatetags.console_format import first_line, name_label, summary_line, when
from queues.tables import MESSAGE_CHARS

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


@register.simple_tag
def failed_queue_links(failed) -> SafeString:
    """The failed panel's count per queue (dashboard/_failed.html), written in Python as
    trigger_problem_rows is: each queue's failed elements, then its count in the failed inbox."""
    title = escaped(gettext("In the failed inbox"))
    inbox = escaped(failed.inbox_url)
    links = [
        f' <a href="{escaped(queue_failed_url(queue))}">{escaped(name_label(queue))}</a>: '
        f'<a href="{inbox}&amp;queue={escaped(quote(queue, safe=""))}" title="{title}" '
        f"data-inbox-queue>{display.count_text(n)}</a>"
        for queue, n in failed.per_queue
    ]
    return SafeString(",".join(links))


@register.simple_tag
def failed_element_rows(failed) -> SafeString:
    """The failed panel's rows (dashboard/_failed.html), written in Python."""
    no_reference = escaped(gettext("(no reference)"))
    no_end = escaped(gettext("(no end date)"))
    rows = []
    for element in failed.shown:
        reference = escaped(element.reference) if element.reference else no_reference
        ended = escaped(display.datetime_text(element.end_date)) or no_end
        message = display.shortened(first_line(element.message), MESSAGE_CHARS)
        rows.append(
            f"\n    <tr><td>{escaped(element.queue_name)}</td><td>"
            f'<a href="{escaped(id_url("queues:element", element.pk))}">{reference}</a></td>\n'
            f'      <td class="nowrap">{ended}</td>\n'
            f'      <td class="msgcell">{escaped(message)}</td></tr>\n  '
        )
    return SafeString("".join(rows))


@register.simple_tag
def error_rows(errors) -> SafeString:
    """The recent errors panel's rows (dashboard/_errors.html), written in Python."""
    around_title = escaped(gettext("Logs around this error"))
    message_title = escaped(gettext("The whole message"))
    rows = []
    for row in errors.shown:
        log = row.log
        message = display.shortened(summary_line(log.log_message), 200)
        rows.append(
            f'\n    <tr><td class="nowrap"><a href="{escaped(row.around_url)}" '
            f'title="{around_title}">{escaped(when(log.log_time))}</a></td>\n'
            f'      <td><a href="{escaped(row.process_url)}">'
            f"{escaped(name_label(log.process_name))}</a></td>"
            f'<td class="msgcell"><a href="{escaped(row.detail_url)}" title="{message_title}">'
            f"{escaped(message)}</a></td></tr>\n  "
        )
    return SafeString("".join(rows))
