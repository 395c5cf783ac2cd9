"""The alert rule pages: who may see and change what, the forms' refusals, the audit trail, and the
webhook URL that is never shown again once saved."""

from __future__ import annotations

import datetime as dt

import pytest

from alerts.models import AlertRule, Delivery, DeliveryStatus, Event, Incident, RuleKind
from orchestrator_site.audit import recorded_names, what_lines
from orchestrator_site.models import AuditEntry
from tests.alerts.conftest import WEBHOOK_KEY, make_rule
from tests.conftest import persona_client
from tests.helpers import NOW, oo_db

LIST = "/alerts/"
HOOK = f"https://prod-12.westeurope.logic.azure.com/workflows/{WEBHOOK_KEY}/triggers?sig=xyz789"


def create_url(kind: str = RuleKind.PROCESS_ERRORS) -> str:
    return f"/alerts/new/{kind}/"


def rule_data(**changes) -> dict:
    data = {
        "name": "Invoices errors",
        "target": "Invoices",
        "threshold": "5",
        "minutes": "15",
        "email_to": "ops@example.com\r\nrpa@example.com",
        "webhook_url": "",
        "webhook_format": "teams",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr("orchestrator_site.clock.now", lambda: NOW)
    return NOW


# --- Who may do what ---------------------------------------------------------------------------


@oo_db
def test_a_viewer_sees_the_rules_and_the_history_but_no_way_to_change_them(as_viewer):
    rule = make_rule(name="Nightly <b>errors</b>", target="Proc A", email_to="ops@example.com")
    listing = as_viewer.get(LIST).content.decode()
    detail = as_viewer.get(f"/alerts/{rule.pk}/").content.decode()
    history = as_viewer.get("/alerts/history/")
    assert "Nightly &lt;b&gt;errors&lt;/b&gt;" in listing and "<b>errors" not in listing
    assert "1 or more errors in 15 min, logged by the process “Proc A”" in listing
    assert "ops@example.com" in detail
    assert history.status_code == 200
    for body in (listing, detail):
        assert "New alert rule" not in body
        assert "/edit/" not in body and "/mute/" not in body and "/delete/" not in body


@oo_db
def test_the_navigation_has_alerts(as_viewer):
    body = as_viewer.get("/").content.decode()
    assert '<a href="/alerts/">Alerts</a>' in body
    assert 'href="/alerts/" aria-current="page">Alerts<' in as_viewer.get(LIST).content.decode()


@oo_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/alerts/new/"),
        ("post", "/alerts/new/process_errors/"),
        ("post", "/alerts/{pk}/edit/"),
        ("post", "/alerts/{pk}/mute/"),
        ("post", "/alerts/{pk}/unmute/"),
        ("post", "/alerts/{pk}/delete/"),
    ],
)
def test_an_operator_cannot_change_rules(as_operator, method, path):
    rule = make_rule(name="Keep me", email_to="ops@example.com")
    response = getattr(as_operator, method)(
        path.format(pk=rule.pk), {**rule_data(name="Changed"), "duration": "1", "version": "1"}
    )
    assert response.status_code == 403
    rule.refresh_from_db()
    assert rule.name == "Keep me" and rule.muted_until is None
    assert not AuditEntry.objects.filter(action__startswith="alert_rule.").exists()


@oo_db
def test_an_admin_creates_a_rule_and_it_is_audited(as_admin, frozen_now):
    menu = as_admin.get("/alerts/new/").content.decode()
    assert 'href="/alerts/new/queue_failures/"' in menu
    response = as_admin.post(create_url(), rule_data(target=" Invoices\t"))
    rule = AlertRule.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/alerts/{rule.pk}/"
    assert (rule.kind, rule.target, rule.threshold, rule.minutes) == (
        RuleKind.PROCESS_ERRORS,
        " Invoices\t",  # a name is data: kept exactly as typed
        5,
        15,
    )
    assert rule.emails == ["ops@example.com", "rpa@example.com"]
    assert rule.created_at == NOW and rule.created_by == "test\\ada"
    (entry,) = audit("alert_rule.create")
    assert (entry.username, entry.target_ids, entry.outcome) == ("test\\ada", str(rule.pk), "ok")
    assert recorded_names(entry) == ["Invoices errors"]
    assert what_lines(entry) == [
        "kind: Errors logged by a process",
        "name: “Invoices errors”",
        "target: “ Invoices\t”",
        "threshold: 5",
        "minutes: 15",
        "email to: “ops@example.com\nrpa@example.com”",
    ]
    trail = as_admin.get("/audit/").content.decode()
    assert f'alert rule <a href="/alerts/{rule.pk}/">Invoices errors</a>' in trail


