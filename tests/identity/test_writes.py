"""The write contract: one audit row per write, whether it succeeds, refuses or fails."""

from __future__ import annotations

import pytest

from orchestrator_site.audit import AuditOutcome
from orchestrator_site.models import AuditEntry
from orchestrator_site.writes import CONSOLE, write


class Refusal(Exception):
    pass


def only_row() -> AuditEntry:
    (row,) = AuditEntry.objects.all()
    return row


@pytest.mark.django_db
def test_a_partial_write_is_audited_with_its_counts():
    with write("thing.do", user=None, target_type="thing", using=(CONSOLE,)) as w:
        w.result.asked, w.result.changed = 3, 2
    row = only_row()
    assert (row.action, row.count, row.outcome) == ("thing.do", 2, AuditOutcome.PARTIAL)


@pytest.mark.django_db
def test_a_write_that_changes_nothing_is_audited_as_refused():
    with write("thing.do", user=None, target_type="thing", using=(CONSOLE,)) as w:
        w.result.asked = 1
    assert only_row().outcome == AuditOutcome.REFUSED


@pytest.mark.django_db
def test_a_refusal_raised_inside_rolls_back_and_is_audited_with_its_reason():
    with pytest.raises(Refusal):
        with write(
            "thing.do", user=None, target_type="thing", using=(CONSOLE,), refusals=(Refusal,)
        ):
            raise Refusal("Someone changed it meanwhile.")
    row = only_row()
    assert (row.outcome, row.reason) == (AuditOutcome.REFUSED, "Someone changed it meanwhile.")


@pytest.mark.django_db
def test_a_failure_half_way_is_audited_as_partial():
    with pytest.raises(OSError):
        with write("thing.do", user=None, target_type="thing", using=()) as w:
            w.result.asked, w.result.changed = 10, 4
            raise OSError("disk full")
    row = only_row()
    assert (row.outcome, row.count) == (AuditOutcome.PARTIAL, 4)
    assert row.detail == "Stopped after 4 of 10: OSError"
