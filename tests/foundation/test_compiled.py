"""A statement compiled once (orchestrator_site.compiled) returns what its QuerySet returns: the
same instances or tuples, with the ORM's types, on whichever backend runs the tests; and a query
it cannot reproduce runs through the ORM instead."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from dashboard import panels
from orchestrator_site import compiled
from tests.helpers import NOW, make_job, make_scheduler, make_trigger, oo_db
from triggers import liveness
from triggers.models import Job, JobStatus, Scheduler, Trigger, TriggerStatus, TriggerType

ODD_NAMES = ["Line\nbreak", "a/b", "trailing ", "", "Kø <b>&"]


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def _typed(values) -> list:
    return [(value, type(value)) for value in values]


@pytest.fixture
def rows():
    for i, name in enumerate(ODD_NAMES):
        status = [TriggerStatus.FAILED, TriggerStatus.RUNNING, TriggerStatus.IDLE][i % 3]
        trigger = make_trigger(
            TriggerType.SCHEDULED,
            name=name or "blank",
            process=f"P {name}",
            status=status,
            last_run=NOW - dt.timedelta(minutes=i),
            scheduler_whitelist=["M1", name],
        )
        Trigger.objects.filter(pk=trigger.pk).update(trigger_name=name)  # "" too
        make_job(f"P {name}", scheduler=name or "M0", status=JobStatus.RUNNING, start=NOW)
        make_job(f"P {name}", status=JobStatus.DONE)
    make_scheduler("M1", age_seconds=5)
    Scheduler.objects.create(
        machine_name="M2 ",
        last_update=NOW,
        latest_trigger="Line\nbreak",
        latest_trigger_time=NOW - dt.timedelta(seconds=3, microseconds=7),
    )


STATEMENTS = [
    (Trigger, "dashboard:trigger-problems", panels._failed_or_active),
    (Job, "dashboard:running-jobs", panels._running),
    (Job, "liveness:running-pairs", liveness._running_pairs),
    (Scheduler, "liveness:schedulers", liveness._latest_first),
]


@oo_db
@pytest.mark.parametrize(("model", "name", "build"), STATEMENTS, ids=[s[1] for s in STATEMENTS])
def test_each_statement_returns_what_its_queryset_returns(rows, model, name, build):
    ours = compiled.rows(model, name, build)
    orms = list(build(model.objects.all()))
    assert ours, "the fixture gives every statement rows"
    assert compiled._statements[(name, "orchestrator")] is not None, "compiled, not the ORM's path"
    if isinstance(orms[0], tuple):
        assert [_typed(row) for row in ours] == [_typed(row) for row in orms]
    else:
        assert [_typed(_fields(o).values()) for o in ours] == [
            _typed(_fields(o).values()) for o in orms
        ]
        assert all(not o._state.adding and o._state.db == "orchestrator" for o in ours)
    # Run again from the kept statement: the same rows, and one query.
    with CaptureQueriesContext(connections["orchestrator"]) as queries:
        again = compiled.rows(model, name, build)
    assert len(queries) == 1
    assert [str(o) for o in again] == [str(o) for o in ours]


@oo_db
def test_a_write_is_seen_by_the_next_run(rows):
    """Only the SQL is kept, never rows."""
    before = compiled.rows(Trigger, "dashboard:trigger-problems", panels._failed_or_active)
    Trigger.objects.filter(trigger_name="trailing ").update(process_status=TriggerStatus.FAILED)
    after = compiled.rows(Trigger, "dashboard:trigger-problems", panels._failed_or_active)
    assert "trailing " not in [t.trigger_name for t in before]
    assert "trailing " in [t.trigger_name for t in after]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["ada", "trailing ", "Kø\n<b>", ""])
def test_a_text_parameter_is_sent_as_given(name):
    User.objects.create(username=name or "-", first_name="x")
    User.objects.create(username=name + "x")

    def by_name(users, username):
        return users.filter(username=username).order_by("pk")

    found = compiled.rows(User, "test:user-by-name", by_name, name or "-")
    assert [u.username for u in found] == [name or "-"]
    assert compiled._statements[("test:user-by-name", "default")] is not None
    assert compiled.rows(User, "test:user-by-name", by_name, "nobody") == []


@pytest.mark.django_db
def test_what_it_cannot_reproduce_goes_through_the_orm():
    User.objects.create(username="ada", first_name="Ada")
    shapes = {
        "test:contains": lambda users, text: users.filter(username__contains=text),  # "%ada%"
        "test:only": lambda users, text: users.filter(username=text).only("username"),
        "test:values": lambda users, text: users.filter(username=text).values("username"),
        "test:prefetch": lambda users, text: users.filter(username=text).prefetch_related("groups"),
        "test:annotated": lambda users, text: users.filter(username=text).annotate(
            n=Count("groups")
        ),
    }
    for name, build in shapes.items():
        found = compiled.rows(User, name, build, "ada")
        assert compiled._statements[(name, "default")] is None, name
        assert list(found) == list(build(User.objects.all(), "ada")), name


@pytest.mark.django_db
def test_a_change_of_database_routing_compiles_again(settings):
    compiled.rows(User, "test:all", lambda users: users.all())
    assert ("test:all", "default") in compiled._statements
    settings.DATABASE_ROUTERS = list(settings.DATABASE_ROUTERS)
    assert ("test:all", "default") not in compiled._statements


@oo_db
def test_flat_values_are_the_querysets(rows):
    names = Job.objects.order_by("scheduler_name").values_list("scheduler_name", flat=True)
    assert compiled.flat_values(names) == list(names)
    assert "Line\nbreak" in compiled.flat_values(names) and "" not in compiled.flat_values(names)
    # A column the ORM converts (a datetime on SQLite), and a query of several columns: the ORM's.
    starts = Job.objects.order_by("start_time").values_list("start_time", flat=True)
    assert compiled.flat_values(starts) == list(starts)
    assert all(isinstance(start, dt.datetime) for start in compiled.flat_values(starts))
    pairs = Job.objects.order_by("pk").values_list("pk", "status")
    assert compiled.flat_values(pairs) == list(pairs)


@oo_db
def test_a_statement_per_value_reads_each_value_as_the_orm_does(rows):
    """One compiled statement for every value (the search's levels): the same typed rows as the
    QuerySet per value, one query per read; a shape it cannot reproduce goes through the ORM."""

    def running_of(process: str):
        return (
            Job.objects.filter(process_name=process, start_time__lte=NOW + dt.timedelta(days=1))
            .order_by("-start_time", "pk")
            .values_list("start_time", "pk", "status")[:5]
        )

    read = compiled.per_value(running_of)
    for name in [f"P {n}" for n in ODD_NAMES] + ["nobody"]:
        with CaptureQueriesContext(connections["orchestrator"]) as queries:
            ours = read(name)
        assert len(queries) == 1
        assert [_typed(row) for row in ours] == [_typed(row) for row in running_of(name)]
    assert read("P Line\nbreak"), "the fixture gives the odd names rows"
    contains = compiled.per_value(lambda text: Job.objects.filter(process_name__contains=text))
    assert [j.pk for j in contains("break")] == [
        j.pk for j in Job.objects.filter(process_name__contains="break")
    ]
