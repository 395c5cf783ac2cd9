"""The dashboard in a real browser: its fragments refresh by themselves on the page's clock (moved
by the test, not waited for), the pause button stops that, and one status line says what changed."""

from __future__ import annotations

import re

from playwright.sync_api import expect

REFRESH_MS = 2_000  # tests/e2e/server_settings.py: CONSOLE_REFRESH_SECONDS
ONE_FORMAT = re.compile(r"^\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}$")  # CONSOLE_DATETIME_FORMAT


def write_error(console, message: str) -> None:
    """An error log line and a failed queue element, written by OpenOrchestrator's own db_util into
    the server's database."""
    from OpenOrchestrator.database import db_util
    from OpenOrchestrator.database.logs import LogLevel
    from OpenOrchestrator.database.queues import QueueStatus

    assert db_util.connect(console.oo_url)
    try:
        db_util.create_log("Browser Test Proc", LogLevel.ERROR, None, message)
        element = db_util.create_queue_element("Browser Test Queue", reference=message)
        db_util.set_queue_element_status(element.id, QueueStatus.FAILED, message)
    finally:
        db_util.disconnect()


def failed_count(page) -> int:
    summary = page.locator("#panel-failed [data-live-summary]").get_attribute("data-live-summary")
    return int(re.fullmatch(r"Failed queue elements: (\d+)\+?\.", summary).group(1))


def fragment_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: "/dashboard/fragments/" in r.url and seen.append(r.url))
    return seen


def test_dashboard_refreshes_a_new_error_without_reloading(as_role, console):
    viewer = as_role("viewer")
    page = viewer.page
    page.clock.install()
    viewer.goto("/")
    expect(page.locator("h1")).to_have_text("Dashboard")
    announcer = page.locator("[data-refresh-announce]")
    expect(announcer).to_have_text("")
    page.evaluate("window.__marker = 'same page'")
    stamp = page.locator("[data-refresh-stamp]")
    expect(stamp).to_have_text(ONE_FORMAT)  # the page's own, from the server
    stamp.evaluate("node => { node.textContent = 'before the refresh'; }")
    failed = failed_count(page)
    write_error(console, "Written by OpenOrchestrator just now <b>x</b>")
    page.clock.run_for(REFRESH_MS)
    errors = page.locator("#panel-errors")
    expect(errors).to_contain_text("Written by OpenOrchestrator just now <b>x</b>")
    assert page.evaluate("window.__marker") == "same page"  # no full reload
    # The refreshed panels' moment, as the server wrote it: not the browser's clock in its locale
    # (this Chromium's en-US would write "7:27:13 PM").
    expect(stamp).to_have_text(ONE_FORMAT)
    expect(announcer).to_contain_text(f"Failed queue elements: {failed + 1}.")
    expect(announcer).to_contain_text("Dashboard changed. Recent errors: the latest at")
    said = announcer.inner_text()
    page.clock.run_for(REFRESH_MS)  # nothing new: the status line is not rewritten
    expect(page.locator("[data-refresh-stamp]")).not_to_have_text("update failed, retrying")
    assert announcer.inner_text() == said
    assert page.locator("[aria-live]").count() == 0
    viewer.shot("dashboard")
    assert viewer.problems == []


def test_pause_button_stops_refreshing(as_role, console):
    viewer = as_role("viewer")
    page = viewer.page
    page.clock.install()
    viewer.goto("/")
    requests = fragment_requests(page)
    button = page.locator("[data-refresh-toggle]")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_text("Resume live refresh")
    write_error(console, "Written while the dashboard was paused")
    page.clock.run_for(5 * REFRESH_MS)
    page.wait_for_timeout(300)  # time for any request the page would (wrongly) send
    assert requests == []
    expect(page.locator("#panel-errors")).not_to_contain_text("Written while the dashboard")
    button.click()  # resuming refreshes at once
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#panel-errors")).to_contain_text("Written while the dashboard was paused")
    assert len(requests) >= 6  # every panel
    assert viewer.problems == []
