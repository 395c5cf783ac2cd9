"""The audit trail: written by audit.record, shown read-only on /audit/ and in the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client

from orchestrator_site import audit
from orchestrator_site.identity import Identity, signed_in_environ
from orchestrator_site.models import AuditEntry
from tests.helpers import NOW, oo_db


def entry(action="queue.retry", username="test\\otto", at=NOW, **fields) -> AuditEntry:
    values = {"target_type": "queue element", "count": 1, **fields}
    return AuditEntry.objects.create(at=at, username=username, action=action, **values)


def actions_listed(response) -> list[str]:
    """The actions of the rows the page lists, in their order (the action filter's options
    name every action too, so the page's text would not do)."""
    return [row.record.action for row in response.context["table"].page.object_list]


@pytest.mark.django_db
def test_record_writes_one_row_with_who_when_what(monkeypatch):
    monkeypatch.setattr("orchestrator_site.clock.now", lambda: NOW)
    user = User.objects.create(username="test\\otto")
    row = audit.record(
        user=user,
        action="queue.retry",
        target_type="queue element",
        targets=["a", "b"],
        filter_used="queue=Q1&status=FAILED",
        count=2,
        outcome=audit.AuditOutcome.PARTIAL,
        reason="rerun after fix",
    )
    row.refresh_from_db()
    assert (row.at, row.user, row.username, row.count) == (NOW, user, "test\\otto", 2)
    assert row.target_ids == "a\nb"
    assert row.outcome == "partial"
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_record_without_a_user_says_system():
    assert audit.record(user=None, action="cleanup").username == "system"


@oo_db
def test_the_audit_page_shows_the_trail_to_a_viewer(as_viewer, django_assert_max_num_queries):
    entry(action="queue.retry", reason="after the fix")
    entry(action="trigger.pause", username="test\\ada")
    as_viewer.get("/audit/")  # sign in first
    with django_assert_max_num_queries(8):
        response = as_viewer.get("/audit/")
    assert response.status_code == 200
    body = response.content.decode()
    # Actions in words (the code is what the Action filter sends).
    from orchestrator_site.audit_targets import action_label

    assert action_label("queue.retry") in body and action_label("trigger.pause") in body
    assert "after the fix" in body


@oo_db
def test_the_audit_page_filters(as_viewer):
    entry(action="queue.retry")
    entry(action="trigger.pause", username="test\\ada", outcome="refused")
    entry(action="logs.delete", at=NOW - dt.timedelta(days=3))
    assert actions_listed(as_viewer.get("/audit/", {"username": "ada"})) == ["trigger.pause"]
    assert actions_listed(as_viewer.get("/audit/", {"outcome": "refused"})) == ["trigger.pause"]
    after = (NOW - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert actions_listed(as_viewer.get("/audit/", {"after": after})) == [
        "trigger.pause",  # newest first; written at the same moment: the later row first
        "queue.retry",
    ]


@oo_db
def test_an_invalid_filter_shows_errors_and_no_rows(as_viewer):
    entry(action="queue.retry")
    response = as_viewer.get("/audit/", {"outcome": "nonsense", "after": "yesterday"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "queue.retry" not in body
    assert "errorlist" in body


@oo_db
def test_the_audit_page_sorts_only_by_declared_columns(as_viewer):
    entry(action="a.first", at=NOW - dt.timedelta(hours=1))
    entry(action="b.second", at=NOW)
    body = as_viewer.get("/audit/", {"sort": "at"}).content.decode()
    assert body.index("a: first") < body.index("b: second")  # the actions in words
    response = as_viewer.get("/audit/", {"sort": "reason"})
    assert response.status_code == 200


@oo_db
def test_the_audit_page_is_read_only(as_viewer, as_admin):
    for client in (as_viewer, as_admin):
        for method in ("post", "put", "delete"):
            assert getattr(client, method)("/audit/").status_code == 405


@oo_db
def test_the_audit_page_needs_a_role_with_audit_access(as_outsider):
    keeper_only = Client(**signed_in_environ(Identity("TEST\\Kai", ("TEST\\rpa-vault",))))
    assert keeper_only.get("/audit/").status_code == 403
    assert as_outsider.get("/audit/").status_code == 403


@oo_db
def test_the_audit_admin_is_read_only(as_operator):
    row = entry(action="queue.retry", reason="why")
    base = "/admin/orchestrator_site/auditentry/"
    assert as_operator.get(base).status_code == 200
    assert as_operator.get(base, {"q": "retry", "outcome__exact": "ok"}).status_code == 200
    response = as_operator.get(f"{base}{row.pk}/change/")
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    assert as_operator.post(f"{base}{row.pk}/change/", {"reason": "edited"}).status_code == 403
    assert as_operator.get(f"{base}add/").status_code == 403
    assert as_operator.post(f"{base}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    # The list offers no action at all; a forged delete_selected just shows the list again.
    bulk = as_operator.post(base, {"action": "delete_selected", "_selected_action": [row.pk]})
    assert bulk.status_code == 200 and b'name="action"' not in bulk.content
    row.refresh_from_db()
    assert row.reason == "why"
    assert AuditEntry.objects.filter(pk=row.pk).exists()


@oo_db
def test_an_automation_admin_can_block_a_user_in_the_admin_and_it_is_audited(as_admin, as_viewer):
    assert as_viewer.get("/audit/").status_code == 200
    as_admin.get("/admin/")
    vera = User.objects.get(username="test\\vera")
    response = as_admin.post(
        "/admin/auth/user/", {"action": "block_users", "_selected_action": [vera.pk]}, follow=True
    )
    assert "Blocked 1 of 1 users." in response.content.decode()
    assert as_viewer.get("/audit/").status_code == 403
    row = AuditEntry.objects.get(action="user.block")
    assert (row.username, row.target_ids, row.count) == ("test\\ada", "test\\vera", 1)


@oo_db
def test_blocking_a_selection_that_includes_yourself_says_you_stay_unblocked(as_admin, as_viewer):
    as_viewer.get("/audit/")
    as_admin.get("/admin/")
    ada, vera = User.objects.get(username="test\\ada"), User.objects.get(username="test\\vera")
    response = as_admin.post(
        "/admin/auth/user/",
        {"action": "block_users", "_selected_action": [ada.pk, vera.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "Blocked 1 of 2 users." in page
    assert "You were left unblocked: nobody can lock themselves out." in page
    assert User.objects.get(pk=ada.pk).is_active and not User.objects.get(pk=vera.pk).is_active


@oo_db
def test_the_user_admin_changes_nothing_but_is_active(as_admin, as_viewer):
    as_viewer.get("/audit/")
    vera = User.objects.get(username="test\\vera")
    url = f"/admin/auth/user/{vera.pk}/change/"
    response = as_admin.post(url, {"is_active": "", "is_superuser": "on", "is_staff": "on"})
    assert response.status_code == 302
    vera.refresh_from_db()
    assert (vera.is_active, vera.is_superuser, vera.is_staff) == (False, False, False)
    assert AuditEntry.objects.filter(action="user.block", target_ids="test\\vera").count() == 1
    assert as_admin.get("/admin/auth/user/add/").status_code == 403
    assert as_admin.post(f"/admin/auth/user/{vera.pk}/delete/", {"post": "yes"}).status_code == 403


@oo_db
def test_nobody_blocks_themselves(as_admin):
    as_admin.get("/admin/")
    ada = User.objects.get(username="test\\ada")
    as_admin.post("/admin/auth/user/", {"action": "block_users", "_selected_action": [ada.pk]})
    ada.refresh_from_db()
    assert ada.is_active


@oo_db
def test_an_operator_cannot_see_users(as_operator):
    assert as_operator.get("/admin/auth/user/").status_code == 403