@oo_db
def test_each_kind_asks_only_what_it_uses(as_admin):
    scheduler = as_admin.get(create_url(RuleKind.SCHEDULER_SILENT)).content.decode()
    trigger = as_admin.get(create_url(RuleKind.TRIGGER_PROBLEM)).content.decode()
    assert 'name="minutes"' in scheduler and 'name="threshold"' not in scheduler
    assert "Not seen for more than minutes" in scheduler
    assert 'name="minutes"' not in trigger and 'name="threshold"' not in trigger
    assert as_admin.get(create_url("bogus")).status_code == 404


# --- Refusals ----------------------------------------------------------------------------------


@oo_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email_to": "ops@example.com, not an address"}, "Not an e-mail address: not an address"),
        ({"email_to": ""}, "Give e-mail addresses or a webhook URL (or both)"),
        ({"webhook_url": "ftp://files.example/hook"}, "Give a whole http:// or https:// URL"),
        ({"webhook_url": "javascript:alert(1)"}, "Give a whole http:// or https:// URL"),
        ({"threshold": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"minutes": "10081"}, "Ensure this value is less than or equal to 10080."),
        ({"minutes": "ten"}, "Enter a whole number."),
        ({"target": "   "}, "A name of only spaces is surely a slip"),
        ({"name": ""}, "This field is required."),
        ({"webhook_format": "slack"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_with_the_form_and_nothing_is_saved(as_admin, changes, message):
    response = as_admin.post(create_url(), rule_data(**changes))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved." in body and message in body
    assert not AlertRule.objects.exists()
    assert not audit("alert_rule.create")


@oo_db
def test_a_duplicate_name_is_a_form_error(as_admin):
    make_rule(name="Invoices errors", email_to="a@example.com")
    body = as_admin.post(create_url(), rule_data()).content.decode()
    assert "An alert rule with that name already exists." in body
    assert AlertRule.objects.count() == 1


@oo_db
def test_changes_need_the_csrf_token(frozen_now):
    strict = persona_client("admin", enforce_csrf_checks=True)
    rule = make_rule(name="Keep me", email_to="ops@example.com")
    assert strict.post(create_url(), rule_data()).status_code == 403
    assert strict.post(f"/alerts/{rule.pk}/delete/").status_code == 403
    assert strict.post(f"/alerts/{rule.pk}/mute/", {"duration": "1"}).status_code == 403
    assert list(AlertRule.objects.values_list("name", "muted_until")) == [("Keep me", None)]


# --- The webhook URL is a secret ------------------------------------------------------------------


@oo_db
def test_the_webhook_url_is_never_shown_again_after_saving(as_admin, as_viewer):
    as_admin.post(create_url(), rule_data(webhook_url=HOOK))
    rule = AlertRule.objects.get()
    assert rule.webhook_url == HOOK
    pages = [
        as_admin.get(LIST),
        as_admin.get(f"/alerts/{rule.pk}/"),
        as_admin.get(f"/alerts/{rule.pk}/edit/"),
        as_viewer.get(f"/alerts/{rule.pk}/"),
        as_admin.get("/audit/"),
    ]
    for page in pages:
        body = page.content.decode()
        assert WEBHOOK_KEY not in body and "sig=xyz789" not in body
    detail = pages[1].content.decode()
    assert "https://prod-12.westeurope.logic.azure.com/…" in detail
    assert (
        "Stored: https://prod-12.westeurope.logic.azure.com/… (hidden)" in pages[2].content.decode()
    )
    rows = AuditEntry.objects.values_list(
        "target_ids", "target_names", "changes", "detail", "reason", "filter_used"
    )
    assert rows and all(WEBHOOK_KEY not in " ".join(map(str, row)) for row in rows)
    (entry,) = audit("alert_rule.create")
    assert "webhook url: changed" in what_lines(entry)


@oo_db
def test_a_rejected_form_does_not_echo_the_typed_url(as_admin):
    body = as_admin.post(create_url(), rule_data(webhook_url=HOOK, threshold="0")).content.decode()
    assert "Nothing was saved." in body and WEBHOOK_KEY not in body


# --- Editing ------------------------------------------------------------------------------------


def _saved_rule(as_admin) -> AlertRule:
    as_admin.post(create_url(), rule_data(webhook_url=HOOK))
    return AlertRule.objects.get()


def _edit(client, rule: AlertRule, **changes):
    return client.post(f"/alerts/{rule.pk}/edit/", {**rule_data(version=rule.version), **changes})


@oo_db
def test_an_edit_with_an_empty_webhook_box_keeps_the_stored_url(as_admin):
    rule = _saved_rule(as_admin)
    response = _edit(as_admin, rule, threshold="9")
    rule.refresh_from_db()
    assert response.status_code == 302
    assert rule.threshold == 9 and rule.webhook_url == HOOK and rule.version == 2
    (entry,) = audit("alert_rule.change")
    assert what_lines(entry) == ["threshold: 5 → 9"]


@oo_db
def test_an_edit_replaces_or_removes_the_webhook_without_naming_it(as_admin):
    rule = _saved_rule(as_admin)
    _edit(as_admin, rule, webhook_url="https://other.example/hook/NEWKEY")
    rule.refresh_from_db()
    assert rule.webhook_url == "https://other.example/hook/NEWKEY"
    _edit(as_admin, rule, remove_webhook="on")
    rule.refresh_from_db()
    assert rule.webhook_url == ""
    assert [what_lines(e) for e in audit("alert_rule.change")] == [
        ["webhook url: changed"],
        ["webhook url: changed"],
    ]


@oo_db
def test_removing_the_only_channel_is_refused(as_admin):
    rule = _saved_rule(as_admin)
    body = _edit(as_admin, rule, email_to="", remove_webhook="on").content.decode()
    assert "Give e-mail addresses or a webhook URL (or both)" in body
    rule.refresh_from_db()
    assert rule.webhook_url == HOOK and rule.emails


@oo_db
def test_an_edit_over_someone_elses_change_is_refused(as_admin):
    rule = _saved_rule(as_admin)
    _edit(as_admin, rule, threshold="7")  # a colleague, from the same loaded form
    body = _edit(as_admin, rule, threshold="9").content.decode()
    assert "Someone else changed this alert rule while you edited it" in body
    rule.refresh_from_db()
    assert rule.threshold == 7
    assert [e.outcome for e in audit("alert_rule.change")] == ["ok", "refused"]


@oo_db
def test_an_unchanged_form_saves_nothing(as_admin):
    rule = _saved_rule(as_admin)
    response = _edit(as_admin, rule)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.version == 1 and not audit("alert_rule.change")


# --- Mute, unmute, delete ---------------------------------------------------------------------


@oo_db
def test_an_admin_mutes_for_a_while_and_unmutes(as_admin, frozen_now):
    rule = make_rule(name="Noisy", email_to="ops@example.com")
    response = as_admin.post(f"/alerts/{rule.pk}/mute/", {"duration": "4"})
    rule.refresh_from_db()
    assert response.status_code == 302
    assert rule.muted_until == NOW + dt.timedelta(hours=4) and rule.muted_by == "test\\ada"
    assert "until 25-11-2026 14:30" in as_admin.get(LIST).content.decode()
    as_admin.post(f"/alerts/{rule.pk}/unmute/")
    rule.refresh_from_db()
    assert rule.muted_until is None
    assert [e.action for e in AuditEntry.objects.order_by("id")] == [
        "alert_rule.mute",
        "alert_rule.unmute",
    ]
    assert what_lines(audit("alert_rule.mute")[0]) == ["muted until: empty → 25-11-2026 14:30:15"]


@oo_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"duration": "until", "until": "2026-11-25T09:00:00"}, "Choose a time in the future."),
        ({"duration": "until", "until": ""}, "Give the time the mute ends."),
        ({"duration": "5"}, "Select a valid choice."),
    ],
)
def test_a_mute_in_the_past_or_without_a_time_is_refused(as_admin, frozen_now, data, message):
    rule = make_rule(name="Noisy", email_to="ops@example.com")
    body = as_admin.post(f"/alerts/{rule.pk}/mute/", data).content.decode()
    assert message in body
    rule.refresh_from_db()
    assert rule.muted_until is None and not audit("alert_rule.mute")


