"""No GET changes anything. With automatic Windows sign-in, any web page can make a colleague's
browser load any console URL (a link, an image), so a GET that wrote the audit trail, an
acknowledgement or the session would be a change made in their name without their knowing.

Every URL that answers GET (found at run time, so new ones are covered) is loaded with real
objects behind it by someone holding every role, with and without the query parameters that
once caused writes; not one INSERT, UPDATE or DELETE may reach either database.
"""

from __future__ import annotations

import itertools
import re

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from alerts.models import RuleKind
from dashboard.views import PANELS
from orchestrator_site.identity import signed_in_environ
from orchestrator_site.models import AuditEntry
from queues.models import QueueStatus
from tests.alerts.conftest import make_rule
from tests.helpers import (
    ALL_DATABASES,
    make_constant,
    make_credential,
    make_element,
    make_job,
    make_log,
    make_scheduler,
    make_trigger,
    oo_db,
)
from tests.security.test_url_matrix import EVERY_ROLE
from tests.security.urlmap import project_urls
from triggers.forms import KIND_SLUGS
from triggers.models import TriggerType

GET_URLS = [u for u in project_urls() if u.methods is None or "GET" in u.methods]
# Query strings that made a GET write before; each URL is loaded with each of them too.
ONCE_WRITING_QUERIES = ["", "dismiss-index-notice=1"]
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


@pytest.fixture
def objects() -> dict[str, list[str]]:
    """One of everything, and the values each URL parameter name can take."""
    trigger = make_trigger(TriggerType.SCHEDULED, process="Proc A")
    element = make_element(status=QueueStatus.FAILED, reference="r1", message="boom")
    job = make_job("Proc A")
    log = make_log("Proc A", message="hello", job_id=job.pk)
    make_scheduler("SCHED-1")
    make_credential("Mail", "robot", "s3cret")
    make_constant("Const", "v")
    rule = make_rule(email_to="ops@example.com")
    return {
        "pk": [str(trigger.pk), str(log.pk), str(job.pk), str(rule.pk)],
        "element_id": [str(element.pk)],
        "queue_name": ["Queue A"],
        "process_name": ["Proc A"],
        "machine_name": ["SCHED-1"],
        "name": ["Mail", "Const"],
        "kind": [*KIND_SLUGS, *RuleKind.values],
        "panel": list(PANELS),
    }


def paths(url, values: dict[str, list[str]]) -> list[str]:
    """The URL with every combination of real values for its parameters that reverses."""
    names = re.findall(r"<(?:[^>:]+:)?(\w+)>", url.route)
    if not names:
        return [url.path]
    found = []
    for combination in itertools.product(*(values.get(n, ["sample"]) for n in names)):
        try:
            found.append(reverse(url.name, kwargs=dict(zip(names, combination, strict=True))))
        except NoReverseMatch:
            continue
    return found or [url.path]


def test_the_crawl_covers_the_exports_and_the_pages_with_a_confirmation_step():
    names = {u.name for u in GET_URLS}
    assert {"queues:export", "logs:export", "dashboard:home", "vault:credential_reveal"} <= names


@oo_db
def test_no_get_writes_anything(objects):
    client = Client(raise_request_exception=False, **signed_in_environ(EVERY_ROLE))
    assert client.get("/").status_code == 200  # signing in writes the user and the session
    audit_rows = AuditEntry.objects.count()
    captures = {alias: CaptureQueriesContext(connections[alias]) for alias in ALL_DATABASES}

    loaded = []
    for alias in captures:
        captures[alias].__enter__()
    try:
        for url in GET_URLS:
            for path in paths(url, objects):
                for query in ONCE_WRITING_QUERIES:
                    full = f"{path}?{query}" if query else path
                    response = client.get(full)
                    assert response.status_code < 500, full
                    loaded.append((full, response.status_code))
    finally:
        for alias in captures:
            captures[alias].__exit__(None, None, None)

    writes = [
        f"{alias}: {query['sql'][:200]}"
        for alias, capture in captures.items()
        for query in capture.captured_queries
        if _WRITE.match(query["sql"])
    ]
    assert writes == []
    assert AuditEntry.objects.count() == audit_rows
    assert sum(status == 200 for _, status in loaded) >= len(GET_URLS)
