"""The dashboard: window rule, each panel's content and links, empty states, escaping, fragments."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connections

from dashboard.panels import lookback_start
from logs.models import LogLevel
from orchestrator_site import clock
from queues.models import Acknowledgement, QueueStatus
from tests.helpers import NOW, make_element, make_job, make_log, make_scheduler, make_trigger, oo_db
from triggers.models import JobStatus, Scheduler, TriggerStatus, TriggerType


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        (dt.datetime(2026, 11, 24, 9), 48),  # Tuesday
        (dt.datetime(2026, 11, 27, 9), 48),  # Friday
        (dt.datetime(2026, 11, 28, 9), 72),  # Saturday
        (dt.datetime(2026, 11, 29, 9), 72),  # Sunday
        (dt.datetime(2026, 11, 30, 9), 72),  # Monday: Friday's failures still show
    ],
)
def test_window_is_72_hours_on_weekends_and_mondays(day, hours):
    start, window = lookback_start(day)
    assert window == hours and start == day - dt.timedelta(hours=hours)


@oo_db
def test_empty_database_says_so_in_every_panel(as_viewer):
    response = as_viewer.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    for sentence in (
        "No errors logged since",
        "No unacknowledged failed elements since",
        "No failed or stuck triggers.",
        "No jobs are running.",
        "No Scheduler has ever pinged this database.",
    ):
        assert sentence in text


@oo_db
def test_recent_errors_are_escaped_and_link_to_logs_around(as_viewer):
    log = make_log(
        "Proc <b>",
        level=LogLevel.ERROR,
        message="<script>alert(1)</script>\nsecond line",
        at=NOW - dt.timedelta(hours=2),
    )
    make_log("Proc old", level=LogLevel.ERROR, message="too old", at=NOW - dt.timedelta(hours=49))
    make_log("Proc info", level=LogLevel.INFO, message="not an error", at=NOW)
    text = as_viewer.get("/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert(1)" not in text
    assert "second line" not in text
    assert "Proc &lt;b&gt;" in text
    assert "too old" not in text and "not an error" not in text
    assert f"/logs/{log.pk}/around/" in text or str(log.pk) in text


@oo_db
def test_failed_elements_skip_acknowledged_and_tolerate_missing_dates(as_viewer):
    shown = make_element(
        "Fakturaer",
        status=QueueStatus.FAILED,
        reference="F-1",
        message="boom",
        created_date=NOW - dt.timedelta(hours=3),
    )
    no_dates = make_element(
        "Fakturaer",
        status=QueueStatus.FAILED,
        reference="F-NODATES",
        created_date=NOW - dt.timedelta(hours=1),
        start_date=None,
        end_date=None,
    )
    acked = make_element(
        "Post",
        status=QueueStatus.FAILED,
        reference="P-ACK",
        created_date=NOW - dt.timedelta(hours=1),
    )
    Acknowledgement.objects.create(
        element_id=acked.id, queue_name="Post", acknowledged_by_name="x", acknowledged_at=NOW
    )
    make_element(
        "Fakturaer",
        status=QueueStatus.FAILED,
        reference="F-OLD",
        created_date=NOW - dt.timedelta(days=5),
    )
    text = as_viewer.get("/").content.decode()
    assert "F-1" in text and "F-NODATES" in text and "(no end date)" in text
    assert "P-ACK" not in text and "F-OLD" not in text
    assert re.search(r"Fakturaer</a>: <a [^>]*data-inbox-queue>2</a>", text)
    assert str(shown.pk) in text.replace("-", "") or "/queues/" in text
    assert no_dates.pk


@oo_db
def test_failed_and_stuck_triggers(as_viewer):
    make_scheduler("PC-LIVE", age_seconds=5)
    make_scheduler("PC-DEAD", age_seconds=600)
    failed = make_trigger(TriggerType.SINGLE, name="Broken one", status=TriggerStatus.FAILED)
    make_trigger(TriggerType.SCHEDULED, name="Runs fine", status=TriggerStatus.RUNNING)
    make_trigger(TriggerType.SCHEDULED, name="Stuck run", status=TriggerStatus.RUNNING)
    make_trigger(TriggerType.QUEUE, name="Orphan kill", status=TriggerStatus.KILLING)
    Scheduler.objects.filter(pk="PC-LIVE").update(latest_trigger="Runs fine")
    Scheduler.objects.filter(pk="PC-DEAD").update(latest_trigger="Stuck run")
    text = as_viewer.get("/").content.decode()
    panel = text.split("Failed and stuck triggers", 1)[1].split("</section>", 1)[0]
    assert "Broken one" in panel and "Stuck run" in panel and "Orphan kill" in panel
    assert "Runs fine" not in panel
    assert "Its Scheduler PC-DEAD last pinged 10 min ago." in panel
    assert "No Scheduler is known to run it" in panel
    assert str(failed.pk) in panel


@oo_db
def test_running_jobs_show_duration_and_stale_scheduler(as_viewer):
    make_scheduler("PC-LIVE", age_seconds=5)
    make_scheduler("PC-DEAD", age_seconds=900)
    make_job(
        "Live proc",
        scheduler="PC-LIVE",
        status=JobStatus.RUNNING,
        start=NOW - dt.timedelta(minutes=65),
    )
    make_job(
        "Dead proc",
        scheduler="PC-DEAD",
        status=JobStatus.RUNNING,
        start=NOW - dt.timedelta(minutes=5),
    )
    make_job("Done proc", status=JobStatus.DONE)
    text = as_viewer.get("/").content.decode()
    panel = text.split("Running now", 1)[1].split("</section>", 1)[0]
    assert "Live proc" in panel and "1 h 5 min" in panel
    assert "Dead proc" in panel and "offline" in panel
    assert "Done proc" not in panel


@oo_db
def test_scheduler_states(as_viewer):
    make_scheduler("PC-ON", age_seconds=10)
    make_scheduler("PC-STALE", age_seconds=120)
    make_scheduler("PC-OFF", age_seconds=3600)
    panel = (
        as_viewer.get("/")
        .content.decode()
        .split(">Schedulers</h2>", 1)[1]
        .split("</section>", 1)[0]
    )
    assert panel.index("PC-OFF") < panel.index("PC-STALE") < panel.index("PC-ON")
    assert "2 min ago" in panel and "1 h ago" in panel


@oo_db
def test_one_polite_status_line_speaks_for_the_panels(as_viewer):
    """A screen reader must not read six panels aloud every 15 s: no panel is a live region; one
    status line (filled by console.js when a summary changes) and each panel heading's summary."""
    make_log("P", level=LogLevel.ERROR, message="boom", at=NOW - dt.timedelta(minutes=3))
    make_element("Q", status=QueueStatus.FAILED, created_date=NOW - dt.timedelta(hours=1))
    make_trigger(status=TriggerStatus.FAILED, last_run=NOW - dt.timedelta(hours=1))
    make_scheduler("PC-ON", age_seconds=10)
    make_scheduler("PC-OFF", age_seconds=3600)
    text = as_viewer.get("/").content.decode()
    assert "aria-live" not in text
    assert text.count("data-refresh-announce") == 1
    assert '<p class="sr-only" role="status" aria-atomic="true" data-refresh-announce>' in text
    assert re.findall(r'data-live-summary="([^"]*)"', text) == [
        "Recent errors: the latest at 25-11-2026 10:27:15, 1 in all.",
        "Failure causes: 1.",
        "Failed queue elements: 1.",
        "Failed or stuck triggers: 1.",
        "Schedulers not online: 1.",
    ]


