"""Read-only Log and Job admins: no add/change/delete; the only deletion is the audited action."""

from __future__ import annotations

from django.urls import reverse

from logs.models import Log
from orchestrator_site.models import AuditEntry
from tests.helpers import make_job, make_log, oo_db

CHANGELIST = reverse("admin:logs_log_changelist")


@oo_db
def test_the_log_admin_lists_filters_and_searches_without_counting(as_admin):
    make_log("Proc A", message="<script>x</script>")
    make_log("Proc B")
    response = as_admin.get(CHANGELIST, {"q": '"Proc A"'})
    assert response.status_code == 200
    cl = response.context["cl"]
    assert cl.result_count == 1 and cl.show_full_result_count is False
    assert "<script>x" not in response.content.decode()
    assert as_admin.get(CHANGELIST, {"q": "not-a-uuid"}).status_code == 200
    assert as_admin.get(CHANGELIST, {"log_level__exact": "ERROR"}).status_code == 200


@oo_db
def test_the_admins_are_read_only(as_admin):
    log = make_log()
    job = make_job()
    assert as_admin.get(reverse("admin:logs_log_add")).status_code == 403
    assert as_admin.get(reverse("admin:logs_log_delete", args=[log.pk])).status_code == 403
    assert as_admin.post(reverse("admin:logs_log_change", args=[log.pk]), {}).status_code == 403
    assert as_admin.get(reverse("admin:triggers_job_changelist")).status_code == 200
    assert as_admin.get(reverse("admin:triggers_job_delete", args=[job.pk])).status_code == 403
    assert Log.objects.count() == 1


@oo_db
def test_the_audited_action_confirms_then_deletes(as_admin):
    logs = [make_log() for _ in range(2)]
    data = {"action": "delete_logs_audited", "_selected_action": [str(x.pk) for x in logs]}
    confirm = as_admin.post(CHANGELIST, data)
    assert confirm.status_code == 200 and b"Delete 2 logs?" in confirm.content
    assert Log.objects.count() == 2
    done = as_admin.post(CHANGELIST, {**data, "post": "yes"})
    assert done.status_code == 302 and Log.objects.count() == 0
    entry = AuditEntry.objects.get()
    assert entry.action == "logs.delete_selected" and entry.count == 2


@oo_db
def test_operators_see_logs_but_cannot_use_the_action(as_operator):
    log = make_log()
    response = as_operator.get(CHANGELIST)
    assert response.status_code == 200
    assert b"delete_logs_audited" not in response.content
    data = {"action": "delete_logs_audited", "_selected_action": [str(log.pk)], "confirm": "yes"}
    as_operator.post(CHANGELIST, data)
    assert Log.objects.count() == 1 and not AuditEntry.objects.exists()


@oo_db
def test_the_admin_search_is_exact_by_process_or_job_id(as_admin):
    job = make_job()
    make_log("Proc A", message="in job", job_id=job.pk)
    make_log("Proc AB", message="other")
    make_log("proc a", message="lower")

    def found(term):
        response = as_admin.get(CHANGELIST, {"q": term})
        return sorted(x.log_message for x in response.context["cl"].result_list)

    assert found("Proc A") == ["in job"]
    assert found(str(job.pk)) == ["in job"]
    assert found("Proc") == []
    job_list = reverse("admin:triggers_job_changelist")
    assert as_admin.get(job_list, {"q": "SCHED-1"}).context["cl"].result_count == 1


@oo_db
def test_the_log_admin_shows_the_real_error_of_a_failed_job(as_admin):
    make_log(
        "Proc A",
        level="ERROR",
        message="An uncaught error ocurred during the process:\nValueError: CPR mangler",
    )
    html = as_admin.get(CHANGELIST).content.decode()
    assert "ValueError: CPR mangler" in html
    assert "An uncaught error ocurred" not in html
