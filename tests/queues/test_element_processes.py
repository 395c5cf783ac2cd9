"""From an element to its robot: the element page links to the logs and jobs of the process that
created it (`created_by`, when it names a process) and of the one that handled it (its queue's
trigger, or a job running while it was processed), and says plainly when no process is found."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from queues.models import QueueStatus
from tests.helpers import NOW, make_element, make_job, make_log, make_trigger, oo_db, oo_tx
from triggers.models import JobStatus, TriggerType


def page_of(client, element):
    """The element page's processes and HTML (`element` is the console's row or OpenOrchestrator's
    own object)."""
    element_id = element.pk if hasattr(element, "pk") else element.id
    response = client.get(reverse("queues:element", args=[element_id]))
    assert response.status_code == 200
    return response.context["processes"], response.content.decode()


@oo_tx
def test_a_robots_queue_without_a_trigger_links_its_creator_and_its_worker(as_viewer, db_util):
    """The whole life cycle written by OpenOrchestrator's own code: a producer robot creates the
    element under its process name, a worker robot that no queue trigger names takes it and fails
    it, each in a job a Scheduler started; a third job ended before the element was taken."""
    from OpenOrchestrator.database.jobs import JobStatus as OOJob
    from OpenOrchestrator.database.logs import LogLevel
    from OpenOrchestrator.database.queues import QueueStatus as OOQueue

    producer = db_util.start_job("Robot Producer", "PC-1")
    db_util.create_log("Robot Producer", LogLevel.INFO, producer.id, "Creating elements")
    created = db_util.create_queue_element("Nobody's queue", "REF-1", created_by="Robot Producer")
    db_util.set_job_status(producer.id, OOJob.DONE)
    bystander = db_util.start_job("Robot Bystander", "PC-3")
    db_util.set_job_status(bystander.id, OOJob.DONE)
    worker = db_util.start_job("Robot Worker", "PC-2")
    taken = db_util.get_next_queue_element("Nobody's queue")
    assert taken.id == created.id
    db_util.set_queue_element_status(taken.id, OOQueue.FAILED, "TimeoutError: portal")
    db_util.set_job_status(worker.id, OOJob.FAILED)

    processes, page = page_of(as_viewer, created)
    creator = processes.creator
    assert creator.process == "Robot Producer"
    assert [job.url for job in creator.jobs] == [reverse("triggers:job", args=[producer.id])]
    assert creator.logs_url.startswith(reverse("logs:process", args=["Robot Producer"]) + "?")
    assert [h.process for h in processes.handlers] == ["Robot Worker"]
    (handler,) = processes.handlers
    assert [job.url for job in handler.jobs] == [reverse("triggers:job", args=[worker.id])]
    assert handler.why == ["a job of it was running while the element was processed"]
    assert handler.logs_url.startswith(reverse("logs:process", args=["Robot Worker"]) + "?")
    for link in (creator.logs_url, creator.jobs_url, handler.logs_url, handler.jobs_url):
        assert f'href="{link}"'.replace("&", "&amp;") in page
    assert "Robot Bystander" not in page and "No process found" not in page
    # The links lead to that process's lines: the producer's log is on its logs page.
    assert "Creating elements" in as_viewer.get(creator.logs_url).content.decode()


@oo_db
def test_a_queue_trigger_and_a_job_of_the_same_process_are_one_entry(as_viewer):
    make_trigger(TriggerType.QUEUE, name="Works A", process="Robot A", queue_name="Queue A")
    element = make_element(status=QueueStatus.DONE)
    make_job("Robot A", start=element.start_date - dt.timedelta(minutes=5), end=element.end_date)
    processes, _ = page_of(as_viewer, element)
    (handler,) = processes.handlers
    assert handler.why == [
        "its queue trigger “Works A” works this queue",
        "a job of it was running while the element was processed",
    ]
    assert len(handler.jobs) == 1


@oo_db
def test_an_element_in_progress_finds_the_job_that_crashed_under_it(as_viewer):
    element = make_element(status=QueueStatus.IN_PROGRESS, start_date=NOW - dt.timedelta(hours=2))
    crashed = make_job(
        "Robot C",
        status=JobStatus.FAILED,
        start=element.start_date - dt.timedelta(seconds=30),
        end=element.start_date + dt.timedelta(minutes=3),
    )
    make_job("Robot Late", start=element.start_date + dt.timedelta(minutes=1))  # started after
    make_job("Robot Early", start=element.start_date - dt.timedelta(minutes=20))  # ended before
    processes, _ = page_of(as_viewer, element)
    assert [(h.process, [j.url for j in h.jobs]) for h in processes.handlers] == [
        ("Robot C", [reverse("triggers:job", args=[crashed.pk])])
    ]


@oo_db
def test_created_by_links_only_when_it_names_a_process(as_viewer):
    make_log("Hand-run robot", at=NOW - dt.timedelta(hours=3))  # a process known only by its logs
    by_robot = make_element(created_by="Hand-run robot")
    processes, _ = page_of(as_viewer, by_robot)
    assert processes.creator.process == "Hand-run robot" and processes.creator.jobs == []

    by_ui = make_element(created_by="Orchestrator UI")
    processes, page = page_of(as_viewer, by_ui)
    assert processes.creator is None
    assert "Orchestrator UI, by a person." in page

    by_person = make_element(created_by="CORP\\ada")
    processes, page = page_of(as_viewer, by_person)
    assert processes.creator is None
    assert "Created by “CORP\\ada”: no process of that name" in page
    assert "No process found: “created by” names no process, no queue trigger works" in page
    assert reverse("logs:process", args=["CORP\\ada"]) not in page


@oo_db
def test_a_taken_element_with_nothing_to_link_says_so(as_viewer):
    element = make_element(status=QueueStatus.FAILED)
    make_job("Robot Z", start=element.created_date - dt.timedelta(days=3))  # long over
    processes, page = page_of(as_viewer, element)
    assert not processes.found
    assert (
        "No process found: it has no “created by”, no queue trigger works the queue “Queue A”, "
        "and no job was running while it was processed." in page
    )


@oo_db
def test_a_hostile_process_name_is_escaped_and_round_trips(as_viewer):
    name = 'Robot "<b>x</b>" / 50%'
    make_job(name, start=NOW - dt.timedelta(days=1))
    element = make_element(created_by=name)
    processes, page = page_of(as_viewer, element)
    assert processes.creator.process == name
    assert "<b>x</b>" not in page and "Robot &quot;&lt;b&gt;x&lt;/b&gt;&quot; / 50%" in page
    logs = as_viewer.get(processes.creator.logs_url)
    assert logs.status_code == 200


@oo_db
def test_the_page_asks_a_bounded_number_of_queries(as_viewer, django_assert_max_num_queries):
    make_trigger(TriggerType.QUEUE, process="Robot A", queue_name="Queue A")
    make_log("Robot A")
    element = make_element(status=QueueStatus.DONE, created_by="Robot A")
    for minutes in range(10):
        make_job("Robot A", start=element.start_date - dt.timedelta(minutes=minutes + 1), end=NOW)
    with django_assert_max_num_queries(20):
        page_of(as_viewer, element)


@oo_db
def test_with_a_queue_trigger_other_robots_running_then_are_not_guessed(as_viewer):
    make_trigger(TriggerType.QUEUE, process="Robot A", queue_name="Queue A")
    element = make_element(status=QueueStatus.DONE)
    make_job("Robot B", start=element.start_date - dt.timedelta(minutes=5), end=element.end_date)
    processes, page = page_of(as_viewer, element)
    assert [h.process for h in processes.handlers] == ["Robot A"]
    assert processes.handlers[0].jobs == [] and "Robot B" not in page
