"""The load test's writes go through the console's real forms, and it counts what went wrong.

The write flows of bench/writes.py run here against the real views through Django's test client
(CSRF checks on, over HTTPS as behind IIS): a renamed field, button or URL fails these tests
instead of turning the load test into one that silently writes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from types import SimpleNamespace
from urllib.parse import urlencode

from bench import harness, loadtest, writes
from orchestrator_site.models import AuditEntry
from queues.models import Acknowledgement, QueueElement, QueueStatus
from tests.conftest import persona_client
from tests.helpers import make_element, make_trigger, oo_db
from triggers.models import Trigger, TriggerStatus, TriggerType

ORIGIN = "https://testserver"


class BrowserOverTestClient:
    """bench.harness.Client's interface over Django's test client, as an operator's browser."""

    def __init__(self):
        self.client = persona_client("operator", enforce_csrf_checks=True)

    def _response(self, response, started: float) -> harness.Response:
        return harness.Response(
            response.status_code,
            response.content,
            time.perf_counter() - started,
            location=response.get("Location", ""),
        )

    def get(self, path: str) -> harness.Response:
        started = time.perf_counter()
        return self._response(self.client.get(path, secure=True), started)

    def post(self, path: str, fields, *, referer: str = "") -> harness.Response:
        started = time.perf_counter()
        response = self.client.post(
            path,
            urlencode(fields),
            content_type="application/x-www-form-urlencoded",
            secure=True,
            HTTP_ORIGIN=ORIGIN,
            HTTP_REFERER=ORIGIN + (referer or path),
        )
        return self._response(response, started)


def user() -> writes.User:
    return writes.User(BrowserOverTestClient(), random.Random(3), "u1")


def write_kinds(u: writes.User) -> list[str]:
    return [key for group, key, _ms in u.samples if group == "write"]


@oo_db
def test_retry_from_the_failed_inbox_sets_the_element_new():
    failed = make_element(status=QueueStatus.FAILED, message="boom")
    u = user()
    writes.retry(u)
    assert u.errors == []
    assert write_kinds(u) == ["retry"]
    assert QueueElement.objects.get(pk=failed.pk).status == QueueStatus.NEW
    assert AuditEntry.objects.filter(action="queues.retry").count() == 1


@oo_db
def test_acknowledge_from_the_failed_inbox_records_the_comment():
    failed = make_element(status=QueueStatus.FAILED)
    u = user()
    writes.acknowledge(u)
    assert u.errors == []
    assert write_kinds(u) == ["acknowledge"]
    ack = Acknowledgement.objects.get(element_id=failed.pk)
    assert ack.comment == "load test u1"
    assert QueueElement.objects.get(pk=failed.pk).status == QueueStatus.FAILED


@oo_db
def test_an_empty_inbox_is_nothing_to_do_not_an_error():
    u = user()
    writes.retry(u)
    assert u.errors == [] and write_kinds(u) == []
    assert u.skipped["retry"] == 1


@oo_db
def test_a_retry_that_lost_the_race_is_a_refusal_not_an_error():
    failed = make_element(status=QueueStatus.FAILED)
    u = user()
    page = u.view("inbox", "/queues/failed/", read=True)
    form = next(f for f in page.forms if f.button("Retry selected…"))
    url, fields = form.submission(
        button=form.button("Retry selected…"), check={"ids": [str(failed.pk)]}
    )
    asked = u.ask(writes.RETRY, url, fields, referer="/queues/failed/")
    confirmation = next(f for f in asked.forms if f.button("Retry"))
    # A robot or another person retried it between the confirmation page and the click.
    QueueElement.objects.filter(pk=failed.pk).update(status=QueueStatus.NEW)
    url, fields = confirmation.submission(button=confirmation.button("Retry"))
    assert u.click(writes.RETRY, url, fields, referer=url) is not None
    assert u.errors == [] and u.refusals["retry"] == 1


@oo_db
def test_pause_then_resume_leaves_an_idle_trigger_idle():
    later = dt.datetime.now() + dt.timedelta(days=1)
    trigger = make_trigger(name="Nightly", status=TriggerStatus.IDLE, next_run=later)
    u = user()
    writes.pause_then_resume(u)
    assert u.errors == []
    assert write_kinds(u) == ["pause", "resume"]
    assert Trigger.objects.get(pk=trigger.pk).process_status == TriggerStatus.IDLE
    assert AuditEntry.objects.filter(action__in=("trigger.pause", "trigger.resume")).count() == 2


