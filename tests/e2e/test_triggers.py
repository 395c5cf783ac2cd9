"""An Automation admin creates each trigger type in the browser, then pauses, resumes and runs it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize("kind", ["single", "scheduled", "queue"])
def test_create_pause_resume_and_run_now(as_role, kind):
    admin = as_role("admin")
    page = admin.page
    page.on("dialog", lambda dialog: dialog.accept())
    name = f"E2E {kind} trigger"
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
    admin.shot(f"trigger-{kind}-created")

    page.get_by_role("button", name=f"Pause {name}").click()
    expect(page.locator(".messages")).to_contain_text(re.compile("pause", re.I))
    expect(page.get_by_role("button", name=f"Resume {name}")).to_be_visible()

    page.get_by_role("button", name=f"Resume {name}").click()
    expect(page.locator(".messages")).to_contain_text(re.compile("resum", re.I))
    expect(page.get_by_role("button", name=f"Pause {name}")).to_be_visible()

    if kind == "queue":
        run = page.get_by_role("button", name=f"Run {name} now")
        expect(run).to_have_count(0)
    else:
        page.get_by_role("button", name=f"Run {name} now").click()
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
