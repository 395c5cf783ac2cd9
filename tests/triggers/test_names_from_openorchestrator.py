"""Trigger names written by OpenOrchestrator's own db_util (a line break, a '/', a trailing space,
an empty name) in the buttons built once per kind of row and in the dashboard's trigger panel."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils.html import escape
from OpenOrchestrator.database.triggers import TriggerStatus as OOStatus

from tests.helpers import oo_tx
from tests.rowcontrols import Controls
from triggers.models import Trigger

NAMES = ["Line\nbreak", "with/slash", "trailing ", ""]


@oo_tx
def test_names_round_trip_in_the_buttons_and_the_dashboard(db_util, as_admin):
    later = dt.datetime.now() + dt.timedelta(hours=1)
    ids = {}
    for name in NAMES:
        ids[name] = db_util.create_single_trigger(name, "Proc", later, "p.py", "", False, True, 0)
        db_util.set_trigger_status(ids[name], OOStatus.FAILED)  # all of one kind of row
    assert sorted(Trigger.objects.values_list("trigger_name", flat=True)) == sorted(NAMES)
    page = Controls(as_admin.get("/triggers/").content.decode())
    labels = {link.get("aria-label"): link["href"] for link in page.links}
    for name in NAMES:
        shown = name or "(no name)"
        if not name.strip() and name:
            shown = f"(blank name {name!r})"
        assert labels[f"Edit {shown}"] == f"/triggers/{uuid.UUID(str(ids[name]))}/edit/"
    panel = as_admin.get("/dashboard/fragments/triggers/").content.decode()
    for name in NAMES:
        if name.strip():
            assert f">{escape(name)}</a>" in panel
    assert ">(no name)</a>" in panel
