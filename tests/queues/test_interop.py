"""OpenOrchestrator's own code and the console on the same rows, committed (as in production)."""

from __future__ import annotations

import datetime as dt
import io
import itertools

from django.db import connections
from django.urls import reverse
from OpenOrchestrator.database.queues import QueueStatus as OOQueueStatus

from queues.models import QueueElement, QueueStatus
from tests.helpers import NOW, make_element, oo_tx
from tests.queues.util import messages_of


@oo_tx
def test_openorchestrator_reads_every_element_the_console_wrote(db_util, as_operator, monkeypatch):
    # Time moves on between the two additions (the fixed clock would give the form's element and
    # the file's first row the same created_date, and robots no defined order between them).
    ticks = itertools.count()
    monkeypatch.setattr(
        "orchestrator_site.clock.now", lambda: NOW + dt.timedelta(seconds=next(ticks))
    )
    as_operator.post(
        reverse("queues:create"),
        {
            "queue_name": "Queue Ø",
            "reference": "form-1",
            "data": '{"x": "æ"}',
            "confirmed": ["new_queue"],
        },
    )
    upload = io.BytesIO("reference,data\ncsv-1,første\ncsv-2,\n,no ref\n".encode())
    upload.name = "rows.csv"
    response = as_operator.post(reverse("queues:upload"), {"queue_name": "Queue Ø", "file": upload})
    as_operator.post(
        reverse("queues:upload"), {"token": response.context["confirm"].initial["token"]}
    )

    mine = list(QueueElement.objects.filter(queue_name="Queue Ø"))
    assert len(mine) == 4
    for element in mine:
        theirs = db_util.get_queue_element(element.pk)
        assert theirs.status == OOQueueStatus.NEW and theirs.queue_name == "Queue Ø"
        assert (theirs.reference, theirs.data) == (element.reference, element.data)
        assert theirs.created_date == element.created_date and theirs.created_by == "test\\otto"
        assert theirs.start_date is None and theirs.end_date is None
    listed = db_util.get_queue_elements("Queue Ø", limit=None)
    assert {e.id for e in listed} == {e.pk for e in mine}
    assert db_util.get_queue_count()["Queue Ø"][OOQueueStatus.NEW] == 4
    # Robots take them oldest first: the form's element, then the CSV rows in file order.
    taken = [db_util.get_next_queue_element("Queue Ø").reference for _ in range(4)]
    assert taken == ["form-1", "csv-1", "csv-2", None]


@oo_tx
def test_a_retried_element_is_taken_again_by_a_robot(db_util, as_operator):
    element = db_util.create_queue_element("Queue A", "r1", "d", "robot")
    db_util.get_next_queue_element("Queue A")
    db_util.set_queue_element_status(element.id, OOQueueStatus.FAILED, "broke")
    as_operator.post(reverse("queues:retry"), {"ids": [element.id], "confirmed": "True"})
    theirs = db_util.get_queue_element(element.id)
    assert theirs.status == OOQueueStatus.NEW and theirs.message == "broke"
    assert theirs.start_date is None and theirs.end_date is None
    assert theirs.created_date == element.created_date
    again = db_util.get_next_queue_element("Queue A")
    assert again.id == element.id


@oo_tx
def test_a_robot_taking_an_element_after_the_page_loaded_wins_over_delete(db_util, as_operator):
    ids = [db_util.create_queue_element("Queue A", f"r{i}", "", "robot").id for i in range(3)]
    # The operator opens the confirmation page: three New elements, all deletable.
    page = as_operator.post(reverse("queues:delete"), {"ids": ids})
    assert "Delete 3 of 3 selected elements?" in page.content.decode()
    # Meanwhile a robot takes the oldest one.
    taken = db_util.get_next_queue_element("Queue A")
    response = as_operator.post(
        reverse("queues:delete"), {"ids": ids, "delete_confirmed": "True"}, follow=True
    )
    assert "Deleted 2 of 3; 1 was in progress or already gone." in messages_of(response)
    assert list(QueueElement.objects.values_list("pk", flat=True)) == [taken.id]
    db_util.set_queue_element_status(taken.id, OOQueueStatus.DONE, "finished anyway")
    assert db_util.get_queue_element(taken.id).status == OOQueueStatus.DONE


