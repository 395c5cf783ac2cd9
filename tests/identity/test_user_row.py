"""The request's user row, read with a statement compiled once (orchestrator_site.userrow), is the
row the ORM reads: every field, with the ORM's types, on whichever backend holds the console."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from orchestrator_site import userrow
from orchestrator_site.identity import Identity, signed_in_environ
from tests.helpers import oo_db

NAMES = ["test\\ada", "ada@example.org", "name with trailing space ", 'Kø/1 "quoted" <b>']


def _fields(user: User) -> dict:
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_the_row_is_the_orms(name):
    user = User.objects.create(username=name, is_staff=True, email="a@example.org")
    user.set_unusable_password()
    user.last_login = dt.datetime(2026, 11, 28, 9, 30, 15, 250000)
    user.save()
    ours, orms = userrow.read(name), User.objects.get(username=name)
    assert _fields(ours) == _fields(orms)
    assert {k: type(v) for k, v in _fields(ours).items()} == {
        k: type(v) for k, v in _fields(orms).items()
    }
    assert not ours._state.adding and ours._state.db == orms._state.db
    # An instance that saves like one the ORM read.
    ours.first_name = "Ada"
    ours.save(update_fields=["first_name"])
    assert User.objects.get(pk=orms.pk).first_name == "Ada"


@pytest.mark.django_db
def test_only_that_exact_name():
    User.objects.create(username="test\\ada")
    assert userrow.read("test\\ada ") is None
    assert userrow.read("test\\ad") is None
    assert userrow.read("") is None


@oo_db
def test_one_query_reads_the_user_of_a_request():
    client = Client(**signed_in_environ(Identity("TEST\\Vera", ("TEST\\rpa-viewers",))))
    assert client.get("/audit/").status_code == 200  # the row is made on the first visit
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/audit/").status_code == 200
    user_reads = [q["sql"] for q in queries if "auth_user" in q["sql"] and "username" in q["sql"]]
    assert len(user_reads) == 1, user_reads
    User.objects.filter(username="test\\vera").update(is_active=False)
    assert client.get("/audit/").status_code == 403  # still at once
