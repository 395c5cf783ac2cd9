"""The trigger buttons as a person reads them: a word next to each icon, the same buttons in the same
place on every row (disabled with the reason where the status does not allow them), Delete set
apart, the way back to the row, and Run now's warning when no Scheduler that may run it is online."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from tests.helpers import make_scheduler, make_trigger, oo_db, oo_tx
from tests.rowcontrols import Controls
from tests.triggers.util import status_of
from triggers.models import TriggerStatus, TriggerType

S = TriggerStatus
OPERATE = ["Pause", "Resume", "Run now", "Kill", "Reset"]


def later() -> dt.datetime:
    return dt.datetime.now() + dt.timedelta(hours=1)


def row_buttons(html: str, trigger) -> list[dict]:
    """The buttons and links of the trigger's row, in order, as a browser reads them."""
    row = html.split(f'id="trigger-{trigger.pk}"', 1)[1].split("</tr>", 1)[0]
    controls = Controls(row.split('<div class="row-actions">', 1)[1])
    return sorted(controls.buttons + controls.links, key=lambda c: row.index(c["marker"]))


@pytest.fixture(autouse=True)
def _marked(monkeypatch):
    """Controls keeps no document order across buttons and links: mark each with its position."""
    original = Controls.handle_starttag

    def handle_starttag(self, tag, attrs):
        original(self, tag, attrs)
        if tag in ("button", "a"):
            found = (self.buttons if tag == "button" else self.links)[-1]
            found["marker"] = self.get_starttag_text()

    monkeypatch.setattr(Controls, "handle_starttag", handle_starttag)


@oo_db
@pytest.mark.parametrize(
    ("kind", "status", "usable"),
    [
        (TriggerType.SINGLE, S.IDLE, {"Pause", "Run now", "Edit", "Delete"}),
        (TriggerType.SCHEDULED, S.PAUSED, {"Resume", "Run now", "Edit", "Delete"}),
        (TriggerType.SINGLE, S.FAILED, {"Pause", "Resume", "Run now", "Edit", "Delete"}),
        (TriggerType.SCHEDULED, S.RUNNING, {"Pause", "Kill", "Reset", "Edit"}),
        (TriggerType.SINGLE, S.KILLING, {"Reset", "Edit"}),
        (TriggerType.QUEUE, S.IDLE, {"Pause", "Edit", "Delete"}),
    ],
)
def test_every_row_has_the_same_words_in_the_same_places(as_admin, kind, status, usable):
    trigger = make_trigger(kind, name="Row", status=status, next_run=later())
    buttons = row_buttons(as_admin.get("/triggers/").content.decode(), trigger)
    assert [b["text"] for b in buttons] == [*OPERATE, "Edit", "Delete"]
    for button in buttons:
        if button["text"] in usable:
            assert "disabled" not in button, button["text"]
            label = "Run now Row" if button["text"] == "Run now" else f"{button['text']} Row"
            assert button["aria-label"] == label  # the word a person reads, then the row
        else:  # in its place, with why as its tooltip and accessible description
            assert "disabled" in button and button["title"], button["text"]
            assert "formaction" not in button and "href" not in button
    assert buttons[-1]["class"] == "apart" and "apart" not in buttons[-2].get("class", "")


@oo_db
def test_disabled_buttons_say_why(as_admin):
    queue = make_trigger(TriggerType.QUEUE, name="Q", status=S.PAUSED)
    running = make_trigger(name="R", status=S.RUNNING, next_run=later())
    html = as_admin.get("/triggers/").content.decode()
    reasons = {b["text"]: b.get("title") for b in row_buttons(html, queue)}
    assert reasons["Run now"] == (
        "A queue trigger starts when its queue fills; it cannot be run on demand."
    )
    assert reasons["Pause"] == "Already paused." and reasons["Kill"] == "Not running."
    reasons = {b["text"]: b.get("title") for b in row_buttons(html, running)}
    assert reasons["Delete"] == "Running: stop it first."
    assert reasons["Resume"] == "Running, not paused."
    assert reasons["Run now"] == "Already running."


@oo_db
def test_an_operator_sees_the_operate_words_and_a_viewer_none(as_operator, as_viewer):
    trigger = make_trigger(name="Row", next_run=later())
    buttons = row_buttons(as_operator.get("/triggers/").content.decode(), trigger)
    assert [b["text"] for b in buttons] == OPERATE
    html = as_viewer.get("/triggers/").content.decode()
    assert row_buttons(html, trigger) == []


@oo_db
def test_the_detail_page_shows_the_same_words(as_admin):
    trigger = make_trigger(name="Detail", status=S.PAUSED, next_run=later())
    page = as_admin.get(trigger.get_absolute_url()).content.decode()
    controls = Controls(page.split('<div class="row-actions">', 1)[1].split("</div>", 1)[0])
    words = [
        c["text"]
        for c in sorted(controls.buttons + controls.links, key=lambda c: page.index(c["marker"]))
    ]
    assert words == [*OPERATE, "Edit", "Delete"]


# --- Back to the row -------------------------------------------------------------------------------


