"""The exact bytes the console writes on SQLite are OpenOrchestrator's formats.

See docs/openorchestrator.md#storage-formats.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from django.conf import settings
from django.db import connections

from orchestrator_site.fields import OODateTimeField
from tests.helpers import make_trigger, oo_tx
from triggers.models import TriggerType

pytestmark = pytest.mark.sqlite_only


@oo_tx
def test_sqlite_rows_use_hex_ids_names_integers_and_six_digit_fractions(db_util):
    trigger = make_trigger(
        TriggerType.SINGLE,
        name="Fmt",
        next_run=dt.datetime(2026, 1, 2, 3, 4, 5),
        scheduler_whitelist=["A", "B"],
    )
    path = settings.DATABASES["orchestrator"]["SQLITE_PATH"]
    with sqlite3.connect(path) as raw:
        row = raw.execute(
            "SELECT id, process_status, is_git_repo, is_blocking, scheduler_whitelist, type FROM Triggers"
        ).fetchone()
        child = raw.execute("SELECT id, next_run FROM Single_Triggers").fetchone()
    assert row == (trigger.id.hex, "IDLE", 0, 1, '["A", "B"]', "SINGLE")
    assert child == (trigger.id.hex, "2026-01-02 03:04:05.000000")


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 1, 2, 3, 4, 5),
        dt.datetime(2026, 11, 29, 23, 59, 59, 999999),
        dt.datetime(2026, 11, 29, 8, 0, 0, 7),
        dt.datetime(1000, 1, 1),
        dt.datetime(999, 12, 31, 1, 2, 3, 4),
    ],
)
def test_every_datetime_parameter_is_sent_with_six_fraction_digits(moment):
    """What a filter or an update sends compares as text with what SQLAlchemy stored."""
    sent = OODateTimeField().get_db_prep_value(moment, connections["orchestrator"])
    assert sent == moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    assert sent[-7] == "." and len(sent.split(" ")[1]) == 15
