"""The one rule that ties a job to the trigger whose start created it (Jobs has no trigger id)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.urls import reverse

from tests.helpers import NOW, make_job, make_trigger, oo_db
from triggers import liveness, matching
from triggers.matching import JOB_START_WINDOW
from triggers.models import Job, JobStatus, Trigger, TriggerStatus, TriggerType

MS = dt.timedelta(milliseconds=1)


def trigger(name: str, last_run, process: str = "P") -> Trigger:
    return Trigger(id=uuid.uuid4(), trigger_name=name, process_name=process, last_run=last_run)


def job(start, process: str = "P") -> Job:
    return Job(id=uuid.uuid4(), process_name=process, scheduler_name="PC", start_time=start)


def matched(triggers, jobs) -> dict[str, Job | None]:
    found = matching.match(triggers, jobs)
    return {t.trigger_name: found[t.pk].job for t in triggers}


def test_a_job_just_after_the_only_fitting_last_run_is_that_triggers():
    a = trigger("A", NOW)
    j = job(NOW + 7 * MS)
    assert matched([a, trigger("Old", NOW - dt.timedelta(hours=1))], [j]) == {"A": j, "Old": None}


def test_a_job_before_the_last_run_or_after_the_window_belongs_to_nobody():
    a = trigger("A", NOW)
    assert matched([a], [job(NOW - MS)]) == {"A": None}
    assert matched([a], [job(NOW + JOB_START_WINDOW + MS)]) == {"A": None}
    assert matched([a], [job(NOW, process="Q")]) == {"A": None}
    assert matched([trigger("Never", None)], [job(NOW)]) == {"Never": None}


def test_the_closest_last_run_is_no_proof_two_fitting_triggers_match_nothing():
    # B's last_run is closer to A's job than A's own: picking the closest would be wrong.
    a, b = trigger("A", NOW), trigger("B", NOW + 5 * MS)
    ja, jb = job(NOW + 10 * MS), job(NOW + 20 * MS)
    found = matching.match([a, b], [ja, jb])
    assert found[a.pk].job is None and found[a.pk].ambiguous
    assert found[b.pk].job is None and found[b.pk].ambiguous


def test_two_jobs_fitting_one_start_match_nothing():
    a = trigger("A", NOW)
    found = matching.match([a], [job(NOW + MS), job(NOW + 2 * MS)])
    assert found[a.pk].job is None and found[a.pk].fitting == 2


@oo_db
def test_the_job_page_names_a_probable_trigger_only_without_doubt(as_viewer):
    start = NOW - dt.timedelta(minutes=10)
    make_trigger(name="A", process="P", last_run=start)
    make_trigger(name="B", process="P", last_run=start + 5 * MS)
    shared = make_job("P", start=start + 10 * MS)
    make_trigger(name="C", process="Q", last_run=start)
    alone = make_job("Q", start=start + 10 * MS)

    def probable(job_row):
        response = as_viewer.get(reverse("triggers:job", args=[job_row.pk]))
        return [c.trigger.trigger_name for c in response.context["candidates"] if c.probable]

    assert probable(shared) == []
    assert probable(alone) == ["C"]
    make_job("Q", start=start + 20 * MS)  # a second run fits C's start: no longer certain
    assert probable(alone) == []


@oo_db
def test_liveness_and_the_job_page_agree(as_viewer):
    """The owner of a trigger and the trigger of a job come from the same rule."""
    start = NOW - dt.timedelta(minutes=10)
    mine = make_trigger(
        TriggerType.SCHEDULED, process="P", status=TriggerStatus.RUNNING, last_run=start
    )
    other = make_trigger(
        TriggerType.SCHEDULED,
        process="P",
        status=TriggerStatus.RUNNING,
        last_run=start - dt.timedelta(seconds=1),
    )
    running = make_job("P", scheduler="PC-1", status=JobStatus.RUNNING, start=start + 3 * MS)
    who = liveness.owners([mine, other], NOW)
    assert who[mine.pk].job is None and who[mine.pk].ambiguous
    assert who[other.pk].job is None
    assert matching.trigger_of(running) is None


@oo_db
def test_the_window_query_finds_exactly_the_jobs_within_each_window(monkeypatch):
    """Through the database: the edges of the window, other processes, statements in chunks."""
    monkeypatch.setattr(matching, "WINDOWS_PER_STATEMENT", 2)
    inside = [
        make_job("P", start=NOW),
        make_job("P", start=NOW + JOB_START_WINDOW),
        make_job("Q", start=NOW + 10 * JOB_START_WINDOW + MS),
        make_job("Navn med æ/ø\n", start=NOW - dt.timedelta(days=30) + MS),
    ]
    for start, process in [
        (NOW - MS, "P"),
        (NOW + JOB_START_WINDOW + MS, "P"),
        (NOW, "Q"),
        (NOW - dt.timedelta(days=30) - MS, "Navn med æ/ø\n"),
    ]:
        make_job(process, start=start)
    windows = {
        ("P", NOW),
        ("Q", NOW + 10 * JOB_START_WINDOW),
        ("Navn med æ/ø\n", NOW - dt.timedelta(days=30)),
        ("Nobody", NOW),
    }
    found = matching.jobs_in_windows(windows)
    assert sorted(j.pk for j in found) == sorted(j.pk for j in inside)
    assert {j.pk: j.start_time for j in found} == {j.pk: j.start_time for j in inside}
    assert matching.jobs_in_windows(set()) == []


@oo_db
def test_the_match_of_some_triggers_is_the_rule_over_every_row():
    """jobs_of reads only the jobs of the asked triggers' own windows: for any of them the answer
    is the rule's over every trigger and every job, ambiguities included."""
    starts = [NOW, NOW + 2 * MS, NOW + dt.timedelta(minutes=5), NOW + dt.timedelta(minutes=9), None]
    triggers = [
        make_trigger(TriggerType.SINGLE, name=f"T{i}", process="P", last_run=start)
        for i, start in enumerate(starts)
    ] + [make_trigger(TriggerType.SINGLE, name="Q0", process="Q", last_run=NOW)]
    for start, process in [
        (NOW + MS * 5, "P"),  # fits T0 and T1: ambiguous for both
        (NOW + dt.timedelta(minutes=5, milliseconds=10), "P"),  # T2's alone
        (NOW + dt.timedelta(minutes=9, milliseconds=10), "P"),  # T3's, twice: ambiguous
        (NOW + dt.timedelta(minutes=9, milliseconds=20), "P"),
        (NOW + MS, "Q"),
    ]:
        make_job(process, start=start)
    everything = matching.match(Trigger.objects.all(), Job.objects.all())
    for size in range(1, len(triggers) + 1):
        for offset in range(len(triggers)):
            some = (triggers * 2)[offset : offset + size]
            found = matching.jobs_of(some)
            assert set(found) == {t.pk for t in some}
            for t in some:
                expected = everything.get(t.pk, matching.JobMatch(None, 0))
                assert found[t.pk] == expected, (t.trigger_name, found[t.pk], expected)
    assert matching.jobs_of(triggers[2:3])[triggers[2].pk].job is not None
    assert matching.jobs_of(triggers[3:4])[triggers[3].pk].ambiguous
    assert matching.jobs_of(triggers[:1])[triggers[0].pk].ambiguous
