"""Crafted query and form parameters never give a 5xx.

Table-driven: every list page, export, bulk or confirmation page and dashboard fragment is asked,
as an Automation admin, with a battery of hostile values for each parameter it reads. An invalid
value gets a 400, or the page with an error and none of the rows (an export or bulk page may send
the person back to its list, which then shows the error); an odd but valid value gets the page.
Repeated parameters are tried too: the last value of a single-valued parameter counts, every value
of a multi-valued one (status, level, sort) must be valid.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.urls import resolve, reverse, set_script_prefix

from alerts.models import Delivery
from logs.models import LogLevel
from orchestrator_site import audit
from queues.filters import ELEMENT_SORTS
from queues.models import QueueStatus
from tests.alerts.conftest import make_rule
from tests.conftest import persona_client
from tests.helpers import (
    NOW,
    make_constant,
    make_credential,
    make_element,
    make_job,
    make_log,
    make_scheduler,
    make_trigger,
    oo_db,
)
from tests.security.urlmap import project_urls
from tests.triggers.util import form_data
from triggers.filters import JOB_SORTS
from triggers.models import TriggerStatus

BAD, OK, ANY = "bad", "ok", "any"  # ANY: only "no 5xx" is asked (the meaning is ambiguous)
MARK = "ROWMARK"  # every row the lists can show carries it; an error page must show none
SEARCH = MARK[1:-1]  # a text search that finds those rows, without MARK echoed in the form

LONG = "9" * 5000
NUMBERS = itertools.count()
NUL = "2026\x00"

DATES = [
    (BAD, "9999-12-31T23:59:59"),
    (BAD, "9999-12-31"),
    (BAD, "10000-01-01T00:00:00"),
    (BAD, "0001-01-01T00:00:00"),
    (BAD, "0001-01-01"),
    (BAD, "1899-12-31T23:59:59"),
    (BAD, "2026-02-30T10:00:00"),
    (BAD, "2026-11-25T25:61:00"),
    (BAD, "2026-11-25T10:30:15+05:00"),
    (BAD, "2026-11-25T10:30:15Z"),
    (BAD, "tomorrow"),
    (BAD, NUL),
    (BAD, LONG),
    (OK, "2026-11-25T10:30"),
    (OK, "2026-11-25T10:30:15.5"),
    (OK, "2026-11-25"),
    (OK, "1900-01-01T00:00:00"),
    (OK, "9998-12-31T23:59:59"),
    (OK, ""),
]
# The groups pages reach back grouping.HORIZON_DAYS before NOW, and "until" may not precede it.
GROUP_SINCE = [
    *((kind, value) for kind, value in DATES if not value.startswith(("1900", "9998"))),
    (BAD, "1900-01-01T00:00:00"),
    (BAD, "9998-12-31T23:59:59"),
]
GROUP_UNTIL = [
    *((kind, value) for kind, value in DATES if not value.startswith("1900")),
    (BAD, "1900-01-01T00:00:00"),
]
PAGE_NUMBERS = [
    (BAD, "9223372036854775807"),
    (BAD, "9223372036854775808"),
    (BAD, "9" * 400),
    (BAD, "-1"),
    (BAD, "0"),
    (BAD, "abc"),
    (BAD, "1.5"),
    (BAD, "1e3"),
    (BAD, NUL),
    (BAD, LONG),
    (OK, ""),
    (OK, "1"),
    (OK, "2"),
    (OK, "99"),  # past the end: the last page
]
PER_PAGE = [
    (BAD, "-5"),
    (BAD, "0"),
    (BAD, "1"),
    (BAD, "100000"),
    (BAD, "9223372036854775807"),
    (BAD, "abc"),
    (BAD, "50.0"),
    (BAD, NUL),
    (BAD, LONG),
    (OK, ""),
    (OK, "25"),
    (OK, "200"),
]
SORT_BAD = [
    (BAD, "bogus"),
    (BAD, "-bogus"),
    (BAD, "pk"),
    (BAD, "__class__"),
    (BAD, "-"),
    (BAD, "password"),
    (BAD, NUL),
    (BAD, LONG),
]
TEXT = [
    (BAD, "a\x00b"),
    (BAD, "x" * 5000),
    (OK, "%"),
    (OK, "_"),
    (OK, "\\"),
    (OK, '\'; DROP TABLE "Logs"; --'),
    (OK, "ø€😀"),
]
TYPED = [(BAD, "a\x00b"), (BAD, "x" * 5000), (ANY, "%"), (ANY, "1")]  # a typed confirmation
GROUP_KEYS = [  # a failure group: 12 hexadecimal digits (orchestrator_site.signatures)
    (BAD, "zz'<x>"),
    (BAD, "0123456789ABC"),
    (BAD, "0123456789AB"),
    (BAD, "0123456789a"),
    (BAD, NUL),
    (BAD, LONG),
    (OK, "0123456789ab"),
    (OK, ""),
]
UUIDS = [
    (BAD, "not-a-uuid"),
    (BAD, "1"),
    (BAD, NUL),
    (BAD, LONG),
    (OK, str(uuid.UUID(int=7))),
    (OK, uuid.UUID(int=7).hex),
]


def choices(*valid: str, multiple: bool = False, required: bool = False) -> list[tuple[str, str]]:
    battery = [(BAD, "BOGUS"), (BAD, NUL), (BAD, LONG), (BAD, valid[0].lower() + "x")]
    battery += [(OK, v) for v in valid]
    # An empty value is "no filter" for a single choice, not a choice at all for a multiple one.
    battery.append((BAD if required else ANY if multiple else OK, ""))
    return battery


def sorts(*valid: str) -> list[tuple[str, str]]:
    return SORT_BAD + [(OK, v) for v in valid]


def paging(*valid_sorts: str) -> dict[str, list[tuple[str, str]]]:
    return {"page": PAGE_NUMBERS, "per_page": PER_PAGE, "sort": sorts(*valid_sorts)}


@dataclass(frozen=True)
class World:
    queue: str
    process: str
    element: uuid.UUID
    log: uuid.UUID
    trigger: uuid.UUID


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[World], str]
    params: dict[str, list[tuple[str, str]]]
    method: str = "get"
    base: Callable[[World], dict] = field(default=lambda w: {})
    rows: bool = True  # the page lists rows (that an error must hide)
    multi: frozenset[str] = frozenset()  # multi-valued parameters

    def __str__(self) -> str:
        return self.name


def _ids(w: World) -> dict:
    return {"ids": [str(w.element)]}


ELEMENT_FILTER = {
    "status": choices(*QueueStatus.values, multiple=True),
    "reference": TEXT,
    "reference_match": choices("exact", "startswith"),
    "text": TEXT,
    "created_by": TEXT,
    **{f"{r}_{e}": DATES for r in ("created", "started", "ended") for e in ("from", "to")},
}
INBOX_FILTER = {
    # Exact names; NUL is a name on SQLite only (PostgreSQL cannot store it).
    "queue": [(OK, "q"), (OK, "Kø æøå"), (BAD, "q" * 101), (ANY, NUL), (OK, "")],
    "text": TEXT,
    "since": DATES,
    "until": DATES,
    "created_by": TEXT,
    "acknowledged": [(OK, "1"), (OK, "0"), (OK, ""), (ANY, LONG), (ANY, NUL)],
    # A cause of the groups page: 12 hex digits; an unknown one matches nothing.
    "group": GROUP_KEYS,
}
LOG_FILTER = {
    "start": DATES,
    "end": DATES,
    "level": choices(*LogLevel.values, multiple=True),
    "text": TEXT,
    "job": UUIDS,
}
UUID_LIST = [
    (BAD, "not-a-uuid"),
    (BAD, NUL),
    (BAD, LONG),
    (BAD, ""),
    (OK, str(uuid.UUID(int=7))),
]
NEXT_VALUES = [
    (ANY, "https://evil.example/x"),
    (ANY, "//evil.example"),
    (ANY, "javascript:alert(1)"),
    (ANY, "\\\\evil.example"),
    (ANY, "/\\evil"),
    (ANY, LONG),
    (ANY, NUL),
]

IGNORED = [(ANY, value) for _, value in PAGE_NUMBERS + SORT_BAD]

PAGES = [
    Page(
        "audit",
        lambda w: reverse("audit"),
        {
            "username": TEXT,
            "action": choices("trigger.pause", "queues.retry_all", "credential.reveal"),
            "target_type": choices("trigger", "queue element"),
            "target_name": TEXT,
            "target": TEXT,
            "outcome": choices("ok", "partial"),
            "after": DATES,
            "before": DATES,
            **paging("at", "-at", "username", "-action"),
        },
    ),
    Page(
        "triggers",
        lambda w: reverse("triggers:list"),
        {
            "q": TEXT,
            "type": choices("SINGLE", "SCHEDULED", "QUEUE"),
            "status": choices("IDLE", "FAILED", multiple=True),
            **paging("trigger_name", "-next_run_at", "last_run", "-priority"),
        },
        multi=frozenset({"status"}),
    ),
    Page(
        "schedulers",
        lambda w: reverse("triggers:schedulers"),
        paging("machine_name", "-last_update"),
    ),
    Page(
        "queue overview",
        lambda w: reverse("queues:overview"),
        {"q": TEXT, **paging("queue_name", "-failed", "last_activity")},
    ),
    Page(
        "failed inbox",
        lambda w: reverse("queues:failed"),
        {**INBOX_FILTER, **paging()},
        multi=frozenset({"queue"}),
    ),
    Page(
        "failed elements by cause",
        lambda w: reverse("queues:failed_groups"),
        {
            "queue": [(OK, "Queue A"), (OK, "Kø æøå"), (BAD, "q" * 101), (OK, "")],
            "since": GROUP_SINCE,
            "until": GROUP_UNTIL,
        },
        multi=frozenset({"queue"}),
    ),
    Page(
        "error lines by cause",
        lambda w: reverse("logs:error_groups"),
        {
            "process": [(OK, "Proc A"), (OK, "Kø æøå"), (BAD, "p" * 101), (OK, "")],
            "since": GROUP_SINCE,
            "until": GROUP_UNTIL,
        },
        multi=frozenset({"process"}),
    ),
    Page(
        "failed inbox, all matching preview",
        lambda w: reverse("queues:failed_bulk"),
        INBOX_FILTER,
        multi=frozenset({"queue"}),
    ),
    Page(
        "failed inbox, all matching preview, action",
        lambda w: reverse("queues:failed_bulk"),
        {"action": choices("retry", "delete", "acknowledge")},
        rows=False,  # a bad action is refused on the preview of the (valid) filter's rows
    ),
    Page(
        "failed inbox, all matching action",
        lambda w: reverse("queues:failed_bulk"),
        {"action": choices("acknowledge", required=True), "comment": TEXT, "typed": TYPED},
        method="post",
        base=lambda w: {"action": "acknowledge"},
        rows=False,
    ),
    Page(
        "undo acknowledgement",
        lambda w: reverse("queues:unacknowledge"),
        {"ids": UUID_LIST, "next": NEXT_VALUES},
        method="post",
        base=_ids,
        rows=False,
        multi=frozenset({"ids"}),
    ),
    Page(
        "queue elements",
        lambda w: reverse("queues:elements", args=[w.queue]),
        {**ELEMENT_FILTER, **paging(*ELEMENT_SORTS)},
        multi=frozenset({"status"}),
    ),
    Page(
        "queue elements, text search",
        lambda w: reverse("queues:elements", args=[w.queue]),
        {"created_to": DATES},
        base=lambda w: {"text": SEARCH},
    ),
    Page(
        "queue export",
        lambda w: reverse("queues:export", args=[w.queue]),
        {**ELEMENT_FILTER, "sort": sorts(*ELEMENT_SORTS)},
        multi=frozenset({"status"}),
    ),
    Page(
        "queue bulk preview",
        lambda w: reverse("queues:bulk", args=[w.queue]),
        ELEMENT_FILTER,
        multi=frozenset({"status"}),
    ),
    Page(
        "queue bulk preview, action",
        lambda w: reverse("queues:bulk", args=[w.queue]),
        {"action": choices("retry", "delete", "acknowledge")},
        rows=False,  # a bad action is refused on the preview of the (valid) filter's rows
    ),
    Page(
        "queue bulk preview, text search",
        lambda w: reverse("queues:bulk", args=[w.queue]),
        {"created_to": DATES},
        base=lambda w: {"text": SEARCH},
    ),
    Page(
        "queue bulk action",
        lambda w: reverse("queues:bulk", args=[w.queue]),
        {
            "action": choices("acknowledge", required=True),
            "comment": TEXT,
            "typed": TYPED,
            "include_done": [(ANY, "maybe"), (ANY, LONG)],
        },
        method="post",
        base=lambda w: {"action": "acknowledge"},
        rows=False,
    ),
    Page(
        "retry confirmation",
        lambda w: reverse("queues:retry"),
        {"ids": UUID_LIST, "next": NEXT_VALUES, "include_done": [(ANY, LONG)]},
        method="post",
        base=_ids,
        rows=False,
        multi=frozenset({"ids"}),
    ),
    Page(
        "delete confirmation",
        lambda w: reverse("queues:delete"),
        {"ids": UUID_LIST, "next": NEXT_VALUES, "next_after_delete": NEXT_VALUES},
        method="post",
        base=_ids,
        rows=False,
        multi=frozenset({"ids"}),
    ),
    Page(
        "acknowledge",
        lambda w: reverse("queues:acknowledge"),
        {"ids": UUID_LIST, "next": NEXT_VALUES, "comment": TEXT},
        method="post",
        base=_ids,
        rows=False,
        multi=frozenset({"ids"}),
    ),
    Page(
        "new element form",
        lambda w: reverse("queues:create"),
        {"queue": [(ANY, LONG), (ANY, NUL)]},
        rows=False,
    ),
    Page(
        "logs overview",
        lambda w: reverse("logs:overview"),
        {"q": TEXT},
    ),
    Page(
        "process logs",
        lambda w: reverse("logs:process", args=[w.process]),
        {**LOG_FILTER, **paging("log_time", "-log_time")},
        multi=frozenset({"level"}),
    ),
    Page(
        "process logs, text search",
        lambda w: reverse("logs:process", args=[w.process]),
        {"end": DATES},
        base=lambda w: {"text": SEARCH},
    ),
    Page(
        "log search, every process",
        lambda w: reverse("logs:search"),
        {
            "since": DATES,
            "until": DATES,
            "level": choices(*LogLevel.values, multiple=True),
            "text": TEXT,
            "process": TEXT,
            "group": GROUP_KEYS,
            "page": PAGE_NUMBERS,
            "per_page": PER_PAGE,
            "sort": SORT_BAD,  # newest first only: no column sorts
        },
        multi=frozenset({"level"}),
    ),
    Page(
        "logs export",
        lambda w: reverse("logs:export", args=[w.process]),
        {**LOG_FILTER, "sort": sorts("log_time", "-log_time")},
        multi=frozenset({"level"}),
    ),
    Page(
        "logs delete matching preview",
        lambda w: reverse("logs:delete_matching", args=[w.process]),
        LOG_FILTER,
        multi=frozenset({"level"}),
    ),
    Page(
        "logs delete matching, text search",
        lambda w: reverse("logs:delete_matching", args=[w.process]),
        {"end": DATES},
        base=lambda w: {"text": SEARCH},
    ),
    Page(
        "logs delete matching confirmation",
        lambda w: reverse("logs:delete_matching", args=[w.process]),
        {"as_of": [(v, d) for v, d in DATES if d], "typed": TYPED},
        method="post",
        base=lambda w: {"as_of": "2000-01-01T00:00:00"},
        rows=False,
    ),
    Page(
        "logs delete selected",
        lambda w: reverse("logs:delete_selected"),
        {"ids": UUID_LIST, "next": NEXT_VALUES, "typed": TYPED},
        method="post",
        base=lambda w: {"ids": [str(w.log)]},
        rows=False,
        multi=frozenset({"ids"}),
    ),
    Page(
        "logs around a line",
        lambda w: reverse("logs:around", args=[w.log]),
        {
            "minutes": [
                (BAD, "0"),
                (BAD, "-1"),
                (BAD, "121"),
                (BAD, "9223372036854775807"),
                (BAD, "abc"),
                (BAD, LONG),
                (OK, "120"),
                (OK, ""),
            ]
        },
    ),
    Page(
        "jobs",
        lambda w: reverse("triggers:jobs"),
        {
            "status": choices("RUNNING", "DONE", "FAILED", multiple=True),
            "process": TEXT,
            "scheduler": TEXT,
            "start": DATES,
            "end": DATES,
            **paging(*JOB_SORTS),
        },
        multi=frozenset({"status"}),
    ),
    Page(
        "credentials",
        lambda w: reverse("vault:credentials"),
        {"q": TEXT, **paging("name", "-username", "changed_at", "-token_length")},
    ),
    Page(
        "constants",
        lambda w: reverse("vault:constants"),
        {"q": TEXT, **paging("name", "-value", "changed_at")},
    ),
    Page(
        "alert rules",
        lambda w: reverse("alerts:rules"),
        paging("name", "-kind", "open_incidents", "-muted_until"),
    ),
    Page(
        "alert history",
        lambda w: reverse("alerts:history"),
        {
            "rule": [(BAD, "999999"), (BAD, "x"), (BAD, "-1"), (BAD, NUL), (BAD, LONG), (OK, "")],
            "status": choices("ok", "failed", "retrying"),
            "channel": choices("email", "webhook"),
            "event": choices("firing", "resolved"),
            **paging("created_at", "-rule_name", "status", "-last_attempt_at"),
        },
    ),
    Page(
        "trigger resume",
        lambda w: reverse("triggers:resume", args=[w.trigger]),
        {"next": NEXT_VALUES},
        rows=False,
    ),
    Page(
        "trigger resume at a time",
        lambda w: reverse("triggers:resume", args=[w.trigger]),
        {"at": [(kind, value) for kind, value in DATES if value]},
        method="post",
        base=lambda w: {"choice": "at"},
        rows=False,
    ),
    *(
        Page(
            f"trigger {action}",
            lambda w, action=action: reverse(f"triggers:{action}", args=[w.trigger]),
            {"next": NEXT_VALUES},
            method="post",
            rows=False,
        )
        for action in ("pause", "run", "kill")
    ),
    Page(
        "dismiss the index notice",
        lambda w: reverse("dismiss_index_notice"),
        {"next": NEXT_VALUES},
        method="post",
        rows=False,
    ),
    Page(
        "switch the language",
        lambda w: reverse("set_language"),
        {
            "next": NEXT_VALUES,
            "language": [(OK, "da"), (OK, "en-gb"), (ANY, "xx"), (ANY, ""), (ANY, "da\x00")]
            + [(ANY, "d" * 5000)],
        },
        method="post",
        rows=False,
    ),
    Page(
        "trigger create",
        lambda w: reverse("triggers:create", args=["single"]),
        {"next_run": [(kind, value) for kind, value in DATES if value]},
        method="post",
        base=lambda w: form_data("single", trigger_name=f"New {next(NUMBERS)}", confirm_past="on"),
        rows=False,
    ),
    # The dashboard reads no parameter: whatever is sent is ignored.
    Page("dashboard", lambda w: reverse("dashboard:home"), {"page": IGNORED}, rows=False),
    *(
        Page(
            f"dashboard fragment {panel}",
            lambda w, panel=panel: reverse("dashboard:fragment", args=[panel]),
            {"page": IGNORED, "sort": IGNORED},
            rows=False,
        )
        for panel in ("errors", "failed", "triggers", "running", "schedulers", "throughput")
    ),
]

CASES = [(page, param) for page in PAGES for param in page.params]


@pytest.fixture
def world(monkeypatch) -> World:
    """One row of every kind, each showing MARK where its list shows it, at tests.helpers.NOW."""
    monkeypatch.setattr("orchestrator_site.clock.now", lambda: NOW)
    element = make_element("Queue A", status=QueueStatus.FAILED, reference=f"ref {MARK}")
    make_element("Queue A", reference=f"new {MARK}", message=MARK)
    log = make_log("Proc A", level=LogLevel.ERROR, message=f"line {MARK}")
    make_job("Proc A", scheduler=f"SCHED {MARK}")
    trigger = make_trigger(
        name=f"Trigger {MARK}", status=TriggerStatus.PAUSED, next_run=NOW + dt.timedelta(days=1)
    )
    make_scheduler(f"SCHED {MARK}")
    make_credential(f"Cred {MARK}")
    make_constant(f"Const {MARK}")
    # The history's filter offers the rules by name: the MARK is in the rule's target (rules list)
    # and in the delivery's title (history), never in a name an error page shows in the filter.
    rule = make_rule(name="Battery rule", target=f"Proc {MARK}", email_to="ops@example.com")
    Delivery.objects.create(
        rule=rule,
        rule_name=rule.name,
        subject=MARK,
        event="firing",
        channel="email",
        destination="ops@example.com",
        title=f"Alert {MARK}",
        created_at=NOW,
    )
    audit.record(user=None, action=f"test.{MARK}")
    return World(
        queue="Queue A", process="Proc A", element=element.pk, log=log.pk, trigger=trigger.pk
    )


def _variants(page: Page, param: str) -> list[tuple[str, object]]:
    """Each value alone, and each bad value repeated before and after a good one. Every variant
    that cannot act comes first: a good value may act (resume the trigger) and change the page.

    A single value is read last-wins, so [good, bad] is judged like bad alone; what it adds is a
    page that reads another value than its form (rows for `good` under the form's error), which
    any refused value shows: one is enough. [bad, good] keeps every bad value (a reader of the
    first value meets each one), and a list parameter gets both orders of every bad value.
    """
    battery = page.params[param]
    good = next((v for kind, v in battery if kind == OK and v), None)
    bad = [value for kind, value in battery if kind == BAD]
    multi = _multi(page, param)
    variants: list[tuple[str, object]] = [(BAD, value) for value in bad]
    if good is not None:
        variants += [(BAD, [good, value]) for value in (bad if multi else bad[:1])]
        # First bad, then good: the last of a single value counts (and may act); a list takes both.
        variants += [(BAD if multi else ANY, [value, good]) for value in bad]
    return variants + [(kind, value) for kind, value in battery if kind != BAD]


def _multi(page: Page, param: str) -> bool:
    # A paged table sorts by every `sort` given; an export reads one.
    return param in page.multi or (param == "sort" and "page" in page.params)


def _shows_error(content: str) -> bool:
    return 'class="errorlist' in content or "msg-error" in content


def _judge(client, page: Page, response, kind: str) -> str | None:
    """None when the response fits `kind`, else what is wrong with it."""
    status = response.status_code
    if status >= 500:
        exc = getattr(response, "exc_info", None)
        return f"{status} {exc[1]!r}" if exc else str(status)
    if kind == ANY:
        return None
    if status in (301, 302, 303):
        target = response["Location"]
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            return f"redirects off the site to {target}"
        if kind == OK:
            return None
        followed = client.get(target)
        if followed.status_code >= 500:
            return f"redirects to {target}, which gives {followed.status_code}"
        response, status = followed, followed.status_code
    content = response.getvalue().decode(errors="replace")  # a CSV export streams
    if kind == BAD:
        if status == 400:
            return None
        if status != 200 or not _shows_error(content):
            return f"{status} without an error shown"
        if page.rows and MARK in content:
            return "shows rows despite the error"
        return None
    if status != 200:
        return f"{status} for a valid value"
    if response.get("Content-Type", "").startswith("text/html") and _shows_error(content):
        return "an error for a valid value"
    return None


@pytest.mark.parametrize(("target", "param"), CASES, ids=[f"{p}-{q}" for p, q in CASES])
@oo_db
def test_crafted_values_never_give_a_server_error(target: Page, param: str, world: World):
    client = persona_client("admin", raise_request_exception=False)
    url = target.url(world)
    problems = []
    for kind, value in _variants(target, param):
        data = {**target.base(world), param: value}
        response = getattr(client, target.method)(url, data)
        problem = _judge(client, target, response, kind)
        if problem:
            problems.append(f"{param}={str(value)[:60]!r} ({kind}): {problem}")
    assert not problems, f"{target.name} {url}:\n" + "\n".join(problems)


# Views that read no list parameter, and why they are not in the battery above.
NOT_LISTS = {
    "healthz": "monitoring: reads no parameter",
    "metrics:metrics": "monitoring: reads no parameter",
    "": "favicon.ico: a redirect to a static file",
    "denied": "the refusal page: reads no parameter",
    "triggers:new": "a menu of the trigger types",
    "triggers:detail": "one row; its id is the URL converter's",
    "triggers:edit": "the create form's fields (next_run is in the battery) on one row",
    "triggers:delete": "a confirmation of one row: no field but the CSRF token",
    "triggers:reset": "choice fields of one row (tests/triggers/test_reset.py)",
    "triggers:forget": "one row by name: no field",
    "triggers:job": "one row; its id is the URL converter's",
    "queues:element": "one row; its id is the URL converter's",
    "queues:upload": "a CSV upload (tests/queues/test_create.py)",
    "logs:detail": "one row; its id is the URL converter's",
    "vault:credential_create": "a create form (tests/vault)",
    "vault:credential_edit": "an edit form of one row (tests/vault)",
    "vault:credential_delete": "a confirmation of one row (tests/vault)",
    "vault:credential_reveal": "the reveal form (tests/vault/test_reveal.py)",
    "vault:forget_key": "no field",
    "vault:constant_create": "a create form (tests/vault)",
    "vault:constant_edit": "an edit form of one row (tests/vault)",
    "vault:constant_delete": "a confirmation of one row (tests/vault)",
    "alerts:new": "a menu of the kinds of rule",
    "alerts:create": "a create form (tests/alerts/test_rule_pages.py)",
    "alerts:rule": "one row; its id is the URL converter's",
    "alerts:edit": "an edit form of one row (tests/alerts/test_rule_pages.py)",
    "alerts:mute": "the mute form of one row (tests/alerts/test_rule_pages.py)",
    "alerts:unmute": "one row by id: no field",
    "alerts:delete": "a confirmation of one row (tests/alerts/test_rule_pages.py)",
}


def test_every_page_that_reads_parameters_is_in_the_battery():
    """A new URL fails here until it joins the battery or NOT_LISTS says why it need not."""
    sample = World(
        queue="q", process="p", element=uuid.uuid4(), log=uuid.uuid4(), trigger=uuid.uuid4()
    )
    covered = {resolve(urlsplit(page.url(sample)).path).view_name for page in PAGES}
    names = {url.name for url in project_urls()}
    assert names - covered - set(NOT_LISTS) == set()
    assert covered & set(NOT_LISTS) == set() and set(NOT_LISTS) <= names


# --- `next` ---------------------------------------------------------------------------------------
# Whatever `next` says, a Cancel link, a hidden field and a redirect lead only to a path of this
# site: a hostile value is replaced by the page's own default, a good one is kept.

HOSTILE_NEXT = [
    "https://evil.example/x",
    "http://testserver/queues/",  # the same host, but absolute: only paths are accepted
    "//evil.example",
    "///evil.example",
    "\\\\evil.example",
    "/\\evil",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "https:evil.example",
    "evil.example/x",
    " //evil.example",
    "\t//evil.example",
    "/queues/\r\nSet-Cookie: a=b",
    "/" + "x" * 3000,
]
GOOD_NEXT = "/queues/q/Queue%20A/?status=FAILED&page=1"


def _confirmation_form(response) -> str:
    """The form that holds the Cancel link (the header may hold other forms with a `next`)."""
    forms = re.findall(r"<form\b.*?</form>", response.content.decode(), flags=re.DOTALL)
    found = [form for form in forms if ">Cancel</a>" in form]
    assert len(found) == 1, "no form with a Cancel link"
    return found[0]


def _cancel_href(response) -> str:
    match = re.search(r'<a href="([^"]*)">Cancel</a>', _confirmation_form(response))
    assert match, "no Cancel link"
    return html.unescape(match.group(1))


def _hidden(response, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', _confirmation_form(response))
    assert match, f"no hidden {name}"
    return html.unescape(match.group(1))


@pytest.fixture
def failed_element(monkeypatch):
    monkeypatch.setattr("orchestrator_site.clock.now", lambda: NOW)
    return make_element("Queue A", status=QueueStatus.FAILED)


@pytest.mark.parametrize(
    ("url_name", "flag"), [("queues:retry", "confirmed"), ("queues:delete", "delete_confirmed")]
)
@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
@oo_db
def test_queue_confirmation_pages_ignore_a_hostile_next(
    as_admin, failed_element, url_name, flag, hostile
):
    data = {"ids": [str(failed_element.pk)], "next": hostile, "next_after_delete": hostile}
    page = as_admin.post(reverse(url_name), data)
    assert page.status_code == 200
    assert _cancel_href(page) == _hidden(page, "next") == reverse("queues:overview")
    if url_name == "queues:delete":
        assert _hidden(page, "next_after_delete") == ""
    done = as_admin.post(reverse(url_name), {**data, flag: "True"})
    assert done.status_code == 302 and done["Location"] == reverse("queues:overview")


@pytest.mark.parametrize("url_name", ["queues:retry", "queues:delete"])
@oo_db
def test_queue_confirmation_pages_keep_a_good_next(as_admin, failed_element, url_name):
    data = {"ids": [str(failed_element.pk)], "next": GOOD_NEXT}
    page = as_admin.post(reverse(url_name), data)
    assert _cancel_href(page) == _hidden(page, "next") == GOOD_NEXT
    flag = "confirmed" if url_name == "queues:retry" else "delete_confirmed"
    assert as_admin.post(reverse(url_name), {**data, flag: "True"})["Location"] == GOOD_NEXT


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
@oo_db
def test_acknowledge_and_refusals_never_redirect_off_the_site(as_admin, failed_element, hostile):
    acked = as_admin.post(
        reverse("queues:acknowledge"),
        {"ids": [str(failed_element.pk)], "next": hostile, "confirmed": "True"},
    )
    assert acked.status_code == 302 and acked["Location"] == reverse("queues:failed")
    refused = as_admin.post(reverse("queues:retry"), {"ids": ["not-a-uuid"], "next": hostile})
    assert refused.status_code == 302 and refused["Location"] == reverse("queues:overview")
    assert (
        as_admin.post(reverse("queues:retry"), {"ids": ["not-a-uuid"], "next": GOOD_NEXT})[
            "Location"
        ]
        == GOOD_NEXT
    )


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
@oo_db
def test_logs_delete_confirmation_ignores_a_hostile_next(as_admin, hostile):
    log = make_log("Proc A")
    data = {"ids": [str(log.pk)], "next": hostile}
    page = as_admin.post(reverse("logs:delete_selected"), data)
    assert page.status_code == 200
    assert _cancel_href(page) == _hidden(page, "next") == reverse("logs:overview")
    done = as_admin.post(reverse("logs:delete_selected"), {**data, "confirm": "true"})
    assert done.status_code == 302 and done["Location"] == reverse("logs:overview")


@oo_db
def test_logs_delete_confirmation_keeps_a_good_next(as_admin):
    log = make_log("Proc A")
    back = "/logs/process/Proc%20A/?level=ERROR"
    page = as_admin.post(reverse("logs:delete_selected"), {"ids": [str(log.pk)], "next": back})
    assert _cancel_href(page) == _hidden(page, "next") == back
    done = as_admin.post(
        reverse("logs:delete_selected"), {"ids": [str(log.pk)], "next": back, "confirm": "true"}
    )
    assert done["Location"] == back


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
@oo_db
def test_trigger_pages_ignore_a_hostile_next(as_admin, monkeypatch, hostile):
    monkeypatch.setattr("orchestrator_site.clock.now", lambda: NOW)
    trigger = make_trigger(status=TriggerStatus.PAUSED, next_run=NOW + dt.timedelta(days=1))
    own = trigger.get_absolute_url()
    resume = reverse("triggers:resume", args=[trigger.pk])
    page = as_admin.get(resume, {"next": hostile})
    assert _cancel_href(page) == _hidden(page, "next") == own
    resumed = as_admin.post(resume, {"choice": "keep", "next": hostile})
    assert resumed.status_code == 302 and resumed["Location"] == own
    for action in ("pause", "run", "kill"):
        response = as_admin.post(
            reverse(f"triggers:{action}", args=[trigger.pk]), {"next": hostile}
        )
        assert response.status_code == 302 and response["Location"] == own, action


@oo_db
def test_trigger_pages_keep_a_good_next(as_admin, monkeypatch):
    monkeypatch.setattr("orchestrator_site.clock.now", lambda: NOW)
    trigger = make_trigger(status=TriggerStatus.PAUSED, next_run=NOW + dt.timedelta(days=1))
    back = "/triggers/?type=SINGLE&sort=-priority"
    resume = reverse("triggers:resume", args=[trigger.pk])
    page = as_admin.get(resume, {"next": back})
    assert _cancel_href(page) == _hidden(page, "next") == back
    # Back to the list, at the trigger's own row.
    row = f"{back}#trigger-{trigger.pk}"
    assert as_admin.post(resume, {"choice": "keep", "next": back})["Location"] == row
    pause = reverse("triggers:pause", args=[trigger.pk])
    assert as_admin.post(pause, {"next": back})["Location"] == row


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
@oo_db
def test_dismissing_the_index_notice_never_redirects_off_the_site(as_admin, hostile):
    response = as_admin.post(reverse("dismiss_index_notice"), {"next": hostile})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:home")
    back = as_admin.post(reverse("dismiss_index_notice"), {"next": GOOD_NEXT})
    assert back["Location"] == GOOD_NEXT


@oo_db
def test_an_overdue_resume_keeps_next_while_it_asks_for_a_choice(as_admin, monkeypatch):
    monkeypatch.setattr("orchestrator_site.clock.now", lambda: NOW)
    trigger = make_trigger(status=TriggerStatus.PAUSED, next_run=NOW - dt.timedelta(days=1))
    back = "/triggers/?status=PAUSED"
    resume = reverse("triggers:resume", args=[trigger.pk])
    asked = as_admin.post(resume, {"next": back})
    assert asked.status_code == 302
    assert _hidden(as_admin.get(asked["Location"]), "next") == back


@pytest.fixture
def under_console_prefix():
    """The console served from a virtual directory, as IIS does (the test client sets no prefix)."""
    set_script_prefix("/console/")
    yield "/console"
    set_script_prefix("/")


@oo_db
def test_next_must_stay_under_the_script_prefix(as_admin, failed_element, under_console_prefix):
    """In a virtual directory, a path of another application on the same host is refused."""
    retry = reverse("queues:retry").removeprefix(under_console_prefix)  # the client's path_info
    data = {"ids": [str(failed_element.pk)], "next": "/other-app/"}
    assert _cancel_href(as_admin.post(retry, data)) == reverse("queues:overview")
    assert reverse("queues:overview") == "/console/queues/"
    data["next"] = under_console_prefix + GOOD_NEXT
    assert _cancel_href(as_admin.post(retry, data)) == data["next"]
