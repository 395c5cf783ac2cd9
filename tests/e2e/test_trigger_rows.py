"""The trigger list's buttons as a person reads them: a word on each, in the same place on every
row, and after an action the list comes back at the row that was acted on."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

ROWS = 40  # more than a screen, so coming back to the row means scrolling to it


def create_triggers(console, prefix: str) -> dict[str, str]:
    """ROWS single triggers, written by OpenOrchestrator's own db_util; their ids by name."""
    from OpenOrchestrator.database import db_util

    assert db_util.connect(console.oo_url)
    try:
        later = dt.datetime.now() + dt.timedelta(days=30)
        return {
            name: str(
                db_util.create_single_trigger(
                    name, "E2E Rows Process", later, "C:/robots/rows/main.py", "", False, False, 0
                )
            )
            for name in (f"{prefix} {i:02d}" for i in range(ROWS))
        }
    finally:
        db_util.disconnect()


def test_pause_by_its_word_comes_back_to_that_row(as_role, console):
    ids = create_triggers(console, "E2E rows")
    operator = as_role("operator")
    page = operator.page
    page.set_viewport_size({"width": 1400, "height": 700})
    operator.goto("/triggers/?q=E2E+rows&per_page=50")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(ROWS)
    # Every row shows the same words in the same order; what cannot be used is there, disabled.
    words = ["Pause", "Resume", "Run now", "Kill", "Reset"]
    for index in (0, ROWS - 1):
        buttons = rows.nth(index).locator(".row-actions > *")
        expect(buttons).to_have_text(words)
    resume = rows.first.locator(".row-actions button", has_text="Resume")
    expect(resume).to_be_disabled()
    expect(resume).to_have_attribute("title", "Not paused.")

    name = "E2E rows 33"
    row = page.locator("tr", has=page.get_by_role("link", name=name, exact=True))
    row.locator(".row-actions button", has_text="Pause").click()

    expect(page.locator(".messages")).to_contain_text(name)
    assert page.url.endswith(f"/triggers/?q=E2E+rows&per_page=50#trigger-{ids[name]}")
    expect(row).to_be_in_viewport()
    expect(page.locator("tbody tr").first).not_to_be_in_viewport()
    expect(row.locator(".row-actions button", has_text="Pause")).to_be_disabled()
    expect(row.locator(".row-actions button", has_text="Resume")).to_be_enabled()
    # The same place: the buttons of the paused row line up with those of an idle one.
    other = page.locator("tr", has=page.get_by_role("link", name="E2E rows 32", exact=True))
    expect(other.locator(".row-actions > *")).to_have_text(words)
    for index, word in enumerate(words):
        here = row.locator(".row-actions > *").nth(index).bounding_box()
        there = other.locator(".row-actions > *").nth(index).bounding_box()
        assert here and there and here["x"] == there["x"], word
    operator.shot("trigger-row-after-pause")
    assert operator.problems == []