@oo_db
@pytest.mark.parametrize("action", ["pause", "run", "resume"])
def test_an_action_returns_to_the_row_it_came_from(as_operator, action):
    status = S.PAUSED if action == "resume" else S.IDLE
    trigger = make_trigger(name="Back", status=status, next_run=later())
    response = as_operator.post(f"/triggers/{trigger.pk}/{action}/", {"next": "/triggers/?q=Ba"})
    assert response.status_code == 302
    assert response["Location"] == f"/triggers/?q=Ba#trigger-{trigger.pk}"
    page = as_operator.get("/triggers/?q=Ba").content.decode()
    assert page.count(f'id="trigger-{trigger.pk}"') == 1  # the anchor, in that row


@oo_db
def test_the_way_back_keeps_the_next_rules(as_operator):
    trigger = make_trigger(name="Back", next_run=later())
    for foreign in ("https://evil.example/", "//evil.example/x", "/triggers/\n#x"):
        response = as_operator.post(f"/triggers/{trigger.pk}/pause/", {"next": foreign})
        assert response["Location"] == trigger.get_absolute_url()  # its own page: no anchor
        as_operator.post(f"/triggers/{trigger.pk}/resume/")
    response = as_operator.post(
        f"/triggers/{trigger.pk}/pause/", {"next": "/triggers/?q=B#trigger-other"}
    )
    assert response["Location"] == f"/triggers/?q=B#trigger-{trigger.pk}"


@oo_db
def test_reset_goes_back_to_the_list_row(as_operator):
    trigger = make_trigger(name="Stuck", status=S.RUNNING, last_run=dt.datetime(2026, 1, 1))
    html = as_operator.get("/triggers/?q=St").content.decode()
    [reset] = [b for b in row_buttons(html, trigger) if b["text"] == "Reset"]
    assert reset["href"] == f"/triggers/{trigger.pk}/reset/?next=%2Ftriggers%2F%3Fq%3DSt"
    page = as_operator.get(reset["href"]).content.decode()
    assert 'name="next" value="/triggers/?q=St"' in page
    response = as_operator.post(
        f"/triggers/{trigger.pk}/reset/",
        {
            "expected_status": S.RUNNING,
            "to_status": S.FAILED,
            "understood": "on",
            "next": "/triggers/?q=St",
        },
    )
    assert status_of(trigger) == S.FAILED
    assert response["Location"] == f"/triggers/?q=St#trigger-{trigger.pk}"


# --- Run now when no Scheduler may run it ----------------------------------------------------------


def said(response) -> str:
    """The messages the page shows after the action."""
    html = response.content.decode()
    return (
        html.split('<ul class="messages">', 1)[1].split("</ul>", 1)[0]
        if '<ul class="messages">' in html
        else ""
    )


def picked_by(db_util, monkeypatch, machine: str):
    """What OpenOrchestrator's own Scheduler on `machine` would start now (not exclusive, idle)."""
    from OpenOrchestrator.scheduler import runner, util

    monkeypatch.setattr(util, "get_scheduler_name", lambda: machine)
    app = SimpleNamespace(
        running_jobs=[], settings_tab_=SimpleNamespace(whitelist_value=SimpleNamespace(get=bool))
    )
    return runner.poll_triggers(app)


@oo_tx
def test_run_now_warns_exactly_when_no_online_scheduler_would_start_it(
    as_operator, db_util, monkeypatch
):
    now = dt.datetime.now()
    make_scheduler("PC-ON", now=now, age_seconds=3)
    make_scheduler("PC-OFF", now=now, age_seconds=900)
    whitelists = {
        "Any": [],
        "On": ["PC-ON"],
        "Off": ["PC-OFF"],
        "Case": ["pc-on"],
        "Both": ["PC-OFF", "PC-ON"],
    }
    triggers = {
        name: make_trigger(name=name, status=S.PAUSED, next_run=later(), scheduler_whitelist=w)
        for name, w in whitelists.items()
    }
    page = Controls(as_operator.get("/triggers/").content.decode())
    started_by_oracle = set()
    for name, trigger in triggers.items():
        response = as_operator.post(
            f"/triggers/{trigger.pk}/run/", {"next": "/triggers/"}, follow=True
        )
        assert status_of(trigger) == S.IDLE  # it ran whatever the warning
        picked = picked_by(db_util, monkeypatch, "PC-ON")
        started = picked is not None and picked.trigger_name == name
        shown = said(response)
        confirm = page.button(f"Run now {name}")["data-confirm"]
        if started:
            started_by_oracle.add(name)
            assert "is online" not in shown, name
            assert confirm == f"Run {name} now? A Scheduler starts it at its next loop."
        else:
            warning = f"No Scheduler it may run on ({', '.join(whitelists[name])}) is online"
            assert warning in shown, name
            assert confirm.startswith(f"Run {name} now? {warning}: it waits until one is.")
        as_operator.post(f"/triggers/{trigger.pk}/pause/")
    # Both ways were checked: OpenOrchestrator's Scheduler started exactly these.
    assert started_by_oracle == {"Any", "On", "Both"}


@oo_db
def test_run_now_warns_when_no_scheduler_is_online_at_all(as_operator):
    make_scheduler("PC-OLD", now=dt.datetime.now(), age_seconds=3600)
    trigger = make_trigger(name="Alone", next_run=later())
    page = Controls(as_operator.get("/triggers/").content.decode())
    assert page.button("Run now Alone")["data-confirm"] == (
        "Run Alone now? No Scheduler is online: it waits until one is."
    )
    response = as_operator.post(f"/triggers/{trigger.pk}/run/", follow=True)
    assert "No Scheduler is online: it waits until one is." in said(response)
    assert status_of(trigger) == S.IDLE
