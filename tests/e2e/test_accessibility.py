"""Every page a user reaches, list, detail or form, has no axe-core violation of WCAG 2.1 A/AA in
Chromium and nothing drawn over its text; the skip link comes first; row checkboxes name their row.

axe-core comes from npm (tests/e2e/package.json, installed by `make install`); without it these
tests skip and say why. Rows for the detail pages are read from the server's own demo database.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from orchestrator_site.context_processors import NAVIGATION
from tests.e2e.conftest import ARTIFACTS
from tests.settings import TEST_FERNET_KEY

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Runs axe in the page and keeps what a reader of the failure needs: rule, targets, why.
_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""

# What is drawn over something else in <main> (axe does not look at layout): boxed inline elements
# holding a block (their background is drawn in pieces across the content), and pairs of text
# pieces (each text node's line boxes, cut to what its scrolling or clipping boxes show, against
# every other node's) overlapping by more than 3 px both ways.
_OVERLAPS = """() => {
  const found = [];
  for (const el of document.querySelectorAll("main *")) {
    const style = getComputedStyle(el);
    const boxed = style.backgroundColor !== "rgba(0, 0, 0, 0)" || parseFloat(style.borderTopWidth) > 0;
    if (style.display !== "inline" || !boxed) continue;
    const block = [...el.children].find((c) => !/^(inline|none|contents)/.test(getComputedStyle(c).display));
    if (block) found.push(`inline ${el.outerHTML.slice(0, 60)} holds a <${block.localName}>`);
  }
  const shown = (rect, element) => {
    let [left, top, right, bottom] = [rect.left, rect.top, rect.right, rect.bottom];
    for (let box = element; box; box = box.parentElement) {
      if (getComputedStyle(box).overflow === "visible") continue;
      const clip = box.getBoundingClientRect();
      [left, top] = [Math.max(left, clip.left), Math.max(top, clip.top)];
      [right, bottom] = [Math.min(right, clip.right), Math.min(bottom, clip.bottom)];
    }
    return {left, top, right, bottom};
  };
  const pieces = [];
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.textContent.trim() || parent.closest("svg")) continue;
    if (!parent.checkVisibility({visibilityProperty: true})) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      const r = shown(rect, parent);
      if (r.right - r.left > 3 && r.bottom - r.top > 3) {
        pieces.push({node, r, text: node.textContent.trim().slice(0, 40)});
      }
    }
  }
  for (let i = 0; i < pieces.length; i++) {
    for (let j = i + 1; j < pieces.length; j++) {
      const [a, b] = [pieces[i], pieces[j]];
      if (a.node === b.node) continue;
      const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (x > 3 && y > 3) found.push(`"${a.text}" and "${b.text}"`);
    }
  }
  return found;
}"""


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE}: run `make install` (needs npm)")
    return AXE


def axe_violations(page, name: str) -> list[dict]:
    """The page's WCAG 2.1 A/AA violations; also written to test-artifacts/axe/<name>.json."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(_RUN_AXE, WCAG_21_AA)
    folder = ARTIFACTS / "axe"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(violations, indent=1, ensure_ascii=False))
    return violations


def problems(page, name: str) -> str:
    """Each axe violation (rule, impact, help, then each target and why), then each overlap."""
    lines = []
    for violation in axe_violations(page, name):
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " / ".join(node["summary"].splitlines()[1:3]).strip()
            lines.append(f"    {node['target']}: {summary}")
    lines.extend(f"drawn over: {overlap}" for overlap in page.evaluate(_OVERLAPS))
    return "\n".join(lines)


