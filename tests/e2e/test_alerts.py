"""The alert pages in Chromium: an Automation admin creates a rule through its form, the webhook URL
never comes back into the page, and every alert page has no WCAG 2.1 A/AA violation."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import axe_script, open_page, problems  # noqa: F401 - a fixture

# axe-core must be installed (the fixture skips, saying why, when it is not).
pytestmark = pytest.mark.usefixtures("axe_script")
SECRET_PART = "workflows/4f1cSECRETKEY/triggers"


def test_an_admin_creates_a_rule_and_every_alert_page_is_accessible(as_role):
    admin = open_page(as_role, "admin", "/alerts/new/")
    page = admin.page
    page.get_by_role("link", name="Failed queue elements").click()
    page.get_by_label("Name").fill("Invoices failing")
    page.get_by_label("Queue").fill("Invoices")
    page.get_by_label("Failed elements").fill("3")
    page.get_by_label("E-mail to").fill("ops@example.com\nrpa@example.com")
    page.get_by_label("Webhook URL").fill(f"https://hooks.example/{SECRET_PART}?sig=1")
    page.get_by_role("button", name="Create").click()

    expect(page.get_by_role("heading", name="Invoices failing")).to_be_visible()
    expect(page.get_by_text("3 or more failed elements in 15 min in the queue")).to_be_visible()
    assert SECRET_PART not in page.content()
    rule = urlsplit(page.url).path
    pages = [
        ("alert-rule", rule),
        ("alert-rules", "/alerts/"),
        ("alert-new", "/alerts/new/"),
        ("alert-create-scheduler", "/alerts/new/scheduler_silent/"),
        ("alert-edit", f"{rule}edit/"),
        ("alert-mute", f"{rule}mute/"),
        ("alert-delete", f"{rule}delete/"),
        ("alert-history", "/alerts/history/"),
    ]
    for name, path in pages:
        admin.goto(path)
        page.wait_for_load_state("networkidle")
        assert SECRET_PART not in page.content(), path
        found = problems(page, name)
        assert found == "", f"{path}:\n{found}"
    assert admin.problems == []


def test_a_rule_form_with_errors_is_accessible(as_role):
    admin = open_page(as_role, "admin", "/alerts/new/process_errors/")
    page = admin.page
    page.locator("form.panel").evaluate("form => { form.noValidate = true; }")
    page.get_by_label("Errors").fill("0")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Nothing was saved.")).to_be_visible()
    found = problems(page, "alert-create-errors")
    assert found == "", found
