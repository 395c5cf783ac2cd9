"""The dashboard in a real browser: it loads, and its fragments refresh by themselves."""

from __future__ import annotations

from playwright.sync_api import expect


def test_dashboard_refreshes_a_new_error_without_reloading(as_role, console):
    from OpenOrchestrator.database import db_util
    from OpenOrchestrator.database.logs import LogLevel

    viewer = as_role("viewer")
    viewer.goto("/")
    expect(viewer.page.locator("h1")).to_have_text("Dashboard")
    viewer.page.evaluate("window.__marker = 'same page'")
    assert db_util.connect(console.oo_url)
    try:
        db_util.create_log(
            "Browser Test Proc",
            LogLevel.ERROR,
            None,
            "Written by OpenOrchestrator just now <b>x</b>",
        )
    finally:
        db_util.disconnect()
    errors = viewer.page.locator("#panel-errors")
    expect(errors).to_contain_text("Written by OpenOrchestrator just now <b>x</b>", timeout=15000)
    assert viewer.page.evaluate("window.__marker") == "same page"  # no full reload
    expect(viewer.page.locator("[data-refresh-stamp]")).not_to_have_text("")
    viewer.shot("dashboard")
    assert viewer.problems == []


def test_pause_button_stops_refreshing(as_role):
    viewer = as_role("viewer")
    viewer.goto("/")
    button = viewer.page.locator("[data-refresh-toggle]")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_text("Resume live refresh")
    assert viewer.problems == []