@oo_db
def test_throughput_counts_done_and_failed_per_day(as_viewer):
    for hours_ago, status in [
        (1, QueueStatus.DONE),
        (2, QueueStatus.DONE),
        (3, QueueStatus.FAILED),
        (30, QueueStatus.DONE),
        (24 * 9, QueueStatus.DONE),
    ]:
        end = NOW - dt.timedelta(hours=hours_ago)
        make_element("Q", status=status, created_date=end - dt.timedelta(minutes=5), end_date=end)
    make_element("Q", status=QueueStatus.FAILED, created_date=NOW, start_date=None, end_date=None)
    text = as_viewer.get("/").content.decode()
    numbers = text.split('class="throughput-numbers"', 1)[1]
    assert "<td>25-11-2026</td><td>2</td><td>1</td>" in numbers
    assert "<td>24-11-2026</td><td>1</td><td>0</td>" in numbers
    assert "16-11-2026" not in numbers
    assert "<svg" in text and "Queue elements done and failed per day" in text


@oo_db
def test_fragments_are_small_and_guarded(as_viewer, as_outsider):
    make_log("P", level=LogLevel.ERROR, message="fresh error", at=NOW)
    response = as_viewer.get("/dashboard/fragments/errors/")
    assert response.status_code == 200 and "fresh error" in response.content.decode()
    assert "<html" not in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    assert as_viewer.get("/dashboard/fragments/nope/").status_code == 404
    assert as_outsider.get("/dashboard/fragments/errors/").status_code == 403
    assert as_viewer.post("/dashboard/fragments/errors/").status_code == 405


@oo_db
def test_home_query_count_is_bounded(as_viewer, django_assert_max_num_queries):
    make_scheduler("PC-DEAD", age_seconds=600)
    for i in range(30):
        make_log(f"P{i}", level=LogLevel.ERROR, at=NOW - dt.timedelta(minutes=i))
        make_element(
            f"Q{i % 4}", status=QueueStatus.FAILED, created_date=NOW - dt.timedelta(minutes=i)
        )
        # Active triggers, each judged for staleness: the judgement must not cost queries per trigger.
        started = NOW - dt.timedelta(minutes=10)
        make_trigger(
            TriggerType.SCHEDULED,
            name=f"T{i}",
            process=f"P{i}",
            status=TriggerStatus.RUNNING,
            last_run=started,
        )
        make_job(f"P{i}", scheduler="PC-DEAD", status=JobStatus.RUNNING, start=started)
    as_viewer.get("/")  # sign-in and session set-up happen on the first request
    with (
        # 13: the panels; a full recent-errors panel is also counted (a bounded range count).
        django_assert_max_num_queries(13, connection=connections["orchestrator"]),
        django_assert_max_num_queries(8),
    ):
        text = as_viewer.get("/").content.decode()
    assert text.count("Its Scheduler PC-DEAD last pinged 10 min ago.") == 30


