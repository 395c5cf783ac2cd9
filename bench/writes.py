"""The load test's simulated people: page views and writes done as a browser does them.

A write opens the page a person would use (the failed inbox, the trigger list, the add form),
reads its form (CSRF token included) with bench/browser.py, ticks or types what a person would,
submits it, follows the redirect and reads the message on the page it lands on. The ids come from
those pages, so they are the generated database's own. A write counts as an error unless that
message shows success or a legitimate conditional refusal ("no longer failed"); a 5xx, a
connection error, a re-shown form or a missing message are all errors.

`User` needs only a client with `get(path)` and `post(path, fields, referer=)` that return a
bench.harness.Response-like object, so tests can drive the real views with Django's test client.
"""

from __future__ import annotations

import http.client
import json
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from bench import browser, pages

PAGE = {page.key: page for page in pages.PAGES}
QUEUE_LINK = "/queues/q/"  # queues:elements, the overview's link to each queue
REDIRECTS = (301, 302, 303)
NETWORK_ERRORS = (OSError, http.client.HTTPException)


@dataclass(frozen=True)
class Write:
    key: str
    success: re.Pattern
    # Someone (another user, a robot) changed the row first and the console said so: not an error.
    refusal: re.Pattern


RETRY = Write("retry", re.compile(r"^Retried [1-9]"), re.compile(r"^Retried 0 of .*no longer"))
ACKNOWLEDGE = Write(
    "acknowledge",
    re.compile(r"^Acknowledged [1-9]"),
    re.compile(r"^Acknowledged 0 of .*not failed or abandoned"),
)
PAUSE = Write(
    "pause",
    re.compile(r"^Paused |is pausing:"),
    re.compile(r"was not paused: it is .* now|no longer exists"),
)
RESUME = Write(
    "resume",
    re.compile(r"^Resumed "),
    re.compile(r"was not resumed: it is .* now|no longer exists"),
)
ADD_ELEMENT = Write("add_element", re.compile(r"^Added element "), re.compile(r"(?!)"))


class User:
    """One simulated person: a client (own cookies and CSRF token), their dice, what they saw.

    `samples` holds (group, key, ms) with group "page" (one GET) or "write" (the POST and the
    GET of the page it redirects to: one click, as long as the person waits for it).
    """

    def __init__(self, client, rnd: random.Random, name: str = "user"):
        self.client, self.rnd, self.name = client, rnd, name
        self.samples: list[tuple[str, str, float]] = []
        self.errors: list[str] = []
        self.refusals: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()  # nothing to act on (e.g. an empty inbox)
        self.added = 0

    # --- page views and clicks -------------------------------------------------------------------

    def view(self, key: str, path: str, *, read: bool = False) -> browser.Page | None:
        """GET a page; with `read`, return what a browser reads from it (None on any error)."""
        try:
            response = self.client.get(path)
        except NETWORK_ERRORS as exc:
            self.errors.append(f"{key}: {type(exc).__name__}")
            return None
        self.samples.append(("page", key, response.seconds * 1000))
        if response.status != 200:
            self.errors.append(f"{key}: HTTP {response.status}{_title(response)}")
            return None
        return browser.parse(path, response.text()) if read else None

    def click(
        self, write: Write, url: str, fields: list[tuple[str, str]], *, referer: str
    ) -> browser.Page | None:
        """Submit a form and follow its redirect; judge the message shown. The landing page, or
        None when the write failed."""
        try:
            posted = self.client.post(url, fields, referer=referer)
            target = urlsplit(urljoin(url, posted.location))._replace(scheme="", netloc="")
            landed = (
                self.client.get(target.geturl())
                if posted.status in REDIRECTS and posted.location
                else None
            )
        except NETWORK_ERRORS as exc:
            self.errors.append(f"{write.key}: {type(exc).__name__}")
            return None
        seconds = posted.seconds + (landed.seconds if landed else 0)
        self.samples.append(("write", write.key, seconds * 1000))
        if landed is None:
            shown_again = " (the form was shown again)" if posted.status == 200 else ""
            self.errors.append(f"{write.key}: HTTP {posted.status}{_title(posted)}{shown_again}")
            return None
        if landed.status != 200:
            self.errors.append(f"{write.key}: HTTP {landed.status} after it{_title(landed)}")
            return None
        page = browser.parse(target.geturl(), landed.text())
        said = [text for _level, text in page.messages]
        if any(write.success.search(text) for text in said):
            return page
        if any(write.refusal.search(text) for text in said):
            self.refusals[write.key] += 1
            return page
        shown = said[0][:80] if said else "no message"
        self.errors.append(f"{write.key}: not done ({shown})")
        return None

    def ask(
        self, write: Write, url: str, fields: list[tuple[str, str]], *, referer: str
    ) -> browser.Page | None:
        """Submit a form that answers with a page asking to confirm (200, not a redirect): the
        confirmation page, or None. Timed as a page view: nothing changes yet."""
        try:
            response = self.client.post(url, fields, referer=referer)
        except NETWORK_ERRORS as exc:
            self.errors.append(f"{write.key}: {type(exc).__name__}")
            return None
        self.samples.append(("page", f"{write.key} confirmation", response.seconds * 1000))
        if response.status != 200:
            self.errors.append(
                f"{write.key}: HTTP {response.status}{_title(response)} instead of a confirmation"
            )
            return None
        return browser.parse(url, response.text())

    def missing(self, write: Write, what: str) -> None:
        """The page lacks the control a person would use: the load test no longer matches it."""
        self.errors.append(f"{write.key}: {what}")


