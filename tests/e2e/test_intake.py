"""Adding an element in a real browser: a misspelt queue name asks before anything is written, and
the existing queue it resembles is one click away; OpenOrchestrator's own db_util sees the result."""

from __future__ import annotations

from playwright.sync_api import expect


def elements_in(console, queue_name: str, reference: str) -> list:
    from OpenOrchestrator.database import db_util

    assert db_util.connect(console.oo_url)
    try:
        return db_util.get_queue_elements(queue_name, reference=reference, limit=None)
    finally:
        db_util.disconnect()


def test_an_unknown_queue_name_asks_to_confirm_and_offers_the_existing_queue(as_role, console):
    operator = as_role("operator")
    page = operator.page
    operator.goto("/queues/new/")
    # The field offers the existing queues.
    expect(page.locator('datalist#queue-names option[value="Fakturaer"]')).to_have_count(1)
    page.get_by_label("Queue").fill("fakturaer")
    page.get_by_label("Reference").fill("E2E-intake-1")
    page.get_by_label("Data").fill('{"beløb": 100}')
    page.get_by_role("button", name="Add", exact=True).click()

    expect(page.locator("h1")).to_have_text("Add this element to “fakturaer”?")
    expect(page.get_by_role("alert")).to_contain_text("There is no queue “fakturaer”")
    assert not elements_in(console, "fakturaer", "E2E-intake-1")
    operator.shot("queue-intake-confirm")

    # "Change" goes back to the form with what was typed.
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_label("Reference")).to_have_value("E2E-intake-1")
    page.get_by_role("button", name="Add", exact=True).click()

    page.get_by_role("button", name="Add to “Fakturaer” instead").click()
    expect(page.locator("h1")).to_contain_text("E2E-intake-1")
    expect(page.locator(".messages")).to_contain_text("Added element")
    [added] = elements_in(console, "Fakturaer", "E2E-intake-1")
    assert added.status.name == "NEW" and added.data == '{"beløb": 100}'
    assert not elements_in(console, "fakturaer", "E2E-intake-1")
    assert operator.problems == []