@oo_db
def test_an_element_that_failed_again_after_its_acknowledgement_is_open_again(as_viewer):
    """The dashboard and the failed inbox apply one rule (Acknowledgement.covers)."""
    again = make_element(
        "Post",
        status=QueueStatus.FAILED,
        reference="P-AGAIN",
        created_date=NOW - dt.timedelta(hours=5),
        end_date=NOW - dt.timedelta(hours=1),
    )
    handled = make_element(
        "Post",
        status=QueueStatus.FAILED,
        reference="P-HANDLED",
        created_date=NOW - dt.timedelta(hours=5),
        end_date=NOW - dt.timedelta(hours=3),
    )
    for element in (again, handled):
        Acknowledgement.objects.create(
            element_id=element.id,
            queue_name="Post",
            acknowledged_by_name="x",
            acknowledged_at=NOW - dt.timedelta(hours=2),
        )
    dashboard = as_viewer.get("/").content.decode()
    inbox = as_viewer.get("/queues/failed/").content.decode()
    for page in (dashboard, inbox):
        assert "P-AGAIN" in page
        assert "P-HANDLED" not in page
    assert re.search(r"Post</a>: <a [^>]*data-inbox-queue>1</a>", dashboard)


@oo_db
@pytest.mark.parametrize("status_index", [True, False], ids=["indexed", "unindexed"])
@pytest.mark.parametrize("scan", [2000, 80, 20])
def test_the_failed_panel_agrees_with_the_plain_rule_on_a_mixed_set(
    scan, status_index, monkeypatch
):
    """Against the rule written the obvious way: FAILED, in the window by end date (or created date
    without one), not covered by an acknowledgement, newest first by that date. Counted by the
    database, or (more failures than FAILED_ELEMENTS_SCAN, or without the recommended (status,
    end_date) index, where every read is a scan) weighed one by one: the same."""
    import random

    from dashboard import panels
    from orchestrator_site import indexes

    monkeypatch.setattr(panels, "FAILED_ELEMENTS_SCAN", scan)
    present = indexes.present
    monkeypatch.setattr(
        indexes,
        "present",
        lambda name: status_index if name == panels.STATUS_END_INDEX else present(name),
    )
    rng = random.Random(5)
    start = NOW - dt.timedelta(hours=48)
    elements = []
    for n in range(60):
        created = NOW - dt.timedelta(minutes=rng.randrange(10, 80 * 60))
        end = None if n % 7 == 0 else created + dt.timedelta(minutes=rng.randrange(1, 90))
        status = QueueStatus.FAILED if n % 9 else QueueStatus.DONE
        element = make_element(
            rng.choice(["A", "B", "C"]),
            status=status,
            reference=f"R{n}",
            created_date=created,
            start_date=created,
            end_date=end,
        )
        elements.append(element)
        if n % 4 == 0:
            Acknowledgement.objects.create(
                element_id=element.id,
                queue_name=element.queue_name,
                acknowledged_by_name="x",
                acknowledged_at=created + dt.timedelta(minutes=rng.randrange(0, 120)),
            )
    acks = {a.element_id: a for a in Acknowledgement.objects.all()}

    def when(e):
        return e.end_date or e.created_date

    expected = [
        e
        for e in elements
        if e.status == QueueStatus.FAILED
        and when(e) >= start
        and (e.end_date is not None or e.created_date >= start)
        and not (e.id in acks and acks[e.id].covers(e))
    ]
    expected.sort(key=when, reverse=True)
    found = panels.failed_elements(start)
    if scan < len(expected):  # more than a scan's worth: the newest `scan`, and "+"
        assert found.capped and found.total <= scan
        assert sum(n for _queue, n in found.per_queue) == found.total
        assert {e.reference for e in found.shown} <= {e.reference for e in expected}
        return
    assert not found.capped
    assert found.total == len(expected) > panels.FAILED_ELEMENTS_SHOWN
    assert [e.reference for e in found.shown] == [
        e.reference for e in expected[: panels.FAILED_ELEMENTS_SHOWN]
    ]
    counts: dict[str, int] = {}
    for e in expected:
        counts[e.queue_name] = counts.get(e.queue_name, 0) + 1
    assert dict(found.per_queue) == counts


@pytest.mark.django_db(databases=["default", "orchestrator"])
def test_no_template_comment_leaks_into_the_page(as_viewer):
    """Django's {# #} is one line only: a longer one would print as page text."""
    text = as_viewer.get("/").content.decode()
    assert "{#" not in text and "#}" not in text and "{%" not in text