def _title(response) -> str:
    if response.status < 400:
        return ""
    title = browser.parse("/", response.text()).title.split(" · ")[0]
    return f" ({title})" if title else ""


# --- the writes --------------------------------------------------------------------------------


def retry(user: User) -> None:
    """Failed inbox: tick one to three failed elements, "Retry selected…", then "Retry" on the
    confirmation page (two clicks, as a person makes them)."""
    _inbox(user, RETRY, "Retry selected…", "Retry", {})


def acknowledge(user: User) -> None:
    """Failed inbox: tick one to three failed elements, type a comment, "Acknowledge selected…",
    then "Acknowledge" on the confirmation page."""
    _inbox(
        user,
        ACKNOWLEDGE,
        "Acknowledge selected…",
        "Acknowledge",
        {"comment": f"load test {user.name}"},
    )


def _inbox(user: User, write: Write, label: str, confirm: str, values: dict[str, str]) -> None:
    path = PAGE["inbox"].url()
    page = user.view("inbox", path, read=True)
    if page is None:
        return
    form = next((f for f in page.forms if f.button(label)), None)
    if form is None:
        user.missing(write, f"no “{label}” button on {path}")
        return
    ids = form.choices.get("ids", [])
    if not ids:
        user.skipped[write.key] += 1
        return
    chosen = user.rnd.sample(ids, k=min(len(ids), user.rnd.choice((1, 1, 2, 3))))
    url, fields = form.submission(button=form.button(label), check={"ids": chosen}, values=values)
    asked = user.ask(write, url, fields, referer=path)
    if asked is None:
        return
    confirmation = next((f for f in asked.forms if f.button(confirm)), None)
    if confirmation is None:
        user.missing(write, f"no “{confirm}” button on the confirmation page {url}")
        return
    url2, fields2 = confirmation.submission(button=confirmation.button(confirm))
    user.click(write, url2, fields2, referer=url)


def pause_then_resume(user: User) -> None:
    """Trigger list: pause an idle trigger, then resume it from the list it lands on (through the
    resume page when its next run is overdue, keeping the next run)."""
    path = PAGE["triggers"].url()
    page = user.view("triggers", path, read=True)
    if page is None:
        return
    idle = [
        (f, b)
        for f in page.forms
        for b in f.buttons
        if b.label.startswith("Pause ") and "badge-IDLE" in b.row_badges
    ]
    if not idle:
        user.skipped[PAUSE.key] += 1
        return
    form, button = user.rnd.choice(idle)
    name = button.label.removeprefix("Pause ")
    url, fields = form.submission(button=button)
    after = user.click(PAUSE, url, fields, referer=path)
    if after is None:
        return
    label = f"Resume {name}"
    resume = next((f for f in after.forms if f.button(label)), None)
    if resume is not None:
        resume_button = resume.button(label)
        referer = after.path
    else:
        link = after.link(label=label)
        if link is None:  # someone else resumed it already
            user.skipped[RESUME.key] += 1
            return
        choice_page = user.view("trigger_resume", link.href, read=True)
        if choice_page is None:
            return
        resume = next((f for f in choice_page.forms if f.button("Resume")), None)
        if resume is None:  # the page says it is no longer resumable (tests/bench pin the form)
            user.skipped[RESUME.key] += 1
            return
        resume_button = resume.buttons[0] if resume.buttons else None
        referer = link.href
    url, fields = resume.submission(button=resume_button)
    user.click(RESUME, url, fields, referer=referer)


def add_element(user: User) -> None:
    """Queues overview: "Add an element", type one of the listed queues, a reference and data."""
    path = PAGE["queues"].url()
    page = user.view("queues", path, read=True)
    if page is None:
        return
    queues = sorted(
        {
            unquote(urlsplit(link.href).path[len(QUEUE_LINK) :].rstrip("/"))
            for link in page.links
            if urlsplit(link.href).path.startswith(QUEUE_LINK)
        }
    )
    add = page.link(label="Add an element")
    if add is None or not queues:
        user.missing(ADD_ELEMENT, f"no “Add an element” link or no queues on {path}")
        return
    form_page = user.view("add_form", add.href, read=True)
    if form_page is None:
        return
    form = next((f for f in form_page.forms if f.button("Add")), None)
    if form is None:
        user.missing(ADD_ELEMENT, f"no “Add” form on {urlsplit(add.href).path}")
        return
    user.added += 1
    reference = f"LOADTEST-{user.name}-{user.added}"
    values = {
        "queue_name": user.rnd.choice(queues),
        "reference": reference,
        "data": json.dumps({"reference": reference, "amount": user.rnd.randint(1, 99_999)}),
    }
    url, fields = form.submission(button=form.button("Add"), values=values)
    user.click(ADD_ELEMENT, url, fields, referer=add.href)


@dataclass(frozen=True)
class Flow:
    key: str
    run: Callable[[User], None]
    load_weight: int  # weighed against bench/pages.py's load_weight of each page


FLOWS: tuple[Flow, ...] = (
    Flow("retry", retry, 2),
    Flow("acknowledge", acknowledge, 2),
    Flow("pause_resume", pause_then_resume, 1),
    Flow("add_element", add_element, 2),
)
