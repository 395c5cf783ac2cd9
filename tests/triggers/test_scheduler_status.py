"""The header's Scheduler status (triggers.context_processors), on every signed-in page."""

from __future__ import annotations

from django.db import connections
from django.test.utils import CaptureQueriesContext

from orchestrator_site import clock
from tests.helpers import make_scheduler, oo_db


@oo_db
def test_every_signed_in_page_shows_schedulers_online_stale_and_offline(as_viewer):
    now = clock.now()
    make_scheduler("PC-ON", now=now, age_seconds=5)
    make_scheduler("PC-ON-2", now=now, age_seconds=5)
    make_scheduler("PC-STALE", now=now, age_seconds=200)
    make_scheduler("PC-OFF", now=now, age_seconds=4000)
    for url in ("/", "/queues/", "/vault/constants/"):
        page = as_viewer.get(url).content.decode()
        assert 'class="sched-status"' in page, url
        assert "2 online" in page and "1 stale" in page and "1 offline" in page, url


@oo_db
def test_the_status_is_counted_once_for_many_pages(as_viewer):
    make_scheduler("PC-ON", now=clock.now())
    as_viewer.get("/queues/")
    with CaptureQueriesContext(connections["orchestrator"]) as queries:
        page = as_viewer.get("/vault/constants/").content.decode()
    assert "1 online" in page
    assert not [q for q in queries.captured_queries if "Schedulers" in q["sql"]]


@oo_db
def test_a_refused_visitor_sees_no_scheduler_status(as_outsider):
    make_scheduler("PC-ON", now=clock.now())
    response = as_outsider.get("/")
    assert response.status_code == 403
    assert 'class="sched-status"' not in response.content.decode()
