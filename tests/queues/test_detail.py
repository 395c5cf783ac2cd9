"""One element: every field, data pretty-printed (escaped), timeline, acknowledgement, links."""

from __future__ import annotations

import datetime as dt
import uuid

from django.urls import reverse

from queues.models import QueueStatus
from queues.services import acknowledge_elements
from tests.helpers import NOW, make_element, make_trigger, oo_db
from triggers.models import TriggerType


def url(element_id) -> str:
    return reverse("queues:element", args=[element_id])


@oo_db
def test_it_shows_every_field_and_the_timeline(as_viewer):
    element = make_element(
        status=QueueStatus.DONE,
        reference="INV-7",
        created_date=NOW - dt.timedelta(hours=2),
        start_date=NOW - dt.timedelta(hours=1, minutes=30),
        end_date=NOW - dt.timedelta(hours=1, minutes=28, seconds=30),
        message="done well",
        created_by="robot",
        data="plain text",
    )
    page = as_viewer.get(url(element.pk)).content.decode()
    for text in (
        str(element.pk),
        "INV-7",
        "Queue A",
        "25-11-2026 08:30:15",
        "25-11-2026 09:00:15",
        "25-11-2026 09:01:45",
        "done well",
        "robot",
        "plain text",
        "waited 30 min",
        "processing took 1 min 30 s",
    ):
        assert text in page, text


@oo_db
def test_json_data_is_pretty_printed_and_escaped(as_viewer):
    element = make_element(data='{"name":"<script>alert(1)</script>","n":[1,2],"by":"Åse"}')
    page = as_viewer.get(url(element.pk)).content.decode()
    assert "{\n  &quot;name&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;," in page
    assert "Åse" in page and "<script>alert(1)" not in page


@oo_db
def test_links_to_logs_and_jobs_of_the_queue_trigger_s_process_in_the_window(as_viewer):
    make_trigger(TriggerType.QUEUE, process="Robot <P>", queue_name="Queue A")
    element = make_element(
        status=QueueStatus.FAILED,
        start_date=dt.datetime(2026, 11, 25, 9, 0, 0),
        end_date=dt.datetime(2026, 11, 25, 9, 5, 0),
    )
    response = as_viewer.get(url(element.pk))
    (link,) = response.context["processes"].handlers
    assert link.process == "Robot <P>"
    assert (
        "start=2026-11-25T08%3A59%3A00" in link.logs_url
        and "end=2026-11-25T09%3A07%3A00" in link.logs_url
    )
    assert link.logs_url.startswith(reverse("logs:process", args=["Robot <P>"]) + "?")
    assert link.jobs_url.startswith("/jobs/?process=Robot")
    assert "end=2026-11-25T09%3A07%3A00" in link.jobs_url
    assert "Robot &lt;P&gt;" in response.content.decode()


@oo_db
def test_without_a_queue_trigger_or_a_start_there_is_nothing_to_link(as_viewer):
    element = make_element(status=QueueStatus.NEW)
    page = as_viewer.get(url(element.pk)).content.decode()
    assert "No process found: it has no “created by”, no queue trigger works the queue" in page
    assert "Not taken by a robot yet" in page


@oo_db
def test_stale_in_progress_is_flagged(as_viewer, settings):
    settings.CONSOLE_STALE_ELEMENT_MINUTES = 60
    element = make_element(status=QueueStatus.IN_PROGRESS, start_date=NOW - dt.timedelta(hours=3))
    page = as_viewer.get(url(element.pk)).content.decode()
    assert "In progress for 3 h" in page and "stale" in page


@oo_db
def test_it_shows_the_acknowledgement(as_viewer, operator_user):
    element = make_element(status=QueueStatus.FAILED)
    acknowledge_elements(user=operator_user, ids=[element.pk], comment="<b>handled</b>")
    page = as_viewer.get(url(element.pk)).content.decode()
    assert "Acknowledged by test\\otto on 25-11-2026 10:30:15: “&lt;b&gt;handled&lt;/b&gt;”" in page


@oo_db
def test_unknown_or_malformed_ids_are_404(as_viewer):
    assert as_viewer.get(url(uuid.uuid4())).status_code == 404
    for bad in ("not-a-uuid", "1234", uuid.uuid4().hex, str(uuid.uuid4()).upper(), "' OR 1=1 --"):
        assert as_viewer.get(f"/queues/element/{bad}/").status_code == 404, bad
