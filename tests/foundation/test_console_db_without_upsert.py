"""The console's own database may be SQL Server (CONSOLE_DATABASE_URL=mssql+pyodbc://...), whose
Django backend (mssql-django) has no upsert: every write that upserts elsewhere must work without
one. Played here by switching the feature off on the test's own database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from orchestrator_site import groupstore
from queues import groups
from queues.models import Acknowledgement, ElementSignature, QueueStatus
from queues.services import acknowledge_elements
from tests.conftest import persona_client
from tests.helpers import NOW, make_element, oo_db


@pytest.fixture
def no_upsert(monkeypatch):
    """As mssql-django 2.0 reports: no INSERT ... ON CONFLICT / MERGE through bulk_create."""
    features = connections["default"].features
    monkeypatch.setattr(features, "supports_update_conflicts_with_target", False)
    monkeypatch.setattr(features, "supports_update_conflicts", False)


def failed(message: str, hours: float):
    return make_element(
        status=QueueStatus.FAILED, message=message, end_date=NOW - dt.timedelta(hours=hours)
    )


@oo_db
def test_signatures_are_stored_and_replaced_without_upsert(no_upsert):
    one, two = failed("TimeoutError: gave up", 2), failed("Sag KVI-00284 fejlede", 1)
    assert groupstore.fill(groups.SOURCE, NOW) == 2
    # Signed again (as a count does when the rules changed): the rows are replaced, not doubled.
    ElementSignature.objects.update(rules_version=0, signature="old")
    rows = [(e.pk, e.queue_name, e.end_date) for e in (one, two)]
    assert groupstore.sign(groups.SOURCE, rows) == 2
    stored = {s.element_id: s for s in ElementSignature.objects.all()}
    assert set(stored) == {one.pk, two.pk}
    assert stored[two.pk].signature == "Sag <ref> fejlede"
    assert all(s.rules_version != 0 for s in stored.values())


@oo_db
def test_acknowledging_twice_without_upsert_keeps_one_row_with_the_later_comment(no_upsert):
    element = failed("TimeoutError: gave up", 1)
    persona_client("operator").get("/queues/")  # signs the operator in: their user row
    operator = get_user_model().objects.get(username="test\\otto")
    acknowledge_elements(user=operator, ids=[element.pk], comment="first look")
    acknowledge_elements(user=operator, ids=[element.pk], comment="fixed the robot")
    (row,) = Acknowledgement.objects.filter(element_id=element.pk)
    assert row.comment == "fixed the robot"
