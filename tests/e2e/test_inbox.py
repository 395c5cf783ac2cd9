"""The Monday-morning triage in a real browser: filter the failed inbox to one queue and one message
text, retry all matching, acknowledge the rest; OpenOrchestrator's own db_util says what happened."""

from __future__ import annotations

import re

from playwright.sync_api import expect

QUEUE, OTHER = "Inbox Flow Kø", "Inbox Flow Other"


def robot_failures(console) -> dict[str, str]:
    """Failed elements as a robot leaves them (OpenOrchestrator's db_util): reference -> id."""
    from OpenOrchestrator.database import db_util
    from OpenOrchestrator.database.queues import QueueStatus

    failures = [
        (QUEUE, "t1", "TimeoutError: the portal did not answer in 30 s"),
        (QUEUE, "t2", "An uncaught error ocurred during the process:\nTimeoutError: SAP"),
        (QUEUE, "k1", "KeyError: 'cpr'"),
        (QUEUE, "v1", "ValueError: bad date"),
        (OTHER, "o1", "TimeoutError: another queue"),
    ]
    assert db_util.connect(console.oo_url)
    try:
        ids = {}
        for queue, reference, message in failures:
            element = db_util.create_queue_element(queue, reference=reference)
            db_util.set_queue_element_status(element.id, QueueStatus.IN_PROGRESS)
            db_util.set_queue_element_status(element.id, QueueStatus.FAILED, message)
            ids[reference] = element.id
        return ids
    finally:
        db_util.disconnect()


def statuses_in_openorchestrator(console) -> dict[str, str]:
    from OpenOrchestrator.database import db_util

    assert db_util.connect(console.oo_url)
    try:
        found = {}
        for queue in (QUEUE, OTHER):
            for element in db_util.get_queue_elements(queue, limit=None):
                found[element.reference] = element.status.name
        return found
    finally:
        db_util.disconnect()


def test_retry_the_timeouts_of_one_queue_and_acknowledge_the_rest(as_role, console):
    robot_failures(console)
    operator = as_role("operator")
    page = operator.page
    clicks = 0

    def click(locator) -> None:
        nonlocal clicks
        clicks += 1
        locator.click()

    operator.goto("/queues/failed/")
    filters = page.locator("#inbox-filter")
    filters.get_by_label("Queue").select_option(QUEUE)  # one click in the list
    clicks += 1
    # The message field has the focus: typing needs no click.
    expect(filters.get_by_label("Message contains")).to_be_focused()
    page.keyboard.type("timeout")
    click(page.get_by_role("button", name="Retry all matching…"))
    expect(page.locator("h1")).to_have_text("Act on all matching failures in the inbox")
    expect(page.locator("[data-bulk-count]")).to_have_text("2")
    expect(page.locator("[data-bulk-filter]")).to_contain_text(f"queue={QUEUE}; text=timeout")
    click(page.get_by_role("button", name="Apply to all 2 matching"))
    expect(page.locator(".messages")).to_contain_text("Retried 2 of 2.")
    expect(page).to_have_url(re.compile(r"/queues/failed/\?.*text=timeout"))

    assert statuses_in_openorchestrator(console) == {
        "t1": "NEW",
        "t2": "NEW",
        "k1": "FAILED",
        "v1": "FAILED",
        "o1": "FAILED",  # another queue: not matched
    }

    # The rest of this queue: clear the text (keyboard) and acknowledge all that match.
    message = filters.get_by_label("Message contains")
    expect(message).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    click(page.get_by_role("button", name="Acknowledge all matching…"))
    expect(page.locator("[data-bulk-count]")).to_have_text("2")
    page.get_by_label("Comment (acknowledge)").fill("Data errors, sent to the case team")
    click(page.get_by_role("button", name="Apply to all 2 matching"))
    expect(page.locator(".messages")).to_contain_text("Acknowledged 2 of 2.")
    expect(page.locator("[data-inbox-count]")).to_have_text("0")
    assert clicks <= 5, clicks

    # Acknowledging changes nothing in OpenOrchestrator; the other queue's failure is still open.
    assert statuses_in_openorchestrator(console)["k1"] == "FAILED"
    operator.goto("/queues/failed/?" + "queue=" + OTHER.replace(" ", "+"))
    expect(page.locator("[data-inbox-count]")).to_have_text("1")
    operator.shot("queue-inbox-triage")
    assert operator.problems == []