@oo_db
def test_mute_until_a_time(as_admin, frozen_now):
    rule = make_rule(name="Noisy", email_to="ops@example.com")
    as_admin.post(f"/alerts/{rule.pk}/mute/", {"duration": "until", "until": "2026-11-26T07:00"})
    rule.refresh_from_db()
    assert rule.muted_until == dt.datetime(2026, 11, 26, 7, 0)


@oo_db
def test_delete_asks_first_then_keeps_the_history(as_admin, frozen_now):
    rule = make_rule(name="Old rule", email_to="ops@example.com")
    rule_pk = rule.pk
    incident = Incident.objects.create(
        rule=rule,
        subject_key="q",
        subject="Queue “q”",
        summary="3 failed",
        link="/queues/",
        opened_at=NOW,
        last_seen_at=NOW,
    )
    common = {"rule": rule, "rule_name": rule.name, "subject": incident.subject, "channel": "email"}
    sent = Delivery.objects.create(
        incident=incident,
        event=Event.FIRING,
        destination="ops@example.com",
        title="sent",
        status=DeliveryStatus.OK,
        created_at=NOW,
        **common,
    )
    waiting = Delivery.objects.create(
        incident=incident,
        event=Event.RESOLVED,
        destination="ops@example.com",
        title="waiting",
        created_at=NOW,
        next_attempt_at=NOW,
        **common,
    )
    page = as_admin.get(f"/alerts/{rule.pk}/delete/").content.decode()
    assert "Delete the alert rule “Old rule”?" in page and "It has 1 open incident" in page
    assert AlertRule.objects.exists()

    response = as_admin.post(f"/alerts/{rule.pk}/delete/")

    assert response.status_code == 302 and response["Location"] == LIST
    assert not AlertRule.objects.exists() and not Incident.objects.exists()
    sent.refresh_from_db()
    waiting.refresh_from_db()
    assert sent.status == DeliveryStatus.OK and sent.rule_name == "Old rule"
    assert waiting.status == DeliveryStatus.CANCELLED and waiting.error == "The rule was deleted."
    assert "Old rule" in as_admin.get("/alerts/history/").content.decode()
    (entry,) = audit("alert_rule.delete")
    assert (entry.target_ids, entry.count) == (str(rule_pk), 1)
    assert recorded_names(entry) == ["Old rule"]
    assert "alert rule Old rule (deleted)" in as_admin.get("/audit/").content.decode()


@oo_db
def test_a_missing_rule_is_404(as_admin):
    for path in ("/alerts/999/", "/alerts/999/edit/", "/alerts/999/mute/", "/alerts/999/delete/"):
        assert as_admin.get(path).status_code == 404


@oo_db
def test_the_pages_say_what_keeps_alerts_from_going_out(as_viewer, settings):
    settings.CONSOLE_BASE_URL = ""
    settings.EMAIL_HOST = ""
    body = as_viewer.get(LIST).content.decode()
    assert "CONSOLE_BASE_URL is not set" in body and "E-mail is not configured" in body
    settings.CONSOLE_BASE_URL = "https://console.test"
    settings.EMAIL_HOST = "smtp.example"
    body = as_viewer.get(LIST).content.decode()
    assert "CONSOLE_BASE_URL is not set" not in body and "E-mail is not configured" not in body