@pytest.fixture(scope="session")
def rows(console) -> dict[str, str]:
    """Real ids and names from the server's demo database, picked by what makes a page fullest."""
    db = sqlite3.connect(console.folder / "orchestrator.sqlite3")
    try:

        def one(sql: str) -> str:
            row = db.execute(sql).fetchone()
            assert row, f"the demo database has no row for: {sql}"
            return str(row[0])

        def uuid_of(sql: str) -> str:
            value = one(sql).replace("-", "")
            return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"

        trigger = "SELECT id FROM Triggers WHERE type = '{}' ORDER BY trigger_name LIMIT 1"
        return {
            "queue": quote(one("SELECT queue_name FROM Queues GROUP BY 1 ORDER BY count(*) DESC")),
            "element": uuid_of(
                "SELECT id FROM Queues WHERE status = 'FAILED' AND message != '' LIMIT 1"
            ),
            "single": uuid_of(trigger.format("SINGLE")),
            "scheduled": uuid_of(trigger.format("SCHEDULED")),
            "queue_trigger": uuid_of(trigger.format("QUEUE")),
            "job": uuid_of("SELECT id FROM Jobs WHERE status = 'FAILED' LIMIT 1"),
            "log": uuid_of("SELECT id FROM Logs WHERE log_level = 'ERROR' LIMIT 1"),
            "process": quote(
                one("SELECT process_name FROM Logs GROUP BY 1 ORDER BY count(*) DESC")
            ),
            "credential": quote(one("SELECT name FROM Credentials ORDER BY name")),
            "constant": quote(one("SELECT name FROM Constants ORDER BY name")),
        }
    finally:
        db.close()


TRIGGER_KINDS = ("single", "scheduled", "queue")
# (name, role, path): {placeholders} are filled from `rows`.
PAGES = [
    *[(key, "admin", reverse(url_name)) for key, _label, url_name in NAVIGATION],
    ("queue", "admin", "/queues/q/{queue}/"),
    ("queue-bulk", "admin", "/queues/bulk/{queue}/"),
    ("queue-export", "admin", "/queues/export/{queue}/"),
    ("failed-inbox", "admin", "/queues/failed/"),
    ("failed-bulk", "admin", "/queues/failed/all/"),
    ("failure-groups", "admin", "/queues/failed/groups/"),
    ("element", "admin", "/queues/element/{element}/"),
    ("queue-intake", "admin", "/queues/new/"),
    ("queue-intake-fixed", "admin", "/queues/new/?queue={queue}"),
    ("queue-upload", "admin", "/queues/upload/"),
    ("log-search", "admin", "/logs/search/?q=fejl"),
    ("log-error-groups", "admin", "/logs/errors/groups/"),
    ("process-logs", "admin", "/logs/process/{process}/"),
    ("process-logs-export", "admin", "/logs/csv/{process}/"),
    ("process-logs-delete-matching", "admin", "/logs/delete-matching/{process}/"),
    ("log-detail", "admin", "/logs/{log}/"),
    ("log-around", "admin", "/logs/{log}/around/?minutes=5"),
    ("trigger-new", "admin", "/triggers/new/"),
    *[(f"trigger-create-{kind}", "admin", f"/triggers/new/{kind}/") for kind in TRIGGER_KINDS],
    ("trigger-detail-single", "admin", "/triggers/{single}/"),
    ("trigger-detail-scheduled", "admin", "/triggers/{scheduled}/"),
    ("trigger-detail-queue", "admin", "/triggers/{queue_trigger}/"),
    ("trigger-edit-single", "admin", "/triggers/{single}/edit/"),
    ("trigger-edit-scheduled", "admin", "/triggers/{scheduled}/edit/"),
    ("trigger-edit-queue", "admin", "/triggers/{queue_trigger}/edit/"),
    ("trigger-delete", "admin", "/triggers/{single}/delete/"),
    ("job-detail", "admin", "/jobs/{job}/"),
    ("credential-create", "admin", "/vault/credentials/new/"),
    ("credential-edit", "admin", "/vault/credentials/{credential}/edit/"),
    ("credential-delete", "admin", "/vault/credentials/{credential}/delete/"),
    ("credential-reveal", "keeper", "/vault/credentials/{credential}/reveal/"),
    ("credentials-keeper", "keeper", "/vault/credentials/"),
    ("constant-create", "admin", "/vault/constants/new/"),
    ("constant-edit", "admin", "/vault/constants/{constant}/edit/"),
    ("constant-delete", "admin", "/vault/constants/{constant}/delete/"),
    ("admin", "admin", "/admin/"),
    ("admin-queue-elements", "admin", "/admin/queues/queueelement/"),
    ("admin-queue-element", "admin", "/admin/queues/queueelement/{element}/change/"),
    ("admin-log", "admin", "/admin/logs/log/{log}/change/"),
    ("admin-audit", "admin", "/admin/orchestrator_site/auditentry/"),
    ("dashboard-viewer", "viewer", "/"),
    ("not-found", "admin", "/queues/element/00000000-0000-0000-0000-000000000000/"),
    ("forbidden", "viewer", "/triggers/new/"),
]


