"""Deleting logs: selected ones and all matching a filter; Automation admin only, confirmed, audited."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse

from logs.models import Log, LogLevel
from orchestrator_site.display import datetime_text
from orchestrator_site.models import AuditEntry
from tests.faults import RobotLogger, write_old_logs
from tests.helpers import NOW, make_log, oo_db, oo_tx

SELECTED = reverse("logs:delete_selected")


def matching_url(process: str = "Proc A", query: str = "") -> str:
    return reverse("logs:delete_matching", args=[process]) + (f"?{query}" if query else "")


# --- role matrix ----------------------------------------------------------------------------------


@oo_db
@pytest.mark.parametrize("persona", ["as_viewer", "as_operator", "as_keeper", "as_outsider"])
def test_only_automation_admins_may_delete(request, persona):
    client = request.getfixturevalue(persona)
    log = make_log()
    confirm = {"ids": [str(log.pk)], "confirm": "true"}
    assert client.post(SELECTED, confirm).status_code == 403
    assert client.get(matching_url()).status_code == 403
    assert client.post(matching_url(), {"as_of": "2026-11-25 10:30:15"}).status_code == 403
    assert Log.objects.filter(pk=log.pk).exists()
    assert not AuditEntry.objects.exists()


@oo_db
def test_delete_selected_is_post_only(as_admin):
    assert as_admin.get(SELECTED).status_code == 405


@oo_db
def test_delete_matching_refuses_other_methods(as_admin):
    assert as_admin.put(matching_url()).status_code == 405


# --- delete selected ------------------------------------------------------------------------------


@oo_db
def test_selected_logs_are_confirmed_then_deleted_and_audited(as_admin):
    keep = make_log(message="keep")
    gone = [make_log(message=f"gone {i}") for i in range(3)]
    ids = [str(log.pk) for log in gone]
    back = reverse("logs:process", args=["Proc A"]) + "?level=INFO"
    preview = as_admin.post(SELECTED, {"ids": ids, "next": back})
    assert preview.status_code == 200 and b"Delete 3 selected logs?" in preview.content
    assert Log.objects.count() == 4  # nothing deleted before the confirmation

    response = as_admin.post(SELECTED, {"ids": ids, "next": back, "confirm": "true"})
    assert response.status_code == 302 and response["Location"] == back
    assert list(Log.objects.values_list("pk", flat=True)) == [keep.pk]
    entry = AuditEntry.objects.get()
    assert entry.action == "logs.delete_selected" and entry.count == 3
    assert entry.username == "test\\ada" and entry.outcome == "ok"
    assert set(entry.target_ids.splitlines()) == {str(log.pk) for log in gone}
    followed = as_admin.get(back)
    assert b"Deleted 3 logs." in followed.content


@oo_db
def test_it_reports_logs_that_were_already_gone(as_admin):
    log = make_log()
    ids = [str(log.pk), str(uuid.uuid4())]
    response = as_admin.post(SELECTED, {"ids": ids, "confirm": "true"}, follow=True)
    assert b"Deleted 1 of 2 logs; 1 was already gone." in response.content
    entry = AuditEntry.objects.get()
    assert entry.count == 1 and entry.outcome == "partial"


@oo_db
def test_the_logs_overview_counts_afresh_after_a_deletion(as_admin, settings):
    settings.CONSOLE_OVERVIEW_CACHE_SECONDS = 60
    ids = [str(make_log("Proc A").pk) for _ in range(2)] + [str(make_log("Proc B").pk)]
    overview = reverse("logs:overview")
    counted = as_admin.get(overview).context["table"].rows
    assert {row.record.process_name: row.record.total for row in counted} == {
        "Proc A": 2,
        "Proc B": 1,
    }
    as_admin.post(SELECTED, {"ids": ids[1:], "confirm": "true"})
    recounted = as_admin.get(overview).context["table"].rows
    assert {row.record.process_name: row.record.total for row in recounted} == {"Proc A": 1}


@oo_db
def test_above_the_threshold_the_count_must_be_typed(as_admin, settings):
    settings.CONSOLE_BULK_CONFIRM_THRESHOLD = 2
    ids = [str(make_log().pk) for _ in range(3)]
    untyped = as_admin.post(SELECTED, {"ids": ids, "confirm": "true"})
    assert untyped.status_code == 200 and "Type “3” exactly" in untyped.content.decode()
    wrong = as_admin.post(SELECTED, {"ids": ids, "confirm": "true", "typed": "2"})
    assert wrong.status_code == 200 and Log.objects.count() == 3
    typed = as_admin.post(SELECTED, {"ids": ids, "confirm": "true", "typed": "3"})
    assert typed.status_code == 302 and Log.objects.count() == 0


@oo_db
def test_it_deletes_in_batches(as_admin, settings, django_assert_max_num_queries):
    settings.CONSOLE_BULK_BATCH_SIZE = 2
    ids = [str(make_log().pk) for _ in range(5)]
    response = as_admin.post(SELECTED, {"ids": ids, "confirm": "true"})
    assert response.status_code == 302 and Log.objects.count() == 0
    assert AuditEntry.objects.get().count == 5


@oo_db
@pytest.mark.parametrize("ids", [[], ["not-a-uuid"], ["1234"]])
def test_bad_ids_are_a_form_error(as_admin, ids):
    make_log()
    response = as_admin.post(SELECTED, {"ids": ids, "confirm": "true"})
    assert response.status_code == 400 and Log.objects.count() == 1
    assert not AuditEntry.objects.exists()


@oo_db
def test_an_outside_next_url_is_not_followed(as_admin):
    log = make_log()
    response = as_admin.post(
        SELECTED, {"ids": [str(log.pk)], "confirm": "true", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("logs:overview")


# --- delete all matching the filter --------------------------------------------------------------


@oo_db
def test_matching_logs_show_a_preview_then_are_deleted_and_audited(as_admin):
    make_log(level=LogLevel.ERROR, message="<b>err</b>")
    make_log(level=LogLevel.INFO, message="info")
    make_log("Proc B", level=LogLevel.ERROR, message="other process")
    preview = as_admin.get(matching_url(query="level=ERROR"))
    html = preview.content.decode()
    assert preview.status_code == 200 and "Delete 1 matching log of Proc A?" in html
    assert "&lt;b&gt;err&lt;/b&gt;" in html and "info" not in html
    assert Log.objects.count() == 3

    response = as_admin.post(
        matching_url(query="level=ERROR"), {"as_of": preview.context["as_of"].isoformat()}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("logs:process", args=["Proc A"]) + "?level=ERROR"
    assert set(Log.objects.values_list("log_message", flat=True)) == {"info", "other process"}
    entry = AuditEntry.objects.get()
    assert entry.action == "logs.delete_matching" and entry.count == 1
    assert "process_name = Proc A" in entry.filter_used and "level=ERROR" in entry.filter_used


@oo_db
def test_lines_written_after_the_preview_are_kept(as_admin):
    make_log(message="seen", at=NOW - dt.timedelta(minutes=1))
    as_of = NOW - dt.timedelta(seconds=30)
    make_log(message="written after the preview", at=NOW)
    as_admin.post(matching_url(), {"as_of": as_of.isoformat()})
    assert list(Log.objects.values_list("log_message", flat=True)) == ["written after the preview"]


@oo_db
def test_matching_above_the_threshold_needs_the_process_name_typed(as_admin, settings):
    settings.CONSOLE_BULK_CONFIRM_THRESHOLD = 2
    for _ in range(3):
        make_log()
    as_of = NOW.isoformat()
    refused = as_admin.post(matching_url(), {"as_of": as_of, "typed": "proc a"})
    assert refused.status_code == 400 and Log.objects.count() == 3
    assert "Type “Proc A” exactly" in refused.content.decode()
    done = as_admin.post(matching_url(), {"as_of": as_of, "typed": "Proc A"})
    assert done.status_code == 302 and Log.objects.count() == 0


@oo_db
def test_matching_deletes_at_most_the_cap_per_confirmation(as_admin, settings):
    settings.CONSOLE_COUNT_CAP = 100  # the smallest the settings allow
    settings.CONSOLE_BULK_BATCH_SIZE = 30
    settings.CONSOLE_BULK_CONFIRM_THRESHOLD = 1000
    for i in range(105):
        make_log(message=str(i))
    preview = as_admin.get(matching_url())
    assert "Delete 100+ matching logs" in preview.content.decode()
    response = as_admin.post(matching_url(), {"as_of": NOW.isoformat()}, follow=True)
    assert Log.objects.count() == 5
    assert "At most 100 are deleted per confirmation" in response.content.decode()


@oo_db
def test_an_invalid_filter_deletes_nothing(as_admin):
    make_log()
    response = as_admin.post(matching_url(query="level=NOPE"), {"as_of": NOW.isoformat()})
    assert response.status_code == 302 and Log.objects.count() == 1
    assert not AuditEntry.objects.exists()


@oo_db
def test_a_missing_or_bad_as_of_deletes_nothing(as_admin):
    make_log()
    assert as_admin.post(matching_url(), {}).status_code == 400
    assert as_admin.post(matching_url(), {"as_of": "soon"}).status_code == 400
    assert Log.objects.count() == 1 and not AuditEntry.objects.exists()


@oo_tx
def test_matching_logs_are_deleted_while_a_robot_writes_logs(as_admin, db_util, oo_url):
    """A robot writes log lines with OpenOrchestrator's db_util the whole time; the deletion (two
    batches, each a short transaction that takes the write lock first) and the robot both finish
    without an error, and the robot's lines are kept."""
    write_old_logs(db_util, 9_000, at=NOW - dt.timedelta(days=3))
    robot = RobotLogger(oo_url)
    robot.start()
    try:
        response = as_admin.post(
            matching_url("Old Proc"), {"as_of": NOW.isoformat(), "typed": "Old Proc"}, follow=True
        )
    finally:
        robot.stop()
    assert robot.errors == [] and robot.written > 0
    assert response.status_code == 200
    assert "Deleted 9,000 matching logs of “Old Proc”." in response.content.decode()
    assert not Log.objects.filter(process_name="Old Proc").exists()
    assert Log.objects.filter(process_name="Robot").count() == robot.written
    assert AuditEntry.objects.get().count == 9_000


