"""Searching every process's logs in a real browser: type a text once, see the lines of several
processes with the real error, follow one to its process's logs."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect


def write_logs(console, marker: str) -> None:
    """Lines of two processes, written by OpenOrchestrator's own db_util (and its Scheduler's
    generic line for a failed run) into the server's database."""
    from OpenOrchestrator.database import db_util
    from OpenOrchestrator.database.logs import LogLevel

    assert db_util.connect(console.oo_url)
    try:
        db_util.create_log("Browser Search A", LogLevel.INFO, None, f"Fetched case {marker}")
        db_util.create_log(
            "Browser Search B",
            LogLevel.ERROR,
            None,
            "An uncaught error ocurred during the process:\nTraceback (most recent call last):\n"
            f'  File "main.py", line 9, in <module>\nTimeoutError: case {marker} did not load',
        )
        db_util.create_log("Browser Search C", LogLevel.INFO, None, "Nothing to see here")
    finally:
        db_util.disconnect()


def test_search_every_process_for_a_text_and_follow_a_line_to_its_process(as_role, console):
    marker = uuid.uuid4().hex[:10]
    write_logs(console, marker)
    viewer = as_role("viewer")
    page = viewer.page
    viewer.goto("/logs/")
    page.get_by_label("Text in any process's logs").fill(marker.upper())  # case does not matter
    page.get_by_role("button", name="Search all logs").click()

    expect(page.locator("h1")).to_have_text("Search the logs of every process")
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(2)
    # The range searched is in the form and said in words.
    expect(page.get_by_label("From")).not_to_have_value("")
    expect(page.locator("[data-searched-range]")).to_contain_text("the 7 days before now")
    expect(page.locator("[data-match-count]")).to_have_text("2 matching logs.")
    # The real error is in the row, without expanding anything.
    error_row = rows.filter(has_text="Browser Search B")
    expect(error_row.locator("summary")).to_have_text(f"TimeoutError: case {marker} did not load")
    expect(page.get_by_text("Nothing to see here")).to_have_count(0)
    viewer.shot("log-search")

    rows.filter(has_text="Browser Search A").get_by_role("link", name="Browser Search A").click()
    expect(page).to_have_url(re.compile(r"/logs/process/Browser%20Search%20A/$"))
    expect(page.locator("h1")).to_have_text("Logs of Browser Search A")
    expect(page.get_by_text(f"Fetched case {marker}")).to_be_visible()
    assert viewer.problems == []
