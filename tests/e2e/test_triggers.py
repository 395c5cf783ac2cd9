"""An Automation admin creates each trigger type in the browser, then pauses, resumes and runs it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


def create(admin, kind: str, name: str) -> None:
    """A new trigger of `kind` through the create form."""
    page = admin.page
    admin.goto(f"/triggers/new/{kind}/")
    page.get_by_label("Trigger name", exact=True).fill(name)
    page.get_by_label("Process name", exact=True).fill("E2E Process")
    page.get_by_label("Process path", exact=True).fill("C:/robots/e2e/main.py")
    if kind == "single":
        page.get_by_label("Next run", exact=True).fill("2030-01-01T10:00")
    elif kind == "scheduled":
        page.get_by_label("Cron expression").fill("0 6 * * MON-FRI")
    else:
        page.get_by_label("Queue name").fill("E2E Queue")
        page.get_by_label("Min batch size").fill("5")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text(f"Created {name}.")


@pytest.mark.parametrize("kind", ["single", "scheduled", "queue"])
def test_create_pause_resume_and_run_now(as_role, kind):
    admin = as_role("admin")
    page = admin.page
    page.on("dialog", lambda dialog: dialog.accept())
    name = f"E2E {kind} trigger"
    create(admin, kind, name)
    admin.shot(f"trigger-{kind}-created")

    page.get_by_role("button", name=f"Pause {name}").click()
    expect(page.locator(".messages")).to_contain_text(re.compile("pause", re.I))
    expect(page.get_by_role("button", name=f"Resume {name}")).to_be_visible()

    page.get_by_role("button", name=f"Resume {name}").click()
    expect(page.locator(".messages")).to_contain_text(re.compile("resum", re.I))
    expect(page.get_by_role("button", name=f"Pause {name}")).to_be_visible()

    if kind == "queue":
        run = page.locator(".row-actions button", has_text="Run now")  # in its place, disabled
        expect(run).to_be_disabled()
        expect(run).to_have_attribute("title", re.compile("cannot be run on demand"))
    else:
        page.get_by_role("button", name=f"Run now {name}").click()
        expect(page.locator(".messages")).to_contain_text(re.compile("run", re.I))
    assert admin.problems == []


def test_an_operator_sees_no_admin_buttons_and_is_refused_at_the_url(as_role):
    operator = as_role("operator")
    operator.goto("/triggers/")
    expect(operator.page.get_by_role("link", name=re.compile("^Edit "))).to_have_count(0)
    expect(operator.page.get_by_role("link", name=re.compile("^Delete "))).to_have_count(0)
    expect(operator.page.get_by_role("button", name=re.compile("^Pause ")).first).to_be_visible()
    assert operator.problems == []
    response = operator.goto("/triggers/new/single/")
    assert response.status == 403
    expect(operator.page.locator("h1")).to_have_text("Not allowed")


def test_a_confirmed_row_action_posts_the_shared_form_for_its_own_row(as_role):
    """Every row's buttons submit the page's one form: the confirmation is the pressed button's,
    a dismissed one posts nothing, an accepted one acts on that row and returns to the list."""
    admin = as_role("admin")
    page = admin.page
    for name in ("E2E row A", "E2E row B"):
        create(admin, "single", name)
    admin.goto("/triggers/?q=E2E+row")
    asked: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog):
        asked.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    page.on("dialog", on_dialog)
    page.get_by_role("button", name="Run now E2E row B").click()
    expect(page.locator(".messages")).to_have_count(0)
    answer["accept"] = True
    page.get_by_role("button", name="Run now E2E row A").click()
    expect(page.locator(".messages")).to_have_text(re.compile(r"^\s*E2E row A will start"))
    assert re.search(r"/triggers/\?q=E2E\+row#trigger-[0-9a-f-]{36}$", page.url)
    # The second sentence says whether a Scheduler that may run it is online (the demo's pinged
    # when the database was made).
    assert [question.split("?")[0] for question in asked] == [
        "Run E2E row B now",
        "Run E2E row A now",
    ]
    history = page.locator("section", has_text="History in this console")
    page.get_by_role("link", name="E2E row A", exact=True).click()
    expect(history).to_contain_text("trigger.run_now")
    page.go_back()
    page.get_by_role("link", name="E2E row B", exact=True).click()
    expect(history).to_contain_text("trigger.create")
    expect(history).not_to_contain_text("trigger.run_now")
    assert admin.problems == []
