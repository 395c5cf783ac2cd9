"""The row buttons of the trigger and Scheduler lists (orchestrator_site/rowactions.py): one form per
page, a small page, and names that are data in every label and confirmation."""

from __future__ import annotations

import datetime as dt

from tests.helpers import make_scheduler, make_trigger, oo_db
from tests.rowcontrols import HOSTILE, Controls
from triggers.models import TriggerStatus, TriggerType

S = TriggerStatus


@oo_db
def test_every_post_button_submits_the_one_page_form_with_csrf_and_the_way_back(as_operator):
    make_scheduler("PC-1", now=dt.datetime.now())
    running = make_trigger(name="Runs", status=S.RUNNING)
    idle = make_trigger(name="Waits", next_run=dt.datetime.now() + dt.timedelta(hours=1))
    page = Controls(as_operator.get("/triggers/?q=s").content.decode())
    form = page.form("row-actions")
    assert form["method"] == "post" and form["inputs"]["next"] == "/triggers/?q=s"
    assert form["inputs"]["csrfmiddlewaretoken"]
    assert not [f for f in page.forms if "/triggers/" in f.get("action", "")]  # none per button
    pause = page.button("Pause Runs")
    assert (
        pause["form"] == "row-actions" and pause["formaction"] == f"/triggers/{running.pk}/pause/"
    )
    run = page.button("Run now Waits")
    assert run["form"] == "row-actions" and run["formaction"] == f"/triggers/{idle.pk}/run/"
    assert run["data-confirm"] == "Run Waits now? A Scheduler starts it at its next loop."
    assert "data-confirm" not in page.button("Pause Waits")  # an idle trigger pauses at once
    assert page.button("Pause Runs")["data-confirm"].startswith("Pause Runs? The running process")


@oo_db
def test_icons_are_drawn_once_per_page(as_admin):
    for i in range(5):
        make_trigger(name=f"T{i}", next_run=dt.datetime.now() + dt.timedelta(hours=1))
    html = as_admin.get("/triggers/").content.decode()
    assert html.count('<symbol id="icon-pause"') == 1
    assert html.count('<use href="#icon-pause"/>') == 5
    assert html.count("<path") == html.count("<symbol") - 2  # path data only in the sprite


@oo_db
def test_fifty_triggers_fit_the_page_budget(as_admin):
    """Every button an admin can have on 50 rows, with names as long as the demo's: under 105 KB
    (102 KB: seven buttons a row, each with its word, those that cannot be used disabled in their
    place, and the row's anchor; 82 KB with icon-only buttons where they applied, 137 KB with a
    form, a CSRF token and the icon's paths per button)."""
    later = dt.datetime.now() + dt.timedelta(hours=1)
    for i in range(50):
        status = (S.RUNNING, S.IDLE, S.PAUSED, S.FAILED)[i % 4]
        kind = (TriggerType.SINGLE, TriggerType.SCHEDULED, TriggerType.QUEUE)[i % 3]
        make_trigger(
            kind, name=f"Affaldsgebyr Opkrævning #{i:02d} (nightly)", status=status, next_run=later
        )
    response = as_admin.get("/triggers/")
    rows = response.context["table"].paginated_rows
    assert len(rows) == 50
    assert len(Controls(response.content.decode()).buttons) > 100
    assert len(response.content) < 105_000


@oo_db
def test_a_hostile_name_is_escaped_in_labels_and_confirmations(as_admin):
    make_scheduler("PC-1", now=dt.datetime.now())
    trigger = make_trigger(name=HOSTILE, status=S.RUNNING)
    idle = make_trigger(name=HOSTILE + " 2", next_run=dt.datetime.now() + dt.timedelta(hours=1))
    make_trigger(name=HOSTILE + " 3", scheduler_whitelist=[HOSTILE], next_run=idle.next_run)
    html = as_admin.get("/triggers/").content.decode()
    assert "<script>alert(1)" not in html
    page = Controls(html)  # what the browser reads back is exactly the name
    pause = page.button(f"Pause {HOSTILE}")
    assert pause["formaction"] == f"/triggers/{trigger.pk}/pause/"
    assert pause["data-confirm"] == (
        f"Pause {HOSTILE}? The running process finishes, and the trigger will not start again "
        "until resumed."
    )
    run = page.button(f"Run now {HOSTILE} 2")
    assert run["data-confirm"] == f"Run {HOSTILE} 2 now? A Scheduler starts it at its next loop."
    assert page.button(f"Run now {HOSTILE} 3")["data-confirm"] == (
        f"Run {HOSTILE} 3 now? No Scheduler it may run on ({HOSTILE}) is online: it waits until "
        "one is."
    )
    labels = {link.get("aria-label"): link["href"] for link in page.links}
    assert labels[f"Edit {HOSTILE} 2"] == f"/triggers/{idle.pk}/edit/"
    assert labels[f"Reset {HOSTILE}"] == f"/triggers/{trigger.pk}/reset/?next=%2Ftriggers%2F"


