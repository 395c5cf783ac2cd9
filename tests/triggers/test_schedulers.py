"""The Schedulers page: online / stale / offline computed on the server; Forget a machine."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections

from orchestrator_site import health
from tests.helpers import make_scheduler, oo_db
from tests.triggers.util import audit_rows
from triggers.models import Scheduler


@oo_db
def test_it_shows_state_age_and_latest_trigger(as_viewer, django_assert_max_num_queries):
    now = dt.datetime.now()
    make_scheduler("PC-ON", now=now, age_seconds=10)
    make_scheduler("PC-STALE", now=now, age_seconds=200)
    make_scheduler("PC-OFF", now=now, age_seconds=4000)
    Scheduler.objects.filter(pk="PC-ON").update(
        latest_trigger="Nightly & co", latest_trigger_time=now
    )
    # Rows in one query; the rest is the header's Scheduler summary and the schema check.
    health.schema_status()  # kept per process, as in a running server; each test starts without it
    with django_assert_max_num_queries(3, connection=connections["orchestrator"]) as queries:
        response = as_viewer.get("/schedulers/")
    assert not [q for q in queries.captured_queries if "COUNT" in q["sql"]]
    assert response.status_code == 200
    page = response.content.decode()
    rows = {r.record.machine_name: r for r in response.context["table"].paginated_rows}
    assert set(rows) == {"PC-ON", "PC-STALE", "PC-OFF"}
    assert "badge-online" in page and "badge-stale" in page and "badge-offline" in page
    assert "Nightly &amp; co" in page and "?q=Nightly+%26+co" in page
    assert "66 min" in page or "1 h" in page
    assert "/forget/" not in page  # viewers cannot forget


@oo_db
def test_automation_admin_forgets_a_machine(as_admin):
    make_scheduler("OLD-PC", age_seconds=100000)
    assert "/schedulers/OLD-PC/forget/" in as_admin.get("/schedulers/").content.decode()
    response = as_admin.post("/schedulers/OLD-PC/forget/", follow=True)
    assert "Forgot OLD-PC" in response.content.decode()
    assert not Scheduler.objects.filter(pk="OLD-PC").exists()
    [entry] = audit_rows("scheduler.forget")
    assert entry.target_ids == "OLD-PC" and entry.count == 1
    assert as_admin.post("/schedulers/OLD-PC/forget/").status_code == 404


@oo_db
@pytest.mark.parametrize("persona", ["as_viewer", "as_operator", "as_outsider"])
def test_forget_requires_automation_admin(request, persona):
    make_scheduler("PC-1")
    client = request.getfixturevalue(persona)
    assert client.post("/schedulers/PC-1/forget/").status_code == 403
    assert Scheduler.objects.filter(pk="PC-1").exists()


@oo_db
def test_forget_is_post_only(as_admin):
    make_scheduler("PC-1")
    assert as_admin.get("/schedulers/PC-1/forget/").status_code == 405
    assert Scheduler.objects.filter(pk="PC-1").exists()


@oo_db
def test_schedulers_page_requires_the_viewer_role(as_outsider):
    assert as_outsider.get("/schedulers/").status_code == 403
