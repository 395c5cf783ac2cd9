"""Which job a trigger's last start created, and which trigger started a job: the one rule.

Jobs have no trigger id (docs/openorchestrator.md#jobs-and-logs). A Scheduler's begin_*_trigger sets
Triggers.last_run = now, then start_job inserts the Jobs row (same process_name, start_time a few
milliseconds later, on the same PC's clock). So a job belongs to a trigger only when:

* it has the trigger's process_name,
* its start_time is at most JOB_START_WINDOW after the trigger's last_run (never before it), and
* the pair fits nothing else: no other trigger of that process has a last_run that fits the job,
  and no other job fits the trigger's last_run.

Anything else is ambiguous and matches nothing: the closest fit is not proof (two Schedulers start
at their own pace), and picking another trigger's job would fail a run that is still alive. The
window stays below one Scheduler loop (~6 s), so one Scheduler's successive starts never collide.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from django.db import connections, router

from triggers.models import Job, Trigger

JOB_START_WINDOW = datetime.timedelta(seconds=3)


def fits(last_run: datetime.datetime | None, start_time: datetime.datetime) -> bool:
    """Could a job that started at `start_time` come from a start at `last_run`?"""
    return last_run is not None and last_run <= start_time <= last_run + JOB_START_WINDOW


@dataclass(frozen=True)
class JobMatch:
    job: Job | None  # the job of the trigger's last start, only when nothing else fits
    fitting: int  # jobs whose start fits its last_run; > 0 with job None means ambiguous

    @property
    def ambiguous(self) -> bool:
        return self.job is None and self.fitting > 0


class Start(Protocol):
    """What the rule reads of a trigger: a Trigger, or a LastStart read without the model."""

    @property
    def pk(self) -> Any: ...
    @property
    def process_name(self) -> str: ...
    @property
    def last_run(self) -> datetime.datetime | None: ...


class LastStart(NamedTuple):
    pk: uuid.UUID
    process_name: str
    last_run: datetime.datetime | None


def match(triggers: Iterable[Start], jobs: Iterable[Job]) -> dict[uuid.UUID, JobMatch]:
    """The rule itself, without the database.

    `triggers` must hold every trigger of the processes involved and `jobs` every job of those
    processes that fits one of their last_run values, whatever its status: a missing row would
    hide an ambiguity.
    """
    triggers, jobs = list(triggers), list(jobs)
    fitting_jobs = {
        t.pk: [
            j for j in jobs if j.process_name == t.process_name and fits(t.last_run, j.start_time)
        ]
        for t in triggers
    }
    result = {}
    for trigger in triggers:
        found = fitting_jobs[trigger.pk]
        job = found[0] if len(found) == 1 else None
        if job is not None and any(
            other.pk != trigger.pk
            and other.process_name == job.process_name
            and fits(other.last_run, job.start_time)
            for other in triggers
        ):
            job = None
        result[trigger.pk] = JobMatch(job, len(found))
    return result


def jobs_of(triggers: Iterable[Trigger]) -> dict[uuid.UUID, JobMatch]:
    """The job of each trigger's last start, in two queries whatever the number of triggers.

    Reads every trigger of the same processes (their last_run decides the ambiguity), then every job
    that fits the last_run of one of `triggers`, using the Jobs (process_name, start_time) index. The
    jobs of the other triggers' starts cannot change the answer: a trigger's match depends on the
    jobs in its own window and on the other triggers' last_run values only (see match()).
    """
    wanted = list(triggers)
    names = {t.process_name for t in wanted}
    if not names:
        return {}
    keys = {t.pk for t in wanted}
    # Plain tuples: building model instances for every trigger of those processes cost more
    # than the rule itself.
    related = [
        LastStart(*values)
        for values in Trigger.objects.filter(process_name__in=names, last_run__isnull=False)
        .order_by()
        .values_list("id", "process_name", "last_run")
    ]
    # The caller's rows may be older than the ones just read: judge with the fresh last_run.
    jobs = jobs_in_windows(
        {(t.process_name, t.last_run) for t in related if t.last_run and t.pk in keys}
    )
    found = match(related, jobs)
    return {t.pk: found.get(t.pk, JobMatch(None, 0)) for t in wanted}


# Windows per statement: three parameters each stays far below SQL Server's 2,100 per statement.
WINDOWS_PER_STATEMENT = 400


def jobs_in_windows(windows: set[tuple[str, datetime.datetime]]) -> list[Job]:
    """Every job of `process` that started within JOB_START_WINDOW after `last_run`, for each
    (process, last_run) window, whatever its status.

    One statement per WINDOWS_PER_STATEMENT windows, each window a seek on the Jobs
    (process_name, start_time) index. The SQL is written here rather than as an OR of Q objects:
    for the hundred-odd windows of a dashboard the ORM spent several times more CPU building and
    compiling that OR than the database spent answering it. Parameters are prepared by the model's
    own fields, so they are stored-format values exactly as the ORM would send them.
    """
    if not windows:
        return []
    db = router.db_for_read(Job)
    connection = connections[db]
    quote = connection.ops.quote_name
    meta = Job._meta
    process_field, start_field = meta.get_field("process_name"), meta.get_field("start_time")
    process_column, start_column = quote(process_field.column), quote(start_field.column)
    window_sql = f"({process_column} = %s AND {start_column} >= %s AND {start_column} <= %s)"
    columns = ", ".join(quote(field.column) for field in meta.concrete_fields)
    ordered = sorted(windows)
    jobs: list[Job] = []
    for start in range(0, len(ordered), WINDOWS_PER_STATEMENT):
        chunk = ordered[start : start + WINDOWS_PER_STATEMENT]
        params: list[object] = []
        for process, last_run in chunk:
            params.append(process_field.get_db_prep_value(process, connection))
            # Datetimes read from the database: get_prep_value() would hand them back unchanged
            # (naive times, USE_TZ off), at half the cost of a parameter.
            params.append(start_field.get_db_prep_value(last_run, connection, prepared=True))
            params.append(
                start_field.get_db_prep_value(
                    last_run + JOB_START_WINDOW, connection, prepared=True
                )
            )
        where = " OR ".join([window_sql] * len(chunk))
        # Identifiers from the model, quoted; every value is a parameter.
        sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {where}"  # noqa: S608
        jobs.extend(Job.objects.db_manager(db).raw(sql, params))
    return jobs


def trigger_of(job: Job, triggers: Iterable[Trigger] | None = None) -> Trigger | None:
    """The trigger that started `job`, or None when no trigger or more than one fits.

    `triggers` may pass the rows of job.process_name already read by the caller.
    """
    if triggers is None:
        triggers = Trigger.objects.filter(process_name=job.process_name)
    related = [t for t in triggers if t.process_name == job.process_name]
    candidates = [t for t in related if fits(t.last_run, job.start_time)]
    if len(candidates) != 1:
        return None
    [trigger] = candidates
    last_run = trigger.last_run
    jobs = Job.objects.filter(
        process_name=job.process_name, start_time__range=(last_run, last_run + JOB_START_WINDOW)
    )
    found = match(related, jobs).get(trigger.pk)
    return trigger if found and found.job is not None and found.job.pk == job.pk else None
