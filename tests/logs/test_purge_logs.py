"""manage.py purge_logs: retention by age, dry run by default, audited."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command

from logs.models import Log
from orchestrator_site.models import AuditEntry
from tests.helpers import NOW, make_log, oo_db


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
def test_commit_deletes_in_batches_with_progress_and_audit(old_and_new, settings, monkeypatch):
    settings.CONSOLE_BULK_BATCH_SIZE = 1
    monkeypatch.setattr("logs.management.commands.purge_logs.PROGRESS_ROWS", 1)
    output = purge("--older-than", "30", "--commit")
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
    for bad in ("0", "-5", "ten"):
        with pytest.raises(CommandError):
            purge("--older-than", bad)
    with pytest.raises(CommandError):
        purge("--commit")
    assert Log.objects.count() == 3
