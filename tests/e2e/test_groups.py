"""Failure groups in a real browser, over the demo data: a handful of causes, and one followed to
the failed inbox narrowed to it."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_the_demo_failures_are_a_handful_of_causes_and_one_leads_to_the_inbox(as_role):
    viewer = as_role("viewer")
    page = viewer.page
    viewer.goto("/queues/")
    page.get_by_role("link", name="Failed elements by cause").click()
    expect(page.locator("h1")).to_have_text("Failed elements by cause")
    rows = page.locator("table.groups tbody tr")
    expect(rows.first).to_be_visible()
    assert 2 <= rows.count() <= 10
    expect(page.locator("table.groups svg[role=img]").first).to_have_attribute(
        "aria-label", re.compile(r"^From .*, per ")
    )
    viewer.shot("failure-groups")
    rows.first.locator("td").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/queues/failed/\?group=[0-9a-f]{12}&since="))
    assert viewer.problems == []
