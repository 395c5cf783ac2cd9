"""ConsoleFilterSet, the base of every list's filter: it filters a valid form or shows nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory

from orchestrator_site.filters import AuditFilter
from orchestrator_site.models import AuditEntry
from tests.helpers import NOW, oo_db
from triggers.models import Job


def _entry(**fields) -> AuditEntry:
    values = {"at": NOW, "username": "test\\otto", "action": "queue.retry", "target_type": "x"}
    return AuditEntry.objects.create(**{**values, **fields})


@pytest.mark.django_db
def test_an_invalid_field_gives_no_rows_rather_than_being_left_out():
    _entry()
    filterset = AuditFilter({"outcome": "nonsense"}, queryset=AuditEntry.objects.all())
    assert list(filterset.qs) == [] and "outcome" in filterset.errors


@oo_db
def test_a_to_before_its_from_is_an_error_on_every_list(as_viewer):
    _entry()
    later, earlier = NOW.strftime("%Y-%m-%dT%H:%M:%S"), (NOW - dt.timedelta(days=1)).isoformat()
    filterset = AuditFilter({"after": later, "before": earlier}, queryset=AuditEntry.objects.all())
    assert list(filterset.qs) == []
    assert filterset.errors["before"] == ["“To” must not be before “From”."]
    body = as_viewer.get("/audit/", {"after": later, "before": earlier}).content.decode()
    assert "queue.retry" not in body and "must not be before" in body


@oo_db
def test_the_jobs_list_checks_its_range_too(as_viewer):
    from triggers.filters import JobFilter

    request = RequestFactory().get("/", {"start": "2026-11-25T10:00:00", "end": "2026-11-24T10:00"})
    filterset = JobFilter(request.GET, queryset=Job.objects.all())
    assert not filterset.is_valid() and "end" in filterset.errors