@oo_tx
def test_a_robot_taking_an_element_after_the_page_loaded_wins_over_retry(db_util, as_operator):
    failed = []
    for i in range(3):
        element = db_util.create_queue_element("Queue A", f"f{i}", "", "robot")
        db_util.get_next_queue_element("Queue A")
        db_util.set_queue_element_status(element.id, OOQueueStatus.FAILED, "boom")
        failed.append(element.id)
    page = as_operator.post(reverse("queues:retry"), {"ids": failed})
    assert "3</strong> failed or abandoned elements will be retried" in page.content.decode()
    # Someone else retries one via OpenOrchestrator, and a robot takes it at once.
    db_util.set_queue_element_status(failed[0], OOQueueStatus.NEW)
    taken = db_util.get_next_queue_element("Queue A")
    assert taken.id == failed[0]
    response = as_operator.post(
        reverse("queues:retry"), {"ids": failed, "confirmed": "True"}, follow=True
    )
    assert "Retried 2 of 3; 1 was no longer failed or abandoned." in messages_of(response)
    assert db_util.get_queue_element(failed[0]).status == OOQueueStatus.IN_PROGRESS
    assert db_util.get_queue_element(failed[0]).start_date is not None


@oo_tx
def test_a_robot_working_between_bulk_batches(db_util, as_operator, settings):
    """Before the console reads each further batch of ids (it walks the matches by primary key), a
    robot takes the oldest New element. The console still lists it in a batch, and its conditional
    delete leaves it alone."""
    settings.CONSOLE_BULK_BATCH_SIZE = 2
    for i in range(6):
        db_util.create_queue_element("Queue A", f"n{i}", "", "robot")
    reads = []

    def robot_before_each_later_batch(execute, sql, params, many, context):
        if sql.startswith('SELECT "Queues"."id"') and " LIMIT " in sql:  # the next batch's ids
            taken = db_util.get_next_queue_element("Queue A") if reads else None
            reads.append(taken.id if taken else None)
        return execute(sql, params, many, context)

    with connections["orchestrator"].execute_wrapper(robot_before_each_later_batch):
        done = as_operator.post(reverse("queues:bulk", args=["Queue A"]), {"action": "delete"})
    response = as_operator.get(done["Location"])
    taken = {pk for pk in reads if pk}
    # Three batches of two, then an empty read; the robot found a New element twice.
    assert len(reads) == 4 and len(taken) == 2
    # The elements the robot took survive; every other one is gone.
    left = set(QueueElement.objects.values_list("pk", flat=True))
    assert left == taken
    assert "Deleted 4 of 6; 2 were in progress or already gone." in messages_of(response)
    for pk in left:
        assert db_util.get_queue_element(pk).status == OOQueueStatus.IN_PROGRESS


@oo_tx
def test_stale_elements_left_by_a_dead_robot_can_be_retried(db_util, as_operator, monkeypatch):
    element = db_util.create_queue_element("Queue A", "stuck", "", "robot")
    db_util.get_next_queue_element("Queue A")
    started = db_util.get_queue_element(element.id).start_date
    later = started + dt.timedelta(hours=5)
    monkeypatch.setattr("orchestrator_site.clock.now", lambda: later)
    as_operator.post(
        reverse("queues:retry"),
        {"ids": [element.id], "confirmed": "True", "include_stale": "on"},
    )
    assert db_util.get_queue_element(element.id).status == OOQueueStatus.NEW


@oo_tx
def test_rows_written_by_openorchestrator_show_in_the_console(db_util, as_viewer):
    db_util.create_queue_element("Queue A", "from-robot", '{"k": "<v>"}', "robot")
    make_element("Queue A", status=QueueStatus.FAILED, reference="console", created_date=NOW)
    response = as_viewer.get(reverse("queues:elements", args=["Queue A"]))
    refs = {row.record.reference for row in response.context["table"].page.object_list}
    assert refs == {"from-robot", "console"}