# --- retention in words ---------------------------------------------------------------------------


@pytest.fixture
def aged_logs():
    for days in (100, 40, 10, 1):
        make_log(message=f"{days} days old", at=NOW - dt.timedelta(days=days))
    make_log("Proc B", message="other process, old", at=NOW - dt.timedelta(days=100))


def messages_left() -> list[str]:
    return sorted(Log.objects.values_list("log_message", flat=True))


@oo_db
def test_older_than_30_days_restates_process_cutoff_and_count_then_deletes_those(
    as_admin, aged_logs
):
    preview = as_admin.get(matching_url(query="older_than=30"))
    page = preview.content.decode()
    cutoff = datetime_text(NOW - dt.timedelta(days=30))
    assert f"Delete 2 logs of Proc A older than 30 days (written before {cutoff})?" in page
    assert re.search(r'<input type="radio" name="older_than" value="30"[^>]* checked>', page)
    assert len(messages_left()) == 5

    response = as_admin.post(
        matching_url(query="older_than=30"), {"as_of": preview.context["as_of"].isoformat()}
    )
    assert response["Location"] == reverse("logs:process", args=["Proc A"]) + "?"
    assert messages_left() == ["1 days old", "10 days old", "other process, old"]
    entry = AuditEntry.objects.get()
    assert entry.count == 2 and "log_time < 2026-10-26 10:30:15.123456" in entry.filter_used


