"""Failure groups in a real browser, over the demo data: a handful of causes, and one followed to
the failed inbox narrowed to it."""

from __future__ import annotations

import re
import time

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


GROUPS_QUEUE, GROUPS_OTHER = "Groups Flow Kø", "Groups Flow Other"
LOCKED = "GroupsFlowError: the archive ARK-{n} was locked by robot {r}."


def robot_failures(console) -> dict[str, str]:
    """Failures as robots leave them (OpenOrchestrator's db_util): four of one cause in two
    queues, two of another; reference -> message."""
    from OpenOrchestrator.database import db_util
    from OpenOrchestrator.database.queues import QueueStatus

    failures = {
        "lock-1": (GROUPS_QUEUE, LOCKED.format(n=1234, r=7)),
        "lock-2": (GROUPS_QUEUE, LOCKED.format(n=99, r=12)),
        "lock-3": (GROUPS_QUEUE, LOCKED.format(n=5, r=3)),
        "lock-4": (GROUPS_OTHER, LOCKED.format(n=70001, r=1)),
        "date-1": (GROUPS_QUEUE, "ValueError: GroupsFlow date 2026-11-01 is not a workday"),
        "date-2": (GROUPS_OTHER, "ValueError: GroupsFlow date 2026-11-02 is not a workday"),
    }
    assert db_util.connect(console.oo_url)
    try:
        for reference, (queue, message) in failures.items():
            element = db_util.create_queue_element(queue, reference=reference)
            db_util.set_queue_element_status(element.id, QueueStatus.IN_PROGRESS)
            db_util.set_queue_element_status(element.id, QueueStatus.FAILED, message)
        return {reference: message for reference, (_queue, message) in failures.items()}
    finally:
        db_util.disconnect()


def openorchestrator_statuses(console) -> tuple[dict[str, str], int]:
    """Our elements' statuses, and how many elements of any queue are FAILED, by db_util."""
    from OpenOrchestrator.database import db_util
    from OpenOrchestrator.database.queues import QueueStatus

    assert db_util.connect(console.oo_url)
    try:
        ours = {
            element.reference: element.status.name
            for queue in (GROUPS_QUEUE, GROUPS_OTHER)
            for element in db_util.get_queue_elements(queue, limit=None)
        }
        failed = sum(
            counts.get(QueueStatus.FAILED, 0) for counts in db_util.get_queue_count().values()
        )
        return ours, failed
    finally:
        db_util.disconnect()


def test_retry_all_of_one_cause_from_the_groups_page(as_role, console):
    robot_failures(console)
    _before, failed_before = openorchestrator_statuses(console)
    operator = as_role("operator")
    page = operator.page
    operator.goto("/queues/failed/groups/")
    row = page.locator("table.groups tbody tr", has_text="GroupsFlowError")
    # The groups are a snapshot: a robot's new failures show at its next count (server_settings:
    # at most 15 s old here).
    deadline = time.monotonic() + 30
    while row.count() == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(1000)
        page.reload()
    expect(row.locator("td.num")).to_have_text("4")
    expect(row).to_contain_text(f"{GROUPS_QUEUE}: 3")
    expect(row).to_contain_text(f"{GROUPS_OTHER}: 1")
    row.locator("td").first.get_by_role("link").first.click()

    expect(page).to_have_url(re.compile(r"/queues/failed/\?group=[0-9a-f]{12}&since="))
    expect(page.locator("[data-cause]")).to_contain_text(
        "GroupsFlowError: the archive <ref> was locked by robot <n>."
    )
    expect(page.locator("[data-inbox-count]")).to_have_text("4")
    page.get_by_role("button", name="Retry all matching…").click()
    expect(page.locator("[data-bulk-count]")).to_have_text("4")
    expect(page.locator("[data-bulk-filter]")).to_contain_text(
        "“GroupsFlowError: the archive <ref> was locked by robot <n>.”"
    )
    page.get_by_role("button", name="Apply to all 4 matching").click()
    expect(page.locator(".messages")).to_contain_text("Retried 4 of 4.")
    expect(page.locator("[data-inbox-count]")).to_have_text("0")

    ours, failed_after = openorchestrator_statuses(console)
    assert ours == {
        "lock-1": "NEW",
        "lock-2": "NEW",
        "lock-3": "NEW",
        "lock-4": "NEW",
        "date-1": "FAILED",
        "date-2": "FAILED",
    }
    assert failed_after == failed_before - 4  # every other failure is still FAILED
    assert operator.problems == []
