"""Both directions, per table: rows OpenOrchestrator 3.0.0 writes load through the console's models,
and rows the console writes load in OpenOrchestrator's own db_util."""

from __future__ import annotations

import datetime as dt
import uuid

from OpenOrchestrator.database.jobs import JobStatus as OOJobStatus
from OpenOrchestrator.database.logs import LogLevel as OOLogLevel
from OpenOrchestrator.database.queues import QueueStatus as OOQueueStatus
from OpenOrchestrator.database.triggers import TriggerStatus as OOTriggerStatus

from logs.models import Log, LogLevel
from queues.models import QueueElement, QueueStatus
from tests.helpers import (
    make_constant,
    make_credential,
    make_element,
    make_job,
    make_log,
    make_scheduler,
    make_trigger,
    oo_tx,
)
from triggers.models import Job, JobStatus, Scheduler, Trigger, TriggerStatus, TriggerType
from vault.models import Constant, Credential


@oo_tx
def test_triggers_written_by_openorchestrator_load_with_their_children(db_util):
    when = dt.datetime(2026, 11, 26, 19, 53, 16)
    db_util.create_single_trigger(
        "Single T", "Proc A", when, "C:/robots/a/main.py", "arg1", False, True, 5, ["SCHED-PC1"], ""
    )
    db_util.create_scheduled_trigger(
        "Sched T", "Proc B", "*/5 * * * *", when, "C:/b.py", "", True, False, -1, [], "dev"
    )
    db_util.create_queue_trigger(
        "Queue T", "Proc C", "Queue One", "C:/c.py", "", False, True, 3, 2, None, ""
    )

    triggers = {
        t.trigger_name: t for t in Trigger.objects.select_related("single", "scheduled", "queue")
    }
    single, scheduled, queue = triggers["Single T"], triggers["Sched T"], triggers["Queue T"]
    assert single.type == TriggerType.SINGLE and single.child.next_run == when
    assert single.scheduler_whitelist == ["SCHED-PC1"] and single.priority == 5
    assert single.process_status == TriggerStatus.IDLE and single.process_args == "arg1"
    assert scheduled.child.cron_expr == "*/5 * * * *" and scheduled.is_git_repo is True
    assert scheduled.git_branch == "dev" and scheduled.priority == -1
    assert queue.child.queue_name == "Queue One" and queue.child.min_batch_size == 3
    assert queue.scheduler_whitelist == []  # NULL reads as "any Scheduler"
    assert Trigger.objects.get(pk=single.pk) == single  # lookup by id works


@oo_tx
def test_triggers_written_by_the_console_load_in_openorchestrator(db_util):
    single = make_trigger(
        TriggerType.SINGLE, name="S", scheduler_whitelist=["PC1", "PC2"], priority=3
    )
    scheduled = make_trigger(
        TriggerType.SCHEDULED, name="C", cron="*/10 * * * *", status=TriggerStatus.PAUSED
    )
    queue = make_trigger(TriggerType.QUEUE, name="Q", queue_name="Qæøå", min_batch_size=4)

    loaded = {t.trigger_name: t for t in db_util.get_all_triggers()}
    assert set(loaded) == {"S", "C", "Q"}
    assert loaded["S"].scheduler_whitelist == ["PC1", "PC2"] and loaded["S"].priority == 3
    assert (
        loaded["C"].process_status == OOTriggerStatus.PAUSED
        and loaded["C"].cron_expr == "*/10 * * * *"
    )
    assert loaded["Q"].queue_name == "Qæøå" and loaded["Q"].min_batch_size == 4
    for trigger in (single, scheduled, queue):
        assert db_util.get_trigger(trigger.id).trigger_name == trigger.trigger_name
        assert db_util.get_trigger(str(trigger.id)).id == trigger.id


@oo_tx
def test_queue_elements_round_trip(db_util):
    db_util.create_queue_element("Queue One", "ref-1", '{"n": 1, "txt": "æøå"}', "creator")
    element = QueueElement.objects.get(reference="ref-1")
    assert element.status == QueueStatus.NEW and element.data == '{"n": 1, "txt": "æøå"}'
    assert element.created_by == "creator" and element.start_date is None

    mine = make_element(
        "Queue Two", status=QueueStatus.FAILED, reference="r2", data="<b>x</b>", message="boom"
    )
    theirs = db_util.get_queue_element(mine.id)
    assert theirs.status == OOQueueStatus.FAILED and theirs.message == "boom"
    assert theirs.created_date == mine.created_date and theirs.end_date == mine.end_date
    assert db_util.get_queue_count()["Queue Two"][OOQueueStatus.FAILED] == 1
    taken = db_util.get_next_queue_element("Queue One")
    assert taken.reference == "ref-1"
    assert QueueElement.objects.get(reference="ref-1").status == QueueStatus.IN_PROGRESS


@oo_tx
def test_logs_round_trip_including_truncation_and_non_ascii(db_util):
    job_id = uuid.uuid4()
    long_message = "A" * 5000 + "ø" * 5000
    db_util.create_log("Proc æ", OOLogLevel.ERROR, job_id, long_message)
    log = Log.objects.get(process_name="Proc æ")
    assert log.log_level == LogLevel.ERROR and log.job_id == job_id
    assert len(log.log_message) == 8000 and log.log_message.startswith("A" * 4000)
    assert log.log_message.endswith("ø" * 4000)

    make_log("Proc B", level=LogLevel.TRACE, message="<script>x</script>")
    theirs = db_util.get_logs(0, 10, process_name="Proc B")
    assert [(x.log_level, x.log_message) for x in theirs] == [
        (OOLogLevel.TRACE, "<script>x</script>")
    ]


@oo_tx
def test_jobs_round_trip(db_util):
    started = db_util.start_job("Proc A", "SCHED-1")
    job = Job.objects.get(pk=started.id)
    assert (
        job.status == JobStatus.RUNNING and job.end_time is None and job.scheduler_name == "SCHED-1"
    )

    mine = make_job("Proc B", status=JobStatus.KILLED)
    theirs = db_util.get_job(mine.id)
    assert theirs.status == OOJobStatus.KILLED and theirs.end_time == mine.end_time
    assert {j.id for j in db_util.get_jobs()} == {started.id, mine.id}


@oo_tx
def test_schedulers_round_trip(db_util):
    db_util.send_ping_from_scheduler("PC-1")
    db_util.start_trigger_from_machine("PC-1", "Trigger X")
    scheduler = Scheduler.objects.get(pk="PC-1")
    assert scheduler.latest_trigger == "Trigger X" and scheduler.latest_trigger_time is not None

    make_scheduler("PC-2")
    assert {s.machine_name for s in db_util.get_schedulers()} == {"PC-1", "PC-2"}


@oo_tx
def test_constants_and_credentials_round_trip(db_util):
    db_util.create_constant("C1", "  keep spaces  ")
    db_util.create_credential("Cred1", "user1", "pässword")
    assert Constant.objects.get(pk="C1").value == "  keep spaces  "
    token = Credential.objects.get(pk="Cred1").password
    assert token.startswith("gAAAAA")

    make_constant("C2", "value ø")
    make_credential("Cred2", "user2", "secret ø")
    assert db_util.get_constant("C2").value == "value ø"
    assert db_util.get_credential("Cred2").password == "secret ø"
    assert {c.name for c in db_util.get_credentials()} == {"Cred1", "Cred2"}