@oo_db
def test_an_overdue_trigger_is_resumed_through_its_resume_page_keeping_the_next_run():
    overdue = (dt.datetime.now() - dt.timedelta(hours=1)).replace(microsecond=0)
    trigger = make_trigger(
        TriggerType.SCHEDULED, name="Hourly", status=TriggerStatus.IDLE, next_run=overdue
    )
    u = user()
    writes.pause_then_resume(u)
    assert u.errors == []
    assert write_kinds(u) == ["pause", "resume"]
    assert ("page", "trigger_resume") in {(g, k) for g, k, _ in u.samples}
    after = Trigger.objects.with_children().get(pk=trigger.pk)
    assert after.process_status == TriggerStatus.IDLE and after.next_run == overdue


@oo_db
def test_add_element_adds_a_new_element_to_a_listed_queue():
    make_element("Invoices", status=QueueStatus.DONE)
    u = user()
    writes.add_element(u)
    assert u.errors == []
    assert write_kinds(u) == ["add_element"]
    added = QueueElement.objects.get(reference="LOADTEST-u1-1")
    assert added.queue_name == "Invoices" and added.status == QueueStatus.NEW
    assert '"reference": "LOADTEST-u1-1"' in added.data


class CannedClient:
    """Answers a POST with `posted` and the GET after it with `landed`."""

    def __init__(self, posted: harness.Response, landed: harness.Response | None = None):
        self.posted, self.landed = posted, landed

    def post(self, path, fields, *, referer=""):
        if isinstance(self.posted, Exception):
            raise self.posted
        return self.posted

    def get(self, path):
        return self.landed


def page_saying(level: str, text: str) -> harness.Response:
    body = f'<title>Failed inbox · C</title><ul><li class="msg msg-{level}">{text}</li></ul>'
    return harness.Response(200, body.encode(), 0.01)


def click(client) -> writes.User:
    u = writes.User(client, random.Random(1))
    u.click(writes.RETRY, "/queues/retry/", [("ids", "x")], referer="/queues/failed/")
    return u


def test_a_503_a_refused_form_a_dropped_connection_and_a_missing_message_are_errors():
    busy = harness.Response(503, b"<title>Database busy \xc2\xb7 C</title>", 0.01)
    assert click(CannedClient(busy)).errors == ["retry: HTTP 503 (Database busy)"]
    redirect = harness.Response(302, b"", 0.01, location="/queues/failed/")
    refused = page_saying("error", "Nothing was changed: Select at least one element.")
    assert click(CannedClient(redirect, refused)).errors == [
        "retry: not done (Nothing was changed: Select at least one element.)"
    ]
    assert click(CannedClient(ConnectionResetError())).errors == ["retry: ConnectionResetError"]
    assert click(CannedClient(redirect, page_saying("info", "Hello"))).errors == [
        "retry: not done (Hello)"
    ]
    fine = click(CannedClient(redirect, page_saying("success", "Retried 2 of 2.")))
    assert fine.errors == [] and [k for _, k, _ in fine.samples] == ["retry"]


def test_the_report_fails_on_errors_and_slow_writes_and_flags_a_busy_machine():
    quick = SimpleNamespace(
        samples=[("page", "dashboard", 100.0)] * 19 + [("page", "dashboard", 900.0)],
        errors=[],
        refusals=Counter(),
        skipped=Counter(),
        client=None,
    )
    slow = SimpleNamespace(
        samples=[("write", "retry", 800.0)],
        errors=["retry: HTTP 503 (Database busy)"],
        refusals=Counter(),
        skipped=Counter(),
        client=None,
    )
    report = loadtest.summarize([quick, slow], elapsed=10.0)
    assert report["pages"]["kinds"]["dashboard"]["p95_ms"] == 100.0
    assert report["writes"]["kinds"]["retry"]["errors"] == 1
    assert report["http_requests"] == 22
    report.update(loadtest_machine(load=2.0))
    verdict = loadtest.judge(report)
    assert verdict["targets"] == {
        "zero errors": "FAIL",
        "pages p95 <= 500 ms": "PASS",
        "writes p95 <= 500 ms": "FAIL",
    }
    assert verdict["unreliable"] and "2.0" in verdict["unreliable"][0]
    report.update(loadtest_machine(load=0.3))
    assert loadtest.judge(report)["unreliable"] == []


def loadtest_machine(*, load: float) -> dict:
    return {"loadavg_before": [load, 0.5, 0.5], "cpu": {"others_cores": 0.1}}


def test_the_load_test_runs_the_deployed_number_of_processes():
    assert loadtest.deployed_processes() == loadtest.DEPLOYED_PROCESSES >= 2
    assert loadtest.parse_args([]).processes == loadtest.DEPLOYED_PROCESSES
    assert loadtest.parse_args(["--seconds", "20"]).duration == 20
