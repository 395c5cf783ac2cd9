"""What each kind of rule finds in OpenOrchestrator's database right now: one `Finding` per subject
for which the condition holds. Reads only; every query is bounded by the rule's window or by a
small table (Schedulers, the dashboard's trigger problems).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from alerts.models import AlertRule, RuleKind
from dashboard.panels import trigger_problems
from logs.links import process_logs_url
from logs.models import Log, LogLevel
from orchestrator_site.display import age_text, datetime_text, input_text, status_label
from queues.models import QueueElement, QueueStatus
from triggers.models import Scheduler, TriggerStatus


@dataclass(frozen=True)
class Finding:
    """The condition holds for this subject: `key` identifies it across passes, `subject` and
    `summary` say it to a person, `link` is the console page that shows it (a path)."""

    key: str
    subject: str
    summary: str
    link: str
    count: int | None = None


def findings(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    """Every subject for which `rule` holds at `now`."""
    return FINDERS[RuleKind(rule.kind)](rule, now)


def process_errors(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    """ERROR lines per process since the window's start: a range of the (log_level, log_time)
    index that `manage.py orchestrator_indexes` recommends."""
    start = now - dt.timedelta(minutes=rule.minutes)
    errors = Log.objects.filter(log_level=LogLevel.ERROR, log_time__gte=start)
    if rule.target:
        errors = errors.filter(process_name=rule.target)
    counted = errors.order_by().values_list("process_name").annotate(n=Count("id"))
    found = []
    for process, n in sorted(counted):
        if n < rule.threshold:
            continue
        link = f"{process_logs_url(process, start)}&{urlencode({'level': LogLevel.ERROR})}"
        found.append(
            Finding(
                key=process,
                subject=gettext("Process “%(name)s”") % {"name": process},
                summary=ngettext(
                    "%(n)s error in the last %(m)s",
                    "%(n)s errors in the last %(m)s",
                    n,
                )
                % {"n": n, "m": rule.window_text()},
                link=link,
                count=n,
            )
        )
    return found


def queue_failures(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    """FAILED elements per queue that failed since the window's start (by end date; one without an
    end date by its created date, as the failed inbox counts it): two index ranges, not one OR."""
    start = now - dt.timedelta(minutes=rule.minutes)
    failed = QueueElement.objects.filter(status=QueueStatus.FAILED)
    if rule.target:
        failed = failed.filter(queue_name=rule.target)
    counts: Counter[str] = Counter()
    for window in (
        failed.filter(end_date__gte=start),
        failed.filter(end_date__isnull=True, created_date__gte=start),
    ):
        for queue, n in window.order_by().values_list("queue_name").annotate(n=Count("id")):
            counts[queue] += n
    found = []
    for queue, n in sorted(counts.items()):
        if n < rule.threshold:
            continue
        query = urlencode({"queue": queue, "since": input_text(start)})
        found.append(
            Finding(
                key=queue,
                subject=gettext("Queue “%(name)s”") % {"name": queue},
                summary=ngettext(
                    "%(n)s failed element in the last %(m)s",
                    "%(n)s failed elements in the last %(m)s",
                    n,
                )
                % {"n": n, "m": rule.window_text()},
                link=f"{reverse('queues:failed')}?{query}",
                count=n,
            )
        )
    return found


def scheduler_silent(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    """Schedulers whose last ping is older than the rule's minutes; a named one that has no row at
    all (never pinged, or forgotten) counts as not seen."""
    schedulers = Scheduler.objects.order_by("machine_name")
    if rule.target:
        schedulers = schedulers.filter(machine_name=rule.target)
    limit = dt.timedelta(minutes=rule.minutes)
    link = reverse("triggers:schedulers")
    found = []
    for scheduler in schedulers:
        age = now - scheduler.last_update
        if age <= limit:
            continue
        found.append(
            Finding(
                key=scheduler.machine_name,
                subject=gettext("Scheduler “%(name)s”") % {"name": scheduler.machine_name},
                summary=gettext("last seen %(when)s (%(age)s)")
                % {"when": datetime_text(scheduler.last_update), "age": age_text(age)},
                link=link,
                count=int(age.total_seconds() // 60),
            )
        )
    if rule.target and not found and not schedulers.exists():
        found.append(
            Finding(
                key=rule.target,
                subject=gettext("Scheduler “%(name)s”") % {"name": rule.target},
                summary=gettext("no ping from it is recorded"),
                link=link,
            )
        )
    return found


def trigger_problem(rule: AlertRule, now: dt.datetime) -> list[Finding]:
    """FAILED triggers and stuck ones, by the dashboard's own judgement (dashboard.panels
    .trigger_problems: an active trigger that nothing will move, triggers.liveness)."""
    found = []
    for problem in trigger_problems(now):
        trigger = problem.trigger
        if rule.target and trigger.trigger_name != rule.target:
            continue
        if problem.problem == "failed":
            summary = status_label(TriggerStatus.FAILED)
        else:
            summary = gettext("stuck: %(reason)s") % {"reason": problem.reason}
        found.append(
            Finding(
                key=trigger.pk.hex,
                subject=gettext("Trigger “%(name)s”") % {"name": trigger.trigger_name},
                summary=summary,
                link=trigger.get_absolute_url(),
            )
        )
    return found


FINDERS: dict[RuleKind, Callable[[AlertRule, dt.datetime], list[Finding]]] = {
    RuleKind.PROCESS_ERRORS: process_errors,
    RuleKind.QUEUE_FAILURES: queue_failures,
    RuleKind.SCHEDULER_SILENT: scheduler_silent,
    RuleKind.TRIGGER_PROBLEM: trigger_problem,
}