@oo_db
def test_the_detail_page_has_the_form_its_buttons_submit(as_operator):
    trigger = make_trigger(name="Detail", next_run=dt.datetime.now() + dt.timedelta(hours=1))
    page = Controls(as_operator.get(trigger.get_absolute_url()).content.decode())
    assert page.form("row-actions")["inputs"]["next"] == trigger.get_absolute_url()
    assert page.button("Pause Detail")["formaction"] == f"/triggers/{trigger.pk}/pause/"


@oo_db
def test_forget_names_the_machine_in_its_label_and_confirmation(as_admin):
    make_scheduler(HOSTILE)
    html = as_admin.get("/schedulers/").content.decode()
    assert "<script>alert(1)" not in html
    page = Controls(html)
    forget = page.button(f"Forget {HOSTILE}")
    assert forget["form"] == "row-actions" and forget["formaction"].endswith("/forget/")
    assert forget["data-confirm"] == (
        f"Forget {HOSTILE}? If it is still running, its next ping lists it again."
    )
    assert page.form("row-actions")["inputs"]["csrfmiddlewaretoken"]


@oo_db
def test_rows_of_one_kind_each_carry_their_own_id_and_name(as_admin):
    """The buttons are built once per kind of row and filled in per row (triggers/tables.py):
    every row still names itself, even when its name looks like another row's id."""
    later = dt.datetime.now() + dt.timedelta(hours=1)
    looks_like_an_id = "d1d1d1d1-0000-4000-8000-00000000d1d1 & <b>"
    made = [
        make_trigger(name=name, status=S.PAUSED, next_run=later)
        for name in ("Første", looks_like_an_id, HOSTILE)
    ]
    page = Controls(as_admin.get("/triggers/").content.decode())
    for trigger in made:
        name = trigger.trigger_name
        assert page.button(f"Resume {name}")["formaction"] == f"/triggers/{trigger.pk}/resume/"
        labels = {link.get("aria-label"): link["href"] for link in page.links}
        assert labels[f"Edit {name}"] == f"/triggers/{trigger.pk}/edit/"
        assert labels[f"Delete {name}"] == f"/triggers/{trigger.pk}/delete/"


@oo_db
def test_buttons_kept_between_pages_still_follow_each_page_and_person(as_admin, as_viewer):
    """A row's buttons are built once per kind and kept in the process (triggers/tables.py): the
    next page still gets its own way back, person and language."""
    trigger = make_trigger(name="Runs", status=S.RUNNING)
    first = Controls(as_admin.get("/triggers/?q=Ru").content.decode())
    second = Controls(as_admin.get("/triggers/?q=Runs").content.decode())
    reset = f"/triggers/{trigger.pk}/reset/"
    assert {a["href"] for a in first.links if a.get("aria-label") == "Reset Runs"} == {
        f"{reset}?next=%2Ftriggers%2F%3Fq%3DRu"
    }
    assert {a["href"] for a in second.links if a.get("aria-label") == "Reset Runs"} == {
        f"{reset}?next=%2Ftriggers%2F%3Fq%3DRuns"
    }
    assert not [
        b
        for b in Controls(as_viewer.get("/triggers/").content.decode()).buttons
        if b.get("formaction")
    ]
    danish = Controls(as_admin.get("/triggers/", HTTP_ACCEPT_LANGUAGE="da").content.decode())
    assert not [b for b in danish.buttons if b.get("aria-label") == "Pause Runs"]
    assert [b for b in danish.buttons if (b.get("aria-label") or "").endswith(" Runs")]
