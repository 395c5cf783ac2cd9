"""On a phone (390 px wide) no page scrolls sideways, even with hostile text in it (8,000-character
lines, long names without spaces, URLs): wide tables scroll in their own focusable region and the
header folds into a menu whose links stay reachable. On a desktop the navigation shows as before,
without the menu button."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from orchestrator_site.context_processors import NAVIGATION
from tests.e2e.conftest import SECRET
from tests.settings import TEST_FERNET_KEY

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

MARK = uuid.uuid4().hex[:8]
# Names nearly as long as OpenOrchestrator stores (100 characters), without a space to break at.
QUEUE = f"NarrowQueue{MARK}_" + "Kø" * 40
PROCESS = f"NarrowProcess{MARK}_" + "Robot" * 15
NAME = f"NarrowName{MARK}_" + "Navn" * 20
URL = "https://portal.example.invalid/api/v2/cases?" + "&".join(
    f"field{i}=value{i}" for i in range(60)
)
LINE = "TimeoutError:" + "x" * 7_987  # one 8,000-character line
MESSAGE = f"ValueError: {MARK} " + URL + " " + "y" * 600
PASSWORD = "p" * 200


def write_hostile_rows(console) -> dict[str, str]:
    """Rows whose values a robot (OpenOrchestrator's own db_util) may write: each page under test
    shows some of them. Returns what the pages' paths need."""
    from OpenOrchestrator.common import crypto_util
    from OpenOrchestrator.database import db_util
    from OpenOrchestrator.database.logs import LogLevel
    from OpenOrchestrator.database.queues import QueueStatus

    assert db_util.connect(console.oo_url)
    key = crypto_util.get_key()
    crypto_util.set_key(TEST_FERNET_KEY)
    try:
        element = db_util.create_queue_element(
            QUEUE, reference=URL[:100], data=URL + " " + "d" * 1_000, created_by=PROCESS
        )
        db_util.set_queue_element_status(element.id, QueueStatus.IN_PROGRESS)
        db_util.set_queue_element_status(element.id, QueueStatus.FAILED, MESSAGE[:1_000])
        job = db_util.start_job(PROCESS, NAME)
        db_util.create_log(PROCESS, LogLevel.ERROR, job.id, LINE)
        db_util.create_log(PROCESS, LogLevel.INFO, job.id, MESSAGE)
        log = db_util.get_logs(0, 1, process_name=PROCESS, log_level=LogLevel.ERROR)[0]
        common = {
            "process_name": PROCESS,
            "process_path": URL[:250],
            "process_args": LINE[:1_000],
            "is_git_repo": True,
            "is_blocking": True,
            "priority": 0,
            "scheduler_whitelist": [NAME, NAME + "2"],
            "git_branch": NAME,
        }
        later = datetime.datetime.now() + datetime.timedelta(days=30)
        triggers = {
            "single": db_util.create_single_trigger(f"{NAME}S", next_run=later, **common),
            "scheduled": db_util.create_scheduled_trigger(
                f"{NAME}C", cron_expr="0 6 * * MON-FRI", next_run=later, **common
            ),
            "queue": db_util.create_queue_trigger(
                f"{NAME}Q", queue_name=QUEUE, min_batch_size=5, **common
            ),
        }
        db_util.send_ping_from_scheduler(NAME)
        db_util.create_constant(NAME, URL[:1_000])
        db_util.create_credential(NAME, NAME + "@" + "example.invalid", PASSWORD)
    finally:
        crypto_util.set_key(key)
        db_util.disconnect()
    return {
        "element": str(element.id),
        "job": str(job.id),
        "log": str(log.id),
        **{f"trigger_{kind}": str(pk) for kind, pk in triggers.items()},
    }


@pytest.fixture(scope="module")
def hostile(console) -> dict[str, str]:
    return write_hostile_rows(console)


# (page key for the screenshot, role, path from the hostile rows' ids)
PAGES: list[tuple[str, str, Callable[[dict[str, str]], str]]] = [
    *[(key, "admin", lambda ids, name=name: reverse(name)) for key, _, name in NAVIGATION],
    ("inbox", "admin", lambda ids: "/queues/failed/"),
    ("inbox-queue", "admin", lambda ids: f"/queues/failed/?queue={QUEUE}"),
    ("queue-elements", "admin", lambda ids: f"/queues/q/{QUEUE}/"),
    ("element", "admin", lambda ids: f"/queues/element/{ids['element']}/"),
    ("failed-groups", "admin", lambda ids: "/queues/failed/groups/"),
    ("error-groups", "admin", lambda ids: "/logs/errors/groups/"),
    ("log-search", "admin", lambda ids: f"/logs/search/?text={MARK}"),
    ("process-logs", "admin", lambda ids: f"/logs/process/{PROCESS}/"),
    ("log", "admin", lambda ids: f"/logs/{ids['log']}/"),
    ("log-around", "admin", lambda ids: f"/logs/{ids['log']}/around/"),
    ("job", "admin", lambda ids: f"/jobs/{ids['job']}/"),
    ("trigger-single", "admin", lambda ids: f"/triggers/{ids['trigger_single']}/"),
    ("trigger-scheduled", "admin", lambda ids: f"/triggers/{ids['trigger_scheduled']}/"),
    ("trigger-queue", "admin", lambda ids: f"/triggers/{ids['trigger_queue']}/"),
    ("trigger-new", "admin", lambda ids: "/triggers/new/"),
    ("trigger-new-single", "admin", lambda ids: "/triggers/new/single/"),
    ("trigger-new-scheduled", "admin", lambda ids: "/triggers/new/scheduled/"),
    ("trigger-new-queue", "admin", lambda ids: "/triggers/new/queue/"),
    ("trigger-edit", "admin", lambda ids: f"/triggers/{ids['trigger_queue']}/edit/"),
    ("trigger-delete", "admin", lambda ids: f"/triggers/{ids['trigger_scheduled']}/delete/"),
    ("queue-add", "operator", lambda ids: "/queues/new/"),
    ("queue-upload", "operator", lambda ids: "/queues/upload/"),
    ("credential-new", "admin", lambda ids: "/vault/credentials/new/"),
    ("credential-edit", "admin", lambda ids: f"/vault/credentials/{NAME}/edit/"),
    ("constant-new", "admin", lambda ids: "/vault/constants/new/"),
    ("constant-edit", "admin", lambda ids: f"/vault/constants/{NAME}/edit/"),
    ("credential-reveal", "keeper", lambda ids: f"/vault/credentials/{NAME}/reveal/"),
]


def sideways(page) -> int:
    """How many pixels the document is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def wide_things(page) -> list[str]:
    """The elements that stick out of the window on the right, outermost first: what to fix."""
    return page.evaluate(
        """() => {
        const out = [];
        for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.right > window.innerWidth + 0.5 && r.width > 0) {
                let inside = false;
                for (let p = el.parentElement; p; p = p.parentElement) {
                    if (out.includes(p)) { inside = true; break; }
                }
                if (!inside) out.push(el);
            }
        }
        return out.slice(0, 8).map(el => el.tagName.toLowerCase()
            + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '')
            + ' ' + Math.round(el.getBoundingClientRect().right) + 'px');
    }"""
    )


def open_on_phone(as_role, role: str):
    visitor = as_role(role)
    visitor.page.set_viewport_size(PHONE)
    return visitor


def check_fits_and_menu_works(visitor, shot: str) -> None:
    page = visitor.page
    page.wait_for_load_state("networkidle")
    extra = sideways(page)
    visitor.shot(shot)
    assert extra <= 0, f"{page.url} scrolls {extra} px sideways: {wide_things(page)}"

    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    for _, label, _ in NAVIGATION:
        link = nav.get_by_role("link", name=label, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # Who is signed in, in which roles, and the Schedulers' state are in the menu too.
    expect(page.locator(".who .user")).to_be_visible()
    expect(page.locator(".who .roles")).to_be_visible()
    expect(page.locator(".sched-status")).to_be_visible()
    assert sideways(page) <= 0, f"{page.url}: the open menu scrolls sideways"
    visitor.shot(f"{shot}-menu")
    assert visitor.problems == [], f"{page.url}: {visitor.problems}"


@pytest.mark.parametrize(("key", "role", "path"), PAGES, ids=[key for key, _, _ in PAGES])
def test_page_fits_a_phone_and_its_menu_opens(as_role, hostile, key, role, path):
    visitor = open_on_phone(as_role, role)
    response = visitor.goto(path(hostile))
    assert response.status == 200, f"{path(hostile)} answered {response.status}"
    check_fits_and_menu_works(visitor, f"narrow-{key}")


def test_revealed_password_fits_a_phone(as_role, hostile):
    keeper = open_on_phone(as_role, "keeper")
    keeper.page.clock.install()  # the password stays shown while the test looks
    keeper.goto(f"/vault/credentials/{NAME}/reveal/")
    keeper.page.get_by_label("Encryption key").fill(TEST_FERNET_KEY)
    keeper.page.get_by_label("Reason").fill("Browser test of a narrow screen")
    keeper.page.get_by_role("button", name="Reveal").click()
    expect(keeper.page.locator("#revealed-password")).to_have_text(PASSWORD)
    check_fits_and_menu_works(keeper, "narrow-credential-revealed")


def test_the_menu_works_with_the_keyboard(as_role):
    visitor = open_on_phone(as_role, "viewer")
    visitor.goto("/queues/")
    page = visitor.page
    menu = page.get_by_role("button", name="Menu")
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link").first).to_be_focused()
    page.keyboard.press("Escape")  # closes the menu and gives the focus back to its button
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    page.keyboard.press("Space")
    jobs = page.get_by_role("link", name="Jobs", exact=True)
    expect(jobs).to_be_visible()
    for _ in range(len(NAVIGATION)):  # Tab through the menu's links to Jobs
        if jobs.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Jobs")
    assert visitor.problems == []


def test_without_javascript_the_phone_header_shows_everything_unfolded(browser, console):
    context = browser.new_context(
        java_script_enabled=False,
        viewport=PHONE,
        extra_http_headers={"X-Console-Pairing": SECRET, "X-IIS-WindowsAuthToken": "0x0001"},
    )
    try:
        page = context.new_page()
        page.goto(console.url + "/queues/")
        expect(page.locator(".menu-toggle")).to_be_hidden()
        nav = page.get_by_role("navigation", name="Main")
        for _, label, _ in NAVIGATION:
            expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
        assert sideways(page) <= 0
    finally:
        context.close()


def test_a_wide_table_scrolls_in_its_own_region_that_the_keyboard_can_reach(as_role, hostile):
    visitor = open_on_phone(as_role, "admin")
    visitor.goto("/queues/failed/")
    page = visitor.page
    region = page.get_by_role("region", name="Failed elements")
    expect(region).to_have_attribute("tabindex", "0")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth"), (
        "the table fits: nothing to test"
    )
    message = page.locator("table tbody tr", has_text=MARK).locator("td.msgcell")
    # The message column stays readable: wider than a few characters.
    assert message.bounding_box()["width"] >= 150
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())
    assert sideways(page) <= 0


def test_a_log_message_column_keeps_room_for_words_on_a_phone(as_role, hostile):
    visitor = open_on_phone(as_role, "admin")
    visitor.goto(f"/logs/{hostile['log']}/around/")
    message = visitor.page.locator("table tbody tr", has_text=MARK).locator("td:has(.msgcell)")
    assert message.bounding_box()["width"] >= 150


def test_on_a_desktop_the_navigation_shows_without_a_menu_button(as_role):
    visitor = as_role("viewer")
    visitor.page.set_viewport_size(DESKTOP)
    visitor.goto("/queues/")
    page = visitor.page
    expect(page.locator(".menu-toggle")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    for _, label, _ in NAVIGATION:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    # The brand and every link on one row, who is signed in and the Schedulers' state shown too.
    top = page.locator(".brand").bounding_box()["y"]
    for _, label, _ in NAVIGATION:
        assert abs(nav.get_by_role("link", name=label, exact=True).bounding_box()["y"] - top) < 20
    expect(page.locator(".who .user")).to_have_text("test\\vera")
    expect(page.locator(".sched-status")).to_be_visible()
    visitor.shot("wide-queues")
    assert visitor.problems == []
