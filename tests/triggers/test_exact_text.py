"""Editing keeps OpenOrchestrator's text exactly as stored and writes only the field that changed.

The rows are written and read back by OpenOrchestrator's own db_util; the form is submitted as a
browser would send it (tests.formdata): spaces, tabs, line breaks and non-ASCII text must survive.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.formdata import browser_data
from tests.helpers import oo_tx
from tests.triggers.util import audit_rows
from triggers.services import CHILD_FIELDS, PARENT_FIELDS

FAR = dt.datetime(2030, 1, 2, 3, 4, 5)
ODD = {
    "trigger_name": " Kø\tnat ",
    "process_name": "Proces ø ",
    "process_path": " C:/robots/ø/main.py\t",
    "process_args": "--a \n--b\t",
    "git_branch": " main ",
}
COMMON = {
    "process_path": ODD["process_path"],
    "process_args": ODD["process_args"],
    "is_git_repo": True,
    "is_blocking": False,
    "priority": 3,
    "scheduler_whitelist": [" PC-1 ", "PC-2"],
    "git_branch": ODD["git_branch"],
}
# Every column OpenOrchestrator's Trigger objects carry, the ones no edit may write included.
COLUMNS = (
    *PARENT_FIELDS,
    *dict.fromkeys(f for fields in CHILD_FIELDS.values() for f in fields),
    "last_run",
    "process_status",
)
TYPED = " ny\tværdi ø "  # what the person types into the one field they change
NEW_VALUES = {
    "trigger_name": TYPED,
    "process_name": TYPED,
    "process_path": TYPED,
    "process_args": TYPED,
    "git_branch": TYPED,
    "priority": "7",
    "cron_expr": " 30 7 * * 1 ",
    "queue_name": " Kø\tny ",
}
TEXT_FIELDS = ["trigger_name", "process_name", "process_path", "process_args", "git_branch"]
CASES = [
    *[("single", f) for f in [*TEXT_FIELDS, "priority"]],
    *[("scheduled", f) for f in [*TEXT_FIELDS, "priority", "cron_expr"]],
    *[("queue", f) for f in [*TEXT_FIELDS, "priority", "queue_name"]],
]


def create(db_util, kind: str):
    name, process = ODD["trigger_name"], ODD["process_name"]
    if kind == "single":
        return db_util.create_single_trigger(name, process, FAR, **COMMON)
    if kind == "scheduled":
        return db_util.create_scheduled_trigger(name, process, "0 6 * * * ", FAR, **COMMON)
    return db_util.create_queue_trigger(
        name, process, "Kø ", min_batch_size=2, **{**COMMON, "priority": 3}
    )


def stored(db_util, trigger_id) -> dict:
    row = db_util.get_trigger(trigger_id)
    return {name: getattr(row, name) for name in COLUMNS if hasattr(row, name)}


def save(client, trigger_id, **changes):
    """Open the edit page, change `changes` only, and save as a browser would."""
    url = f"/triggers/{trigger_id}/edit/"
    data = browser_data(client.get(url).content.decode(), containing="trigger_name")
    return client.post(url, {**data, **changes})


def expected_value(field: str):
    return int(NEW_VALUES[field]) if field == "priority" else NEW_VALUES[field]


@oo_tx
@pytest.mark.parametrize(("kind", "field"), CASES)
def test_changing_one_field_leaves_every_other_column_byte_identical(
    as_admin, db_util, kind, field
):
    db_util.send_ping_from_scheduler("PC-2")  # a known Scheduler: its checkbox is ticked
    trigger_id = create(db_util, kind)
    before = stored(db_util, trigger_id)
    response = save(as_admin, trigger_id, **{field: NEW_VALUES[field]})
    assert response.status_code == 302, response.context["form"].errors

    after = stored(db_util, trigger_id)
    wanted = {**before, field: expected_value(field)}
    if field == "cron_expr":  # a new expression moves the next run, as in OpenOrchestrator
        moved = after.pop("next_run")
        assert (moved.weekday(), moved.hour, moved.minute) == (0, 7, 30) and moved != FAR
        wanted.pop("next_run")
    assert after == wanted
    [entry] = audit_rows("trigger.edit")
    assert entry.outcome == "ok"


@oo_tx
@pytest.mark.parametrize("kind", ["single", "scheduled", "queue"])
def test_saving_the_untouched_form_writes_nothing(as_admin, db_util, kind):
    trigger_id = create(db_util, kind)
    before = stored(db_util, trigger_id)
    response = save(as_admin, trigger_id)
    assert response.status_code == 302
    assert "is unchanged" in as_admin.get(response["Location"]).content.decode()
    assert stored(db_util, trigger_id) == before
    assert not audit_rows("trigger.edit")


@oo_tx
def test_a_priority_edit_keeps_the_queue_name_so_the_scheduler_still_fires_it(as_admin, db_util):
    trigger_id = create(db_util, "queue")
    assert save(as_admin, trigger_id, priority="9").status_code == 302
    db_util.create_queue_element("Kø ")
    db_util.create_queue_element("Kø ")
    [pending] = db_util.get_pending_queue_triggers()
    assert pending.queue_name == "Kø " and pending.priority == 9


@oo_tx
def test_an_unchanged_cron_with_spaces_keeps_the_next_run(as_admin, db_util):
    trigger_id = create(db_util, "scheduled")
    assert save(as_admin, trigger_id, priority="-1").status_code == 302
    row = db_util.get_trigger(trigger_id)
    assert row.cron_expr == "0 6 * * * " and row.next_run == FAR and row.priority == -1