@oo_db
def test_the_cutoff_counts_back_from_the_preview_not_from_the_click(as_admin):
    as_of = NOW - dt.timedelta(hours=1)
    make_log(
        message="30 days before the preview, not yet",
        at=as_of - dt.timedelta(days=30) + dt.timedelta(minutes=5),
    )
    make_log(message="older", at=as_of - dt.timedelta(days=31))
    as_admin.post(matching_url(query="older_than=30"), {"as_of": as_of.isoformat()})
    assert messages_left() == ["30 days before the preview, not yet"]


@oo_db
def test_before_a_date_deletes_what_was_written_before_its_midnight(as_admin, aged_logs):
    query = "older_than=date&before=2026-11-15"
    page = as_admin.get(matching_url(query=query)).content.decode()
    assert "Delete 2 logs of Proc A written before 15-11-2026 00:00:00?" in page
    as_admin.post(matching_url(query=query), {"as_of": NOW.isoformat()})
    assert messages_left() == ["1 days old", "10 days old", "other process, old"]


@oo_db
def test_retention_combines_with_the_filter(as_admin):
    make_log(level=LogLevel.ERROR, message="old error", at=NOW - dt.timedelta(days=8))
    make_log(level=LogLevel.INFO, message="old info", at=NOW - dt.timedelta(days=8))
    make_log(level=LogLevel.ERROR, message="new error", at=NOW - dt.timedelta(days=1))
    query = "level=ERROR&older_than=7"
    page = as_admin.get(matching_url(query=query)).content.decode()
    assert "Delete 1 log of Proc A older than 7 days" in page
    assert '<input type="hidden" name="level" value="ERROR">' in page  # the choice keeps the filter
    response = as_admin.post(matching_url(query=query), {"as_of": NOW.isoformat()}, follow=True)
    assert messages_left() == ["new error", "old info"]
    assert "Deleted 1 matching log of “Proc A”, older than 7 days" in response.content.decode()


@oo_db
@pytest.mark.parametrize(
    "query", ["older_than=date", "older_than=45", "older_than=date&before=1066-10-14"]
)
def test_an_unfinished_or_unknown_choice_counts_and_deletes_nothing(as_admin, aged_logs, query):
    preview = as_admin.get(matching_url(query=query))
    assert preview.status_code == 400 and "Choose how old" in preview.content.decode()
    response = as_admin.post(matching_url(query=query), {"as_of": NOW.isoformat()})
    assert response.status_code == 400
    assert len(messages_left()) == 5 and not AuditEntry.objects.exists()
