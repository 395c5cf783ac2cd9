"""Markers and row factories shared by the tests. Rows are written through the console's models."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from logs.models import Log, LogLevel
from queues.models import QueueElement, QueueStatus
from triggers.models import (
    Job,
    JobStatus,
    QueueTrigger,
    ScheduledTrigger,
    Scheduler,
    SingleTrigger,
    Trigger,
    TriggerStatus,
    TriggerType,
)
from vault.models import Constant, Credential

ALL_DATABASES = ["default", "orchestrator"]
# A test whose rows are rolled back at the end (console-only reads and writes).
oo_db = pytest.mark.django_db(databases=ALL_DATABASES)
# A test whose writes are committed, so OpenOrchestrator's own code can see them (use `db_util`).
oo_tx = pytest.mark.django_db(transaction=True, databases=ALL_DATABASES)

NOW = dt.datetime(2026, 11, 25, 10, 30, 15, 123456)  # a Wednesday


def make_trigger(
    kind: str = TriggerType.SINGLE,
    *,
    name: str | None = None,
    process: str = "Proc A",
    status: str = TriggerStatus.IDLE,
    next_run: dt.datetime | None = None,
    cron: str = "0 6 * * *",
    queue_name: str = "Queue A",
    min_batch_size: int = 1,
    **fields,
) -> Trigger:
    values = {
        "process_path": "C:/robots/a/main.py",
        "process_args": "",
        "is_git_repo": False,
        "git_branch": "",
        "is_blocking": True,
        "scheduler_whitelist": [],
        "priority": 0,
        **fields,
    }
    trigger = Trigger.objects.create(
        trigger_name=name or f"{kind.title()} {uuid.uuid4().hex[:6]}",
        process_name=process,
        process_status=status,
        type=kind,
        **values,
    )
    next_run = next_run or NOW
    if kind == TriggerType.SINGLE:
        SingleTrigger.objects.create(trigger=trigger, next_run=next_run)
    elif kind == TriggerType.SCHEDULED:
        ScheduledTrigger.objects.create(trigger=trigger, cron_expr=cron, next_run=next_run)
    else:
        QueueTrigger.objects.create(
            trigger=trigger, queue_name=queue_name, min_batch_size=min_batch_size
        )
    return trigger


def make_element(
    queue_name: str = "Queue A", *, status: str = QueueStatus.NEW, **fields
) -> QueueElement:
    fields.setdefault("created_date", NOW - dt.timedelta(hours=1))
    if status in (QueueStatus.IN_PROGRESS, QueueStatus.DONE, QueueStatus.FAILED):
        fields.setdefault("start_date", fields["created_date"] + dt.timedelta(minutes=1))
    if status in (QueueStatus.DONE, QueueStatus.FAILED, QueueStatus.ABANDONED):
        fields.setdefault("end_date", fields["created_date"] + dt.timedelta(minutes=2))
    return QueueElement.objects.create(queue_name=queue_name, status=status, **fields)


def make_log(
    process: str = "Proc A",
    *,
    level: str = LogLevel.INFO,
    message: str = "hello",
    at: dt.datetime | None = None,
    job_id=None,
) -> Log:
    return Log.objects.create(
        log_time=at or NOW,
        log_level=level,
        process_name=process,
        log_message=message,
        job_id=job_id,
    )


def make_job(
    process: str = "Proc A",
    *,
    scheduler: str = "SCHED-1",
    status: str = JobStatus.DONE,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> Job:
    start = start or NOW - dt.timedelta(minutes=10)
    if end is None and status != JobStatus.RUNNING:
        end = start + dt.timedelta(minutes=5)
    return Job.objects.create(
        process_name=process,
        scheduler_name=scheduler,
        status=status,
        start_time=start,
        end_time=end,
    )


def make_scheduler(
    name: str = "SCHED-1", *, age_seconds: int = 5, now: dt.datetime = NOW
) -> Scheduler:
    return Scheduler.objects.create(
        machine_name=name, last_update=now - dt.timedelta(seconds=age_seconds)
    )


def make_constant(name: str = "Const", value: str = "v") -> Constant:
    return Constant.objects.create(name=name, value=value, changed_at=NOW)


def make_credential(name: str = "Cred", username: str = "user", password: str = "pw") -> Credential:
    from orchestrator_site import crypto

    return Credential.objects.create(
        name=name, username=username, password=crypto.encrypt(password), changed_at=NOW
    )


def export_form(html: str) -> tuple[str, list[tuple[str, str]]]:
    """The page's "Export CSV" form: its action and the hidden fields a browser would POST."""
    from html.parser import HTMLParser

    class Forms(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.forms: list[dict] = []
            self.button = False

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form":
                self.forms.append({"attrs": attrs, "fields": [], "label": ""})
            elif tag == "input" and self.forms and attrs.get("type") == "hidden":
                self.forms[-1]["fields"].append((attrs["name"], attrs.get("value") or ""))
            self.button = tag == "button"

        def handle_data(self, data):
            if self.button and self.forms:
                self.forms[-1]["label"] += data.strip()

    parser = Forms()
    parser.feed(html)
    found = [f for f in parser.forms if f["label"] == "Export CSV"]
    assert len(found) == 1, f"{len(found)} Export CSV forms"
    assert found[0]["attrs"].get("method") == "post"
    return found[0]["attrs"]["action"], found[0]["fields"]
