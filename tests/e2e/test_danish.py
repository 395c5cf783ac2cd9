"""Danish, page by page, in a real browser: every text a person reads (text, titles, labels,
placeholders, confirmations) differs from the English page unless it is data or a word Danish
shares with English. Screenshots of each page in both languages land in test-artifacts/.

How it finds an untranslated string without a list of them: the same page is read in English
and in Danish; a text that is the same in both is either data (every text value of the demo
database is known), a shared word (SAME_IN_DANISH) or a string nobody translated.
"""

from __future__ import annotations

import re
import sqlite3
import uuid

import pytest

from tests.e2e.conftest import ARTIFACTS, SECRET, TOKENS

# Words Danish uses as English does, in this console's domain (product names, codes, loanwords).
SAME_IN_DANISH = frozenset(
    """
    OpenOrchestrator Console CSV Excel Reference reference SQL Server PostgreSQL SQLite Windows IIS Fernet UUID ID OK
    cron Cron Status status Data data Job Jobs Trigger Triggers Scheduler Schedulers Admin admin
    Dansk English RPA git Git JSON API Log Logs log logs UTC Europe Copenhagen Python Django
    ERROR INFO DEBUG WARNING NEW IN_PROGRESS DONE FAILED ABANDONED IDLE RUNNING PAUSED KILLED Info
    Single Scheduled Email email mail Viewer Operator Automation Vault Keeper online offline
    Menu
    """.split()
)
WORD = re.compile(r"[A-Za-zÆØÅæøåÉé][A-Za-zÆØÅæøåÉé'’-]+")

# Pages in the navigation, then detail pages and forms found through them (first matching link).
PAGES = [
    ("dashboard", "/"),
    ("triggers", "/triggers/"),
    ("trigger-new", "/triggers/new/"),
    ("trigger-new-single", "/triggers/new/single/"),
    ("trigger-new-scheduled", "/triggers/new/scheduled/"),
    ("trigger-new-queue", "/triggers/new/queue/"),
    ("queues", "/queues/"),
    ("inbox", "/queues/failed/"),
    ("failed-groups", "/queues/failed/groups/"),
    ("element-new", "/queues/new/"),
    ("element-upload", "/queues/upload/"),
    ("element-new-queue", "/queues/new/?queue=Boligst%C3%B8tte"),
    ("element-upload-queue", "/queues/upload/?queue=Boligst%C3%B8tte"),
    ("queue-bulk", "/queues/bulk/Boligst%C3%B8tte/"),
    ("inbox-bulk", "/queues/failed/all/?action=acknowledge"),
    ("inbox-acknowledged", "/queues/failed/?acknowledged=1"),
    ("logs", "/logs/"),
    ("log-search", "/logs/search/?text=a"),
    ("error-groups", "/logs/errors/groups/"),
    ("log-export", "/logs/csv/L%C3%B8n%20Refusion/"),
    ("log-delete-matching", "/logs/delete-matching/L%C3%B8n%20Refusion/?older_than=7"),
    ("jobs", "/jobs/"),
    ("schedulers", "/schedulers/"),
    ("credentials", "/vault/credentials/"),
    ("credential-new", "/vault/credentials/new/"),
    ("constants", "/vault/constants/"),
    ("constant-new", "/vault/constants/new/"),
    ("audit", "/audit/"),
    ("audit-filtered", "/audit/?action=trigger.run_now&target_type=trigger&page=0"),
    ("admin", "/admin/"),
]
FOUND = [
    # (key, list page, link pattern)
    ("trigger", "/triggers/", r"^/triggers/[0-9a-f-]{36}/$"),
    ("trigger-edit", "/triggers/", r"^/triggers/[0-9a-f-]{36}/edit/$"),
    ("trigger-delete", "/triggers/", r"^/triggers/[0-9a-f-]{36}/delete/$"),
    ("trigger-reset", "/triggers/", r"^/triggers/[0-9a-f-]{36}/reset/\?next="),
    ("trigger-resume", "/triggers/", r"^/triggers/[0-9a-f-]{36}/resume/\?next="),
    ("queue", "/queues/", r"^/queues/q/[^/]+/$"),
    ("element", "/queues/failed/", r"^/queues/element/[0-9a-f-]{36}/$"),
    ("process-logs", "/logs/", r"^/logs/process/[^/]+/$"),
    ("log", "/logs/search/?text=a", r"^/logs/[0-9a-f-]{36}/$"),
    ("log-around", "/logs/search/?text=a", r"^/logs/[0-9a-f-]{36}/around/"),
    ("job", "/jobs/", r"^/jobs/[0-9a-f-]{36}/$"),
    ("credential-edit", "/vault/credentials/", r"^/vault/credentials/[^/]+/edit/$"),
    ("credential-delete", "/vault/credentials/", r"^/vault/credentials/[^/]+/delete/$"),
    ("constant-edit", "/vault/constants/", r"^/vault/constants/[^/]+/edit/$"),
    ("constant-delete", "/vault/constants/", r"^/vault/constants/[^/]+/delete/$"),
]

_TEXTS_JS = """() => {
  const out = new Set();
  const add = (s) => { s = (s || '').replace(/\\s+/g, ' ').trim(); if (s) out.add(s); };
  add(document.title);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.parentElement && node.parentElement.closest('script, style, code, pre, textarea')) continue;
    add(node.nodeValue);
  }
  const names = ['title', 'aria-label', 'placeholder', 'alt', 'data-confirm', 'aria-description'];
  for (const el of document.querySelectorAll('*')) {
    for (const name of names) if (el.hasAttribute(name)) add(el.getAttribute(name));
  }
  for (const el of document.querySelectorAll('input[type=submit], input[type=button]')) add(el.value);
  return [...out];
}"""


