"""`manage.py alerts --once` end to end: OpenOrchestrator's own code writes the rows, the command
reads them, and the alerts arrive at a real SMTP server and a real HTTP receiver on loopback.

For each kind of rule: the condition becomes true and exactly one alert arrives on each channel
(a second pass sends nothing more); the condition clears and exactly one resolved notice arrives.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from OpenOrchestrator.database.logs import LogLevel as OOLogLevel
from OpenOrchestrator.database.queues import QueueStatus as OOQueueStatus
from OpenOrchestrator.database.triggers import TriggerStatus as OOTriggerStatus

from alerts.models import Delivery, DeliveryStatus, Incident, RuleKind, WebhookFormat
from tests.alerts.conftest import BASE_URL, WEBHOOK_KEY, Clock, make_rule, run_alerts
from tests.helpers import oo_tx

OPS = "ops@example.com"
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


def fail_elements(db_util, queue: str, count: int) -> None:
    """`count` elements of `queue` taken and failed, as a robot does it."""
    for i in range(count):
        element = db_util.create_queue_element(queue, f"ref-{uuid.uuid4().hex[:6]}-{i}")
        db_util.set_queue_element_status(element.id, OOQueueStatus.IN_PROGRESS)
        db_util.set_queue_element_status(element.id, OOQueueStatus.FAILED, "it broke")


def single_trigger(db_util, name: str, clock: Clock) -> uuid.UUID:
    return db_util.create_single_trigger(
        name, "Proc T", clock.now(), "C:/robots/t/main.py", "", False, True, 0
    )


@dataclass
class Scenario:
    """A rule, what makes its condition true, and what makes it clear again."""

    kind: str
    rule: dict
    happen: Callable  # (db_util, clock) -> None
    clear: Callable  # (db_util, clock) -> None
    subject: str  # what the alert's title starts with
    summary: str  # and what it says after that
    link: str  # the page it links to, under BASE_URL


def _errors(db_util, clock):
    for i in range(3):
        db_util.create_log("Proc A", OOLogLevel.ERROR, None, f"Traceback {i}")
    db_util.create_log("Proc A", OOLogLevel.INFO, None, "not an error")
    db_util.create_log("Proc B", OOLogLevel.ERROR, None, "another process")


def _failures(db_util, clock):
    fail_elements(db_util, "Kø æøå", 2)
    fail_elements(db_util, "Other queue", 1)


def _silence(db_util, clock):
    db_util.send_ping_from_scheduler("SCHED-1")
    clock.advance(minutes=11)


def _ping(db_util, clock):
    db_util.send_ping_from_scheduler("SCHED-1")


def _failed_trigger(db_util, clock):
    trigger_id = single_trigger(db_util, "Nightly run", clock)
    db_util.set_trigger_status(trigger_id, OOTriggerStatus.FAILED)


def _resumed_trigger(db_util, clock):
    (trigger,) = [t for t in db_util.get_all_triggers() if t.trigger_name == "Nightly run"]
    db_util.set_trigger_status(trigger.id, OOTriggerStatus.IDLE)


def _stuck_trigger(db_util, clock):
    """A Scheduler starts the trigger and its job, then stops pinging (it crashed)."""
    trigger_id = single_trigger(db_util, "Nightly run", clock)
    assert db_util.begin_single_trigger(trigger_id)
    db_util.start_trigger_from_machine("SCHED-1", "Nightly run")
    db_util.start_job("Proc T", "SCHED-1")
    clock.advance(minutes=6)  # past CONSOLE_SCHEDULER_STALE_SECONDS: offline


def _window_passes(db_util, clock):
    clock.advance(minutes=11)


SCENARIOS = [
    Scenario(
        RuleKind.PROCESS_ERRORS,
        {"target": "Proc A", "threshold": 3, "minutes": 10},
        _errors,
        _window_passes,
        "Process “Proc A”",
        "3 errors in the last 10 min",
        "/logs/process/Proc%20A/?start=",
    ),
    Scenario(
        RuleKind.QUEUE_FAILURES,
        {"target": "Kø æøå", "threshold": 2, "minutes": 10},
        _failures,
        _window_passes,
        "Queue “Kø æøå”",
        "2 failed elements in the last 10 min",
        "/queues/failed/?queue=K%C3%B8+%C3%A6%C3%B8%C3%A5&since=",
    ),
    Scenario(
        RuleKind.SCHEDULER_SILENT,
        {"target": "SCHED-1", "minutes": 10},
        _silence,
        _ping,
        "Scheduler “SCHED-1”",
        "last seen",
        "/schedulers/",
    ),
    Scenario(
        RuleKind.TRIGGER_PROBLEM,
        {"target": "Nightly run"},
        _failed_trigger,
        _resumed_trigger,
        "Trigger “Nightly run”",
        "Failed",
        "/triggers/",
    ),
    Scenario(
        RuleKind.TRIGGER_PROBLEM,
        {},
        _stuck_trigger,
        _ping,  # its Scheduler is back: it will move the trigger again
        "Trigger “Nightly run”",
        "stuck: ",
        "/triggers/",
    ),
]


@pytest.mark.parametrize(
    "scenario", SCENARIOS, ids=["errors", "failures", "scheduler", "failed-trigger", "stuck"]
)
@oo_tx
def test_one_alert_per_incident_then_one_resolved_notice(scenario, db_util, inbox, receiver, clock):
    rule = make_rule(
        scenario.kind,
        email_to=OPS,
        webhook_url=receiver.url,
        webhook_format="json",
        **scenario.rule,
    )
    scenario.happen(db_util, clock)
    first = run_alerts()
    second = run_alerts()

    assert not first.failed and not second.failed, first.output + second.output
    assert "1 opened" in first.output and "2 sent" in first.output
    assert "0 opened" in second.output and "0 sent" in second.output
    (mail,) = inbox.messages
    assert mail.recipients == [OPS] and mail.sender == "alerts@console.test"
    assert mail.subject.startswith(f"[OpenOrchestrator] {scenario.subject}: ")
    assert scenario.summary in mail.subject
    assert f"Open in the console: {BASE_URL}{scenario.link}" in mail.body
    assert rule.condition_text() in mail.body
    (alert,) = receiver.payloads
    assert alert["event"] == "firing" and alert["rule"] == rule.name
    assert alert["subject"] == scenario.subject and scenario.summary in alert["summary"]
    assert alert["url"].startswith(BASE_URL + scenario.link)
    assert alert["window_minutes"] == rule.minutes
    incident = Incident.objects.get(rule=rule)
    assert incident.notified_at is not None and incident.resolved_at is None

    scenario.clear(db_util, clock)
    resolved = run_alerts()
    again = run_alerts()

    assert "1 resolved" in resolved.output and "2 sent" in resolved.output
    assert "0 resolved" in again.output and "0 sent" in again.output
    assert len(inbox.messages) == 2 and len(receiver.requests) == 2
    notice = inbox.messages[1]
    assert notice.subject == f"[OpenOrchestrator] Resolved: {scenario.subject}"
    assert f"Open in the console: {BASE_URL}{scenario.link}" in notice.body
    assert receiver.payloads[1]["event"] == "resolved"
    assert receiver.payloads[1]["resolved_at"] == clock.now().isoformat()
    incident.refresh_from_db()
    assert incident.resolved_at == clock.now() and incident.resolved_notified_at == clock.now()
    assert Delivery.objects.filter(status=DeliveryStatus.OK).count() == 4


@oo_tx
def test_the_counts_and_the_window_are_in_the_alert(db_util, inbox, clock):
    make_rule(RuleKind.PROCESS_ERRORS, target="Proc A", threshold=3, minutes=10, email_to=OPS)
    _errors(db_util, clock)
    run_alerts()
    (mail,) = inbox.messages
    assert mail.subject == "[OpenOrchestrator] Process “Proc A”: 3 errors in the last 10 min"
    assert "Condition: 3 or more errors in 10 min, logged by the process “Proc A”" in mail.body
    assert "&level=ERROR" in mail.body


@oo_tx
def test_below_the_threshold_nothing_is_sent(db_util, inbox, clock):
    make_rule(RuleKind.PROCESS_ERRORS, target="Proc A", threshold=4, minutes=10, email_to=OPS)
    _errors(db_util, clock)  # three errors
    assert "0 opened" in run_alerts().output
    assert inbox.messages == [] and not Incident.objects.exists()


@oo_tx
def test_any_queue_alerts_once_for_each_queue_that_crossed_it(db_util, inbox, receiver, clock):
    make_rule(
        RuleKind.QUEUE_FAILURES,
        threshold=1,
        minutes=10,
        webhook_url=receiver.url,
        webhook_format=WebhookFormat.JSON,
    )
    _failures(db_util, clock)
    run_alerts()
    run_alerts()
    assert sorted(p["subject"] for p in receiver.payloads) == [
        "Queue “Kø æøå”",
        "Queue “Other queue”",
    ]
    assert sorted(p["count"] for p in receiver.payloads) == [1, 2]


@oo_tx
def test_a_muted_rule_sends_nothing_but_still_tracks_the_incident(db_util, inbox, receiver, clock):
    rule = make_rule(
        RuleKind.TRIGGER_PROBLEM,
        email_to=OPS,
        webhook_url=receiver.url,
        muted_until=clock.now() + dt.timedelta(hours=1),
    )
    _failed_trigger(db_util, clock)
    run_alerts()
    second = run_alerts()

    assert inbox.messages == [] and receiver.requests == []
    assert "2 held while muted" in second.output
    incident = Incident.objects.get(rule=rule)
    assert incident.resolved_at is None and incident.notified_at is None

    clock.advance(hours=1, seconds=1)  # the mute ends, the trigger is still FAILED
    run_alerts()
    assert len(inbox.messages) == 1 and len(receiver.requests) == 1


@oo_tx
def test_an_incident_that_clears_while_muted_is_never_announced(db_util, inbox, clock):
    make_rule(
        RuleKind.TRIGGER_PROBLEM, email_to=OPS, muted_until=clock.now() + dt.timedelta(hours=1)
    )
    _failed_trigger(db_util, clock)
    run_alerts()
    _resumed_trigger(db_util, clock)
    run_alerts()
    clock.advance(hours=2)
    run_alerts()
    assert inbox.messages == []
    (delivery,) = Delivery.objects.all()
    assert delivery.status == DeliveryStatus.CANCELLED
    assert delivery.error == "The condition cleared before the alert was delivered."


@oo_tx
def test_a_failed_webhook_is_reported_then_retried_at_the_next_pass(
    db_util, inbox, receiver, clock, settings
):
    settings.CONSOLE_ALERTS_RETRY_SECONDS = 60
    make_rule(
        RuleKind.TRIGGER_PROBLEM, email_to=OPS, webhook_url=receiver.url, webhook_format="json"
    )
    receiver.statuses = [500]
    _failed_trigger(db_util, clock)

    failed = run_alerts()

    assert failed.failed  # --once exits with 1
    assert "Failed (attempt 1, next at" in failed.output and "HTTP 500" in failed.output
    assert WEBHOOK_KEY not in failed.output and "sig=abc123" not in failed.output
    webhook = Delivery.objects.get(channel="webhook")
    assert webhook.status == DeliveryStatus.RETRYING and webhook.attempts == 1
    assert webhook.error == "HTTP 500 Internal Server Error: upstream broke"
    assert len(inbox.messages) == 1  # the e-mail went

    early = run_alerts()  # the retry waits its turn (60 s)
    assert "0 sent" in early.output and len(receiver.requests) == 1

    clock.advance(seconds=61)
    retried = run_alerts()

    assert not retried.failed and "1 sent" in retried.output
    webhook.refresh_from_db()
    assert webhook.status == DeliveryStatus.OK and webhook.attempts == 2 and webhook.error == ""
    assert [p["event"] for p in receiver.payloads] == ["firing", "firing"]
    assert len(inbox.messages) == 1


@oo_tx
def test_a_delivery_that_keeps_failing_is_given_up_and_said_so(db_util, receiver, clock, settings):
    settings.CONSOLE_ALERTS_MAX_ATTEMPTS = 2
    settings.CONSOLE_ALERTS_RETRY_SECONDS = 10
    make_rule(RuleKind.TRIGGER_PROBLEM, webhook_url=receiver.url)
    receiver.statuses = [503, 503, 503]
    _failed_trigger(db_util, clock)
    run_alerts()
    clock.advance(seconds=11)
    last = run_alerts()
    clock.advance(hours=2)
    after = run_alerts()

    assert last.failed and "FAILED for good after 2 attempts" in last.output
    assert "HTTP 503" in last.output
    (delivery,) = Delivery.objects.all()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 2
    assert len(receiver.requests) == 2 and "0 sent" in after.output


@oo_tx
def test_the_resolved_notice_goes_only_where_the_alert_arrived(db_util, inbox, receiver, clock):
    make_rule(RuleKind.TRIGGER_PROBLEM, email_to=OPS, webhook_url=receiver.url)
    receiver.statuses = [500]
    _failed_trigger(db_util, clock)
    run_alerts()
    _resumed_trigger(db_util, clock)
    run_alerts()

    assert [m.subject for m in inbox.messages] == [
        "[OpenOrchestrator] Trigger “Nightly run”: Failed",
        "[OpenOrchestrator] Resolved: Trigger “Nightly run”",
    ]
    assert len(receiver.requests) == 1  # the failed alert, not retried once the trigger recovered
    webhook = Delivery.objects.get(channel="webhook")
    assert webhook.status == DeliveryStatus.CANCELLED


@oo_tx
def test_unconfigured_email_is_a_failed_delivery_with_the_reason(db_util, clock, settings):
    settings.CONSOLE_BASE_URL = BASE_URL
    settings.EMAIL_HOST = ""
    make_rule(RuleKind.TRIGGER_PROBLEM, email_to=OPS)
    _failed_trigger(db_util, clock)
    run = run_alerts()
    assert run.failed and "E-mail is not configured: set CONSOLE_EMAIL_HOST" in run.output
    assert Delivery.objects.get().status == DeliveryStatus.RETRYING


@oo_tx
def test_a_pass_never_writes_the_openorchestrator_database(db_util, inbox, receiver, clock):
    make_rule(RuleKind.QUEUE_FAILURES, email_to=OPS, webhook_url=receiver.url)
    make_rule(RuleKind.TRIGGER_PROBLEM, name="triggers", email_to=OPS)
    make_rule(RuleKind.SCHEDULER_SILENT, name="schedulers", minutes=1, email_to=OPS)
    make_rule(RuleKind.PROCESS_ERRORS, name="errors", email_to=OPS)
    _failures(db_util, clock)
    _stuck_trigger(db_util, clock)
    _errors(db_util, clock)
    with CaptureQueriesContext(connections["orchestrator"]) as queries:
        run_alerts()
        clock.advance(hours=1)
        run_alerts()
    statements = [q["sql"] for q in queries.captured_queries]
    assert any(s.lstrip().upper().startswith("SELECT") for s in statements)
    assert [s for s in statements if WRITES.match(s)] == []
    assert len(inbox.messages) >= 4


@pytest.mark.no_orchestrator_db
def test_it_refuses_to_run_without_the_base_url(settings):
    settings.CONSOLE_BASE_URL = ""
    run = run_alerts()
    assert run.failed and "Set CONSOLE_BASE_URL" in run.output


HOSTILE = "Robot [click](https://evil.example) *now*\nline two"


@oo_tx
def test_teams_cards_carry_the_alert_with_names_shown_literally(db_util, inbox, receiver, clock):
    make_rule(
        RuleKind.PROCESS_ERRORS, name="cards", webhook_url=receiver.url, webhook_format="teams"
    )
    make_rule(
        RuleKind.PROCESS_ERRORS,
        name="legacy",
        webhook_url=receiver.url,
        webhook_format=WebhookFormat.MESSAGECARD,
        email_to=OPS,
    )
    db_util.create_log(HOSTILE, OOLogLevel.ERROR, None, "Traceback")
    run_alerts()

    assert {r.content_type for r in receiver.requests} == {"application/json; charset=utf-8"}
    adaptive, legacy = sorted(receiver.payloads, key=lambda p: "@type" in p)
    attachment = adaptive["attachments"][0]
    assert adaptive["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["body"][0]["color"] == "Attention"
    title = card["body"][0]["text"]
    assert title == (
        "Process “Robot \\[click\\](https://evil.example) \\*now\\* line two”: "
        "1 error in the last 15 min"
    )
    facts = {fact["title"]: fact["value"] for fact in card["body"][1]["facts"]}
    assert facts["Rule"] == "cards" and "Since" in facts
    (action,) = card["actions"]
    assert action["type"] == "Action.OpenUrl"
    assert action["url"].startswith(f"{BASE_URL}/logs/process/") and "level=ERROR" in action["url"]
    assert legacy["@type"] == "MessageCard" and legacy["themeColor"] == "D13438"
    assert legacy["title"] == title and "\n" not in legacy["summary"]
    assert legacy["potentialAction"][0]["targets"][0]["uri"] == action["url"]
    (mail,) = inbox.messages  # plain text: the name as it is, on one line in the subject
    assert mail.subject.startswith(
        "[OpenOrchestrator] Process “Robot [click](https://evil.example)"
    )
    assert "\n" not in mail.subject
