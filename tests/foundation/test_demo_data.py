"""`manage.py demo_data` builds a database that OpenOrchestrator 3.0.0's own code reads completely."""

from __future__ import annotations

import sqlite3
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from OpenOrchestrator.common import crypto_util
from OpenOrchestrator.database import db_util
from OpenOrchestrator.database.logs import LogLevel
from OpenOrchestrator.database.queues import QueueStatus
from OpenOrchestrator.database.triggers import TriggerStatus, TriggerType


@pytest.fixture
def demo_db(tmp_path, django_db_blocker, settings):
    path = tmp_path / "demo.sqlite3"
    with django_db_blocker.unblock():
        out = StringIO()
        call_command("demo_data", path=path, stdout=out, stderr=StringIO())
        connections["demo_build"].close()
    assert "Demo database written" in out.getvalue()
    assert db_util.connect(f"sqlite:///{path}")
    crypto_util.set_key(settings.OPENORCHESTRATOR_KEY)
    yield path
    db_util.disconnect()


def test_openorchestrator_reads_every_demo_row(demo_db):
    assert db_util.check_database_revision()
    triggers = db_util.get_all_triggers()
    assert {t.type for t in triggers} == set(TriggerType)
    assert {t.process_status for t in triggers} == set(TriggerStatus)
    for trigger in triggers:
        assert db_util.get_trigger(trigger.id).trigger_name == trigger.trigger_name

    counts = db_util.get_queue_count()
    assert len(counts) == 10
    assert {status for per_queue in counts.values() for status in per_queue} == set(QueueStatus)
    for queue_name in counts:
        elements = db_util.get_queue_elements(queue_name, limit=100000)
        assert elements
        assert db_util.get_queue_element(elements[0].id).queue_name == queue_name

    with sqlite3.connect(demo_db) as raw:
        (log_total,) = raw.execute("SELECT COUNT(*) FROM Logs").fetchone()
        (job_total,) = raw.execute("SELECT COUNT(*) FROM Jobs").fetchone()
    logs = db_util.get_logs(0, log_total + 10)
    assert len(logs) == log_total
    assert {log.log_level for log in logs} == set(LogLevel)
    assert len(db_util.get_jobs()) == job_total
    assert len(db_util.get_unique_log_process_names()) == 20

    for credential in db_util.get_credentials():
        assert db_util.get_credential(credential.name).password.startswith("demo-")
    assert len(db_util.get_constants()) == 8
    assert {s.machine_name for s in db_util.get_schedulers()} >= {"RPA-SCHED-01", "RPA-SCHED-OLD"}


def test_demo_data_refuses_to_overwrite_without_force(tmp_path, django_db_blocker):
    path = tmp_path / "demo.sqlite3"
    path.write_text("keep me")
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="--force"):
        call_command("demo_data", path=path, stdout=StringIO(), stderr=StringIO())
    assert path.read_text() == "keep me"
    with django_db_blocker.unblock():
        out = StringIO()
        call_command("demo_data", path=path, if_missing=True, stdout=out, stderr=StringIO())
    assert "already exists" in out.getvalue() and path.read_text() == "keep me"