def _data_values(console) -> list[str]:
    """Every text value of the demo database (names, messages, data), longest first."""
    values: set[str] = set()
    # What people typed into the console's own database (a rule's name, a reveal's reason, the
    # names an audit row recorded), as the other browser tests left it; not the action codes and
    # change records, which the pages word.
    with sqlite3.connect(console.folder / "console.sqlite3") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
            for column in set(columns) - {"action", "changes", "outcome", "kind", "status"}:
                for (value,) in db.execute(f'SELECT DISTINCT "{column}" FROM "{table}"'):
                    if isinstance(value, str) and len(value.strip()) >= 3:
                        values.add(re.sub(r"\s+", " ", value).strip())
                        if value.startswith("["):  # a JSON list of recorded names
                            values.update(re.findall(r'"([^"]{3,})"', value))
    with sqlite3.connect(console.folder / "orchestrator.sqlite3") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                for (value,) in db.execute(f'SELECT DISTINCT "{column}" FROM "{table}"'):
                    if isinstance(value, str) and len(value.strip()) >= 3:
                        values.add(re.sub(r"\s+", " ", value).strip())
                        values.update(_shown_forms(value))
    for who, _groups in TOKENS.values():
        values.update({who, who.lower()})
    return sorted(values, key=len, reverse=True)


def _shown_forms(value: str) -> set[str]:
    """How pages show a stored value besides as a whole: an id (32 hex digits) with its dashes
    and by its first 8 digits, a message of several lines by one of its lines (its summary)."""
    if re.fullmatch(r"[0-9a-f]{32}", value):
        dashed = str(uuid.UUID(value))
        return {dashed, dashed[:8]}
    lines = {line.strip() for line in value.splitlines()} if "\n" in value else set()
    return {line for line in lines if len(line) >= 3}


def untranslated(danish: set[str], english: set[str], data: list[str]) -> list[str]:
    """Texts the same in both languages that hold a word which is neither data nor shared."""
    found = []
    for text in sorted(danish & english):
        rest = text
        if rest.endswith("…") and any(value.startswith(rest[:-1].rstrip()) for value in data):
            continue  # a long value shortened for its column
        for value in data:
            if value in rest:
                rest = rest.replace(value, " ")
        if any(word not in SAME_IN_DANISH for word in WORD.findall(rest)):
            found.append(text)
    return found


@pytest.fixture(scope="module")
def pages_in(browser, console):
    contexts = {}
    for language, accept in (("en", "en-GB,en;q=0.9"), ("da", "da-DK,da;q=0.9")):
        contexts[language] = browser.new_context(
            extra_http_headers={
                "X-Console-Pairing": SECRET,
                "X-IIS-WindowsAuthToken": f"0x{list(TOKENS).index('admin') + 1:04x}",
                "Accept-Language": accept,
            },
            viewport={"width": 1280, "height": 900},
        )
    yield {language: context.new_page() for language, context in contexts.items()}
    for context in contexts.values():
        context.close()


def _found_pages(page, console) -> list[tuple[str, str]]:
    found = []
    for key, list_path, pattern in FOUND:
        page.goto(console.url + list_path)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        match = next((h for h in hrefs if re.match(pattern, h)), None)
        assert match, f"no link like {pattern} on {list_path}"
        found.append((key, match))
    return found


def test_every_page_is_danish_when_the_browser_asks(pages_in, console):
    ARTIFACTS.mkdir(exist_ok=True)
    data = _data_values(console)
    every = PAGES + _found_pages(pages_in["en"], console)
    report = {}
    for key, path in every:
        texts = {}
        for language, page in pages_in.items():
            response = page.goto(console.url + path)
            assert response.status == 200, (language, path, response.status)
            assert page.locator("html").get_attribute("lang") == (
                "da" if language == "da" else "en-gb"
            )
            page.screenshot(path=str(ARTIFACTS / f"i18n-{language}-{key}.png"), full_page=True)
            texts[language] = set(page.evaluate(_TEXTS_JS))
        missing = untranslated(texts["da"], texts["en"], data)
        if missing:
            report[f"{key} ({path})"] = missing
    listing = "\n".join(
        f"{page}:\n    " + "\n    ".join(repr(t) for t in texts) for page, texts in report.items()
    )
    (ARTIFACTS / "i18n-untranslated.txt").write_text(listing or "(none)\n", encoding="utf-8")
    assert not report, "Untranslated on Danish pages:\n" + listing


def test_the_detector_finds_an_untranslated_string_and_spares_data():
    """The rule itself: a shared text with an English word is reported; data and shared words
    are not."""
    data = sorted({"Faktura Afstemning", "Timeout while waiting"}, key=len, reverse=True)
    english = {"Queue", "Faktura Afstemning", "Timeout while waiting", "Status", "Show all 3"}
    danish = {"Kø", "Faktura Afstemning", "Timeout while waiting", "Status", "Show all 3"}
    assert untranslated(danish, english, data) == ["Show all 3"]
    shortened = {"Timeout while…", "Show all…"}
    assert untranslated(shortened, shortened, data) == ["Show all…"]


def test_ids_and_lines_of_messages_are_data_as_the_pages_show_them():
    """A job id shown with its dashes or by its first 8 digits, and a message's summary line, are
    the stored values as a page shows them, not untranslated words."""
    forms = _shown_forms("2efba86cc66d4d38be000452be7d88b8") | _shown_forms(
        "Failed:\nKeyError: 'x'"
    )
    data = sorted(forms, key=len, reverse=True)
    shown = {"2efba86c", "2efba86c-c66d-4d38-be00-0452be7d88b8", "KeyError: 'x'", "Show all"}
    assert untranslated(shown, shown, data) == ["Show all"]
