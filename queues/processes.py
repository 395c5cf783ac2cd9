"""Which processes created or handled a queue element: the links from its page to their logs and jobs.

OpenOrchestrator links a queue element to no process. What there is:

* `created_by` is free text that whoever creates the element passes. A robot usually passes its
  process name; OpenOrchestrator's Orchestrator UI writes "Orchestrator UI", this console the
  person's user name, other programs anything or nothing. So it names a process only when a
  process of that name exists: a trigger, a log line or a job carries it.
* The processing window (start_date to end_date, or now while IN_PROGRESS): a queue trigger that
  names the queue says which process works it, and a job of that process running then which run;
  without one, any job that was running the whole time the element was worked on (a 3.0
  Scheduler records one per run) is the best guess by time.

Every query here is bounded and served by an index: exact process names (Logs and Jobs by
process_name, Triggers is small) and jobs by start_time within JOB_LOOKBACK.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from logs.links import process_jobs_url, process_logs_url
from logs.models import Log
from orchestrator_site.display import datetime_text
from orchestrator_site.reversing import id_url
from queues.models import QueueElement
from triggers.models import Job, QueueTrigger, Trigger

# How long before an element was taken (or created) a job that was still running then may have
# started: robots that work a queue for hours start long before they take its last element.
JOB_LOOKBACK = dt.timedelta(hours=24)
JOBS_SHOWN = 5
ORCHESTRATOR_UI = "Orchestrator UI"  # what OpenOrchestrator's own UI writes into created_by


@dataclass
class JobLink:
    url: str
    text: str


@dataclass
class ProcessLink:
    """One process with the evidence that ties it to the element and where to look."""

    process: str
    why: list[str]
    logs_url: str
    logs_text: str
    jobs_url: str
    jobs_text: str
    jobs: list[JobLink] = field(default_factory=list)


@dataclass
class ElementProcesses:
    creator: ProcessLink | None
    creator_note: str  # when created_by names no process: what it is instead ("" when nothing)
    handlers: list[ProcessLink]
    processed: bool  # a robot took it (there is a processing window)

    @property
    def found(self) -> bool:
        return self.creator is not None or bool(self.handlers)


def element_processes(item: QueueElement, now: dt.datetime) -> ElementProcesses:
    creator, note = _creator(item)
    window = item.processing_window(now)
    return ElementProcesses(creator, note, _handlers(item, window), window is not None)


def process_exists(name: str) -> bool:
    """A trigger, a log line or a job carries this exact process name (three indexed look-ups)."""
    return (
        Trigger.objects.filter(process_name=name).exists()
        or Job.objects.filter(process_name=name).exists()
        or Log.objects.filter(process_name=name).exists()
    )


def _creator(item: QueueElement) -> tuple[ProcessLink | None, str]:
    name = item.created_by
    if not name:
        return None, ""
    if not process_exists(name):
        if name == ORCHESTRATOR_UI:
            return None, _("It was created in OpenOrchestrator's Orchestrator UI, by a person.")
        return None, _(
            "Created by “%(name)s”: no process of that name has a trigger, a log line or a job "
            "(a person, or a program that does not log to OpenOrchestrator)."
        ) % {"name": name}
    at = item.created_date
    jobs = _jobs_running(Job.objects.filter(process_name=name), at, at)
    return (
        ProcessLink(
            process=name,
            why=[_("its name is the element's “created by”")],
            logs_url=process_logs_url(
                name, at - dt.timedelta(minutes=1), at + dt.timedelta(minutes=1)
            ),
            logs_text=_("logs around its creation"),
            jobs_url=process_jobs_url(name, None, at),
            jobs_text=_("jobs started before its creation"),
            jobs=[_job_link(job) for job in jobs],
        ),
        "",
    )


def _handlers(
    item: QueueElement, window: tuple[dt.datetime, dt.datetime] | None
) -> list[ProcessLink]:
    """The processes that work on it: its queue's triggers (which will start it, when no robot has
    taken it yet), then the jobs that were running while it was processed."""
    found: dict[str, ProcessLink] = {}

    def link(name: str) -> ProcessLink:
        if name in found:
            return found[name]
        if window is None:
            found[name] = ProcessLink(
                process=name,
                why=[],
                logs_url=process_logs_url(name),
                logs_text=_("its logs"),
                jobs_url=process_jobs_url(name),
                jobs_text=_("its jobs"),
            )
        else:
            found[name] = ProcessLink(
                process=name,
                why=[],
                logs_url=process_logs_url(name, *window),
                logs_text=_("logs while it was processed"),
                jobs_url=process_jobs_url(name, None, window[1]),
                jobs_text=_("jobs started before its end"),
            )
        return found[name]

    queue_triggers = QueueTrigger.objects.filter(queue_name=item.queue_name).select_related(
        "trigger"
    )
    for child in sorted(queue_triggers, key=lambda c: c.trigger.trigger_name):
        link(child.trigger.process_name).why.append(
            _("its queue trigger “%(trigger)s” works this queue")
            % {"trigger": child.trigger.trigger_name}
        )
    if window is None or item.start_date is None:  # not taken by a robot yet
        return list(found.values())
    # Running when a robot took it and, if it has ended, still when it ended (the robot that ends
    # it is running); an IN_PROGRESS element's job may have ended since (a crash).
    taken, ended = item.start_date, item.end_date or item.start_date
    # A queue trigger says which process works the queue: then only its jobs, not every robot
    # that happened to run at the time.
    jobs = Job.objects.filter(process_name__in=list(found)) if found else Job.objects.all()
    for job in _jobs_running(jobs, taken, ended):
        handler = link(job.process_name)
        if not handler.jobs:
            handler.why.append(_("a job of it was running while the element was processed"))
        handler.jobs.append(_job_link(job))
    return list(found.values())


def _jobs_running(jobs, start: dt.datetime, end: dt.datetime) -> list[Job]:
    """Jobs that had started by `start` (at most JOB_LOOKBACK before) and not ended before `end`,
    newest first."""
    return list(
        jobs.filter(start_time__lte=start, start_time__gte=start - JOB_LOOKBACK)
        .filter(Q(end_time__isnull=True) | Q(end_time__gte=end))
        .order_by("-start_time")[:JOBS_SHOWN]
    )


def _job_link(job: Job) -> JobLink:
    start = datetime_text(job.start_time)
    if job.end_time:
        text = _("job on %(scheduler)s, %(start)s to %(end)s") % {
            "scheduler": job.scheduler_name,
            "start": start,
            "end": datetime_text(job.end_time),
        }
    else:
        text = _("job on %(scheduler)s, %(start)s to still running") % {
            "scheduler": job.scheduler_name,
            "start": start,
        }
    return JobLink(id_url("triggers:job", job.pk), text)