def open_page(as_role, role: str, path: str):
    """The role's page at `path`, loaded, with CSP lifted only so that axe can be injected."""
    user = as_role(role, bypass_csp=True)
    user.goto(path)
    user.page.wait_for_load_state("networkidle")
    return user


@pytest.mark.parametrize(("name", "role", "path"), PAGES, ids=[page[0] for page in PAGES])
def test_page_has_no_wcag_violation_and_nothing_over_its_text(
    as_role, axe_script, rows, name, role, path
):
    user = open_page(as_role, role, path.format(**rows))
    found = problems(user.page, name)
    assert found == "", f"{user.page.url}:\n{found}"


def test_the_revealed_password_page_is_accessible(as_role, axe_script, rows):
    keeper = open_page(as_role, "keeper", f"/vault/credentials/{rows['credential']}/reveal/")
    keeper.page.clock.install()  # the password stays shown while axe reads the page
    keeper.page.get_by_label("Encryption key").fill(TEST_FERNET_KEY)
    keeper.page.get_by_label("Reason").fill("Accessibility check of the revealed password")
    keeper.page.get_by_role("button", name="Reveal").click()
    expect(keeper.page.locator("#revealed-password")).not_to_have_text("(hidden)")
    found = problems(keeper.page, "credential-revealed")
    assert found == "", found


def test_a_form_with_errors_is_accessible(as_role, axe_script):
    admin = open_page(as_role, "admin", "/triggers/new/scheduled/")
    # The server's answer to an empty form (the browser would stop at the first required field).
    admin.page.locator("form.panel").evaluate("form => { form.noValidate = true; }")
    admin.page.get_by_role("button", name="Save").click()
    expect(admin.page.locator(".errorlist").first).to_be_visible()
    found = problems(admin.page, "trigger-create-errors")
    assert found == "", found


def test_the_skip_link_is_the_first_stop_and_moves_to_the_content(as_role):
    viewer = as_role("viewer")
    viewer.goto("/queues/")
    page = viewer.page
    expect(page.get_by_role("link", name="Skip to content")).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to content")
    expect(skip).to_be_in_viewport()  # shown once focused, for sighted keyboard users
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#content"
    page.keyboard.press("Tab")  # the next stop is inside the content, not the header
    assert page.evaluate("document.activeElement.closest('main') !== null")


@pytest.mark.parametrize(
    "path",
    ["/logs/process/{process}/", "/queues/q/{queue}/", "/queues/failed/"],
)
def test_every_row_checkbox_names_its_row(as_role, rows, path):
    admin = as_role("admin")
    admin.goto(path.format(**rows))
    boxes = admin.page.locator("tbody input[type=checkbox]")
    assert boxes.count() > 0, "the page shows no selectable rows"
    names = [
        box.evaluate("b => b.labels.length ? b.labels[0].innerText : b.getAttribute('aria-label')")
        for box in boxes.all()
    ]
    assert all(names), f"unlabelled row checkboxes: {names}"
    assert len(set(names)) == len(names), "two rows' checkboxes have the same name"
