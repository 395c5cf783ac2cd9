"""manage.py purge_logs: retention by age, dry run by default, audited; batches that robots writing
logs at the same moment never trip over; bad input and a busy database as one line, no traceback."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from logs.models import Log
from orchestrator_site.display import datetime_text
from orchestrator_site.models import AuditEntry
from tests.faults import RobotLogger, database_on, sqlite_entry, write_locked, write_old_logs
from tests.helpers import NOW, make_log, oo_db, oo_tx

ROOT = Path(__file__).resolve().parents[2]


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_logs", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_and_new():
    make_log("Proc A", message="old A", at=NOW - dt.timedelta(days=40))
    make_log("Proc B", message="old B", at=NOW - dt.timedelta(days=31))
    make_log("Proc A", message="new A", at=NOW - dt.timedelta(days=29))


@oo_db
def test_it_is_a_dry_run_by_default(old_and_new):
    output = purge("--older-than", "30")
    assert "Dry run: 2 logs of all processes older than 30 days" in output
    assert "--commit" in output
    assert Log.objects.count() == 3 and not AuditEntry.objects.exists()


@oo_db
def test_commit_deletes_in_batches_with_progress_and_audit(old_and_new, monkeypatch):
    monkeypatch.setattr("logs.management.commands.purge_logs.PROGRESS_ROWS", 1)
    output = purge("--older-than", "30", "--commit", "--batch-size", "1")
    assert list(Log.objects.values_list("log_message", flat=True)) == ["new A"]
    assert "deleted 1 so far" in output and "deleted 2 so far" in output
    assert (
        output.strip().splitlines()[-1].startswith("Deleted 2 logs of all processes older than 30")
    )
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.username, entry.user, entry.count) == (
        "logs.purge",
        "system",
        None,
        2,
    )
    assert "log_time < 2026-10-26 10:30:15" in entry.filter_used


@oo_db
def test_it_can_purge_one_process(old_and_new):
    output = purge("--older-than", "30", "--process", "Proc A", "--commit")
    assert "Deleted 1 logs of process 'Proc A'" in output
    assert set(Log.objects.values_list("log_message", flat=True)) == {"old B", "new A"}
    assert "process_name = Proc A" in AuditEntry.objects.get().filter_used


@oo_db
def test_it_records_the_given_user(old_and_new):
    ada = User.objects.create(username="ada")
    ada.groups.add(Group.objects.get(name="Automation admin"))
    purge("--older-than", "30", "--commit", "--as-user", "ada")
    entry = AuditEntry.objects.get()
    assert entry.user == ada and entry.username == "ada"


@oo_db
@pytest.mark.parametrize("role", ["Viewer", "Operator", "Vault keeper", None])
def test_users_without_the_delete_permission_are_refused(old_and_new, role):
    user = User.objects.create(username="someone")
    if role:
        user.groups.add(Group.objects.get(name=role))
    with pytest.raises(CommandError, match="may not delete logs"):
        purge("--older-than", "30", "--commit", "--as-user", "someone")
    assert Log.objects.count() == 3 and not AuditEntry.objects.exists()


@oo_db
def test_unknown_user_and_bad_days_are_errors(old_and_new):
    with pytest.raises(CommandError, match="No console user"):
        purge("--older-than", "30", "--commit", "--as-user", "nobody")
    for bad in ("0", "-5", "ten", "999999", "1.5", ""):
        with pytest.raises(CommandError, match="--older-than"):
            purge("--older-than", bad)
    with pytest.raises(CommandError):
        purge("--commit")
    assert Log.objects.count() == 3


@oo_db
def test_older_than_days_is_the_same_choice_as_the_page(old_and_new):
    output = purge("--older-than-days", "30", "--commit")
    cutoff = datetime_text(NOW - dt.timedelta(days=30))
    assert (
        f"Deleted 2 logs of all processes older than 30 days (written before {cutoff})." in output
    )
    assert list(Log.objects.values_list("log_message", flat=True)) == ["new A"]


@oo_db
def test_before_a_date_deletes_what_was_written_before_its_midnight(old_and_new):
    # "old B" is 31 days old: 2026-10-25 10:30; "old A" 40 days.
    assert "Dry run: 1 logs of process 'Proc A' written before 26-10-2026 00:00:00" in purge(
        "--before", "2026-10-26", "--process", "Proc A"
    )
    output = purge("--before", "2026-10-26", "--commit")
    assert "Deleted 2 logs of all processes written before 26-10-2026 00:00:00." in output
    assert "log_time < 2026-10-26 00:00:00" in AuditEntry.objects.get().filter_used
    assert list(Log.objects.values_list("log_message", flat=True)) == ["new A"]


@oo_db
@pytest.mark.parametrize(
    "args, error",
    [
        (["--before", "26-10-2026"], "is not a date like 2026-10-01"),
        (["--before", "1066-10-14"], "give a year from 1900"),
        (["--before", "2026-10-26", "--older-than-days", "30"], "not allowed with"),
        ([], "one of the arguments --older-than-days/--older-than --before is required"),
    ],
)
def test_bad_or_double_choices_are_errors(old_and_new, args, error):
    with pytest.raises(CommandError, match=error):
        purge(*args)
    assert Log.objects.count() == 3


@pytest.mark.no_orchestrator_db  # argparse refuses the value before anything is read
@pytest.mark.parametrize("days", ["0", "-3", "abc", "999999"])
def test_bad_days_from_a_shell_are_one_line_without_a_traceback(days):
    run = subprocess.run(
        [sys.executable, "manage.py", "purge_logs", "--older-than", days],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert "error: argument --older-than-days/--older-than: " in run.stderr
    assert run.stderr.strip().splitlines()[-1].count("\n") == 0


@oo_tx
def test_it_purges_while_a_robot_writes_logs(db_util, oo_url):
    """OpenOrchestrator's db_util writes log lines in a loop the whole time: the purge and the robot
    both finish without one error, in three batches of 5,000 (each a short transaction)."""
    write_old_logs(db_util, 12_000, at=NOW - dt.timedelta(days=40))
    robot = RobotLogger(oo_url)
    robot.start()
    try:
        output = purge("--older-than", "30", "--commit")
    finally:
        robot.stop()
    assert robot.errors == [] and robot.written > 0
    assert "Deleted 12,000 logs of all processes" in output
    assert not Log.objects.filter(process_name="Old Proc").exists()
    assert Log.objects.filter(process_name="Robot").count() == robot.written
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.count, entry.outcome) == ("logs.purge", 12_000, "ok")


@oo_db
def test_a_database_locked_past_the_timeout_is_one_line(tmp_path):
    path = tmp_path / "orchestrator.sqlite3"
    from orchestrator_site.oo_schema import create_sqlite_schema

    create_sqlite_schema(path)
    with database_on("orchestrator", sqlite_entry(path)), write_locked(path):
        with pytest.raises(CommandError, match=r"^The database is busy; try again\."):
            purge("--older-than", "30", "--commit")
