"""Queues in a real browser: filter, sort and page a queue, retry, acknowledge from the inbox, export CSV."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import expect


def _open_queue(role_page, name: str = "Kvitteringer"):
    role_page.goto("/queues/")
    role_page.page.get_by_role("link", name=name, exact=True).first.click()
    expect(role_page.page.locator("h1")).to_contain_text(name)


def test_filter_sort_and_page_a_queue(as_role):
    viewer = as_role("viewer")
    page = viewer.page
    _open_queue(viewer)
    page.locator("form.filters").get_by_label("Done", exact=True).check()
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=DONE"))
    badges = page.locator("table tbody .badge")
    expect(badges.first).to_have_text("Done")
    assert set(badges.all_inner_texts()) == {"Done"}
    # The header shows the current order (newest first); its link sorts the other way.
    page.get_by_role("link", name="Created ▼", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=created_date"))
    expect(page.get_by_role("link", name="Created ▲", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"status=DONE"))  # the filter survives sorting
    first_page = page.locator("table tbody tr").first.inner_text()
    page.get_by_role("link", name="next").first.click()
    expect(page).to_have_url(re.compile(r"page=2"))
    assert page.locator("table tbody tr").first.inner_text() != first_page
    viewer.shot("queue-elements")
    assert viewer.problems == []


def test_retry_a_failed_element_and_see_it_new(as_role):
    operator = as_role("operator")
    page = operator.page
    _open_queue(operator, "Refusioner")
    page.locator("form.filters").get_by_label("Failed", exact=True).check()
    page.get_by_role("button", name="Filter").click()
    row = page.locator("table tbody tr").first
    reference = row.locator("td").nth(1).inner_text().strip()
    row.locator("input[type=checkbox]").check()
    page.get_by_role("button", name="Retry selected…").click()
    expect(page.locator("h1")).to_have_text("Retry 1 element?")
    page.get_by_role("button", name="Retry", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Retried 1 of 1")
    page.get_by_label("Data or message contains").fill("")
    page.locator("form.filters").get_by_label("Failed", exact=True).uncheck()
    page.locator("form.filters").get_by_label("New", exact=True).check()
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=reference, exact=True).first.click()
    expect(page.locator("h1 .badge")).to_have_text("New")
    operator.shot("queue-element-retried")
    assert operator.problems == []


def test_acknowledge_from_the_inbox(as_role):
    operator = as_role("operator")
    page = operator.page
    operator.goto("/queues/failed/")
    row = page.locator("table tbody tr").first
    label = row.locator("input[type=checkbox]").get_attribute("aria-label")
    row.locator("input[type=checkbox]").check()
    page.get_by_label("Comment").fill("Known outage, handled by phone")
    page.get_by_role("button", name="Acknowledge selected…").click()
    expect(page.locator("h1")).to_have_text("Acknowledge 1 of 1 element?")
    expect(page.get_by_label("Comment (optional)")).to_have_value("Known outage, handled by phone")
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(re.compile("Acknowledged 1", re.I))
    expect(page.locator(f'table tbody input[aria-label="{label}"]')).to_have_count(0)
    operator.shot("queue-inbox")
    assert operator.problems == []


def test_export_csv_of_the_filtered_set(as_role):
    viewer = as_role("viewer")
    page = viewer.page
    _open_queue(viewer, "Fakturaer")
    page.locator("form.filters").get_by_label("Failed", exact=True).check()
    page.get_by_role("button", name="Filter").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    content = download_info.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows and "reference" in [c.lower() for c in rows[0]]
    status_column = [c.lower() for c in rows[0]].index("status")
    assert len(rows) > 1 and {r[status_column] for r in rows[1:]} == {"FAILED"}
    assert viewer.problems == []
