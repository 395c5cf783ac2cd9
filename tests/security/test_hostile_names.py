"""Names are data: hostile names in every name column never take a page down, and every link that
carries one leads to the page of exactly that name.

OpenOrchestrator 3.0.0's own db_util writes the rows. Each role opens every page and every dashboard
fragment, then follows each internal link on them once (one level deep), as a browser would: the
href is resolved against the page's URL (dot segments removed) and sent percent-encoded; a link a
role with more permissions already followed is not fetched again for a weaker one. Each name
has its own marker in another column, so a page can be checked to show exactly that name's rows (the
queue "Plain\\n" is not the queue "Plain").
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import Resolver404, resolve, reverse
from OpenOrchestrator.database.logs import LogLevel
from OpenOrchestrator.database.queues import QueueStatus
from OpenOrchestrator.database.triggers import TriggerStatus

from dashboard.views import PANELS
from tests import oo
from tests.conftest import PERSONAS, persona_client
from tests.helpers import oo_db, oo_tx
from tests.iis_server import SECRET, iis_console
from tests.security.test_url_matrix import permissions_of
from tests.security.urlmap import project_urls
from tests.settings import TEST_BACKEND

HOSTILE_NAMES = [
    "Plain",
    "Plain\n",  # its twin: must never be confused with "Plain"
    "",
    " Plain ",
    "line\nbreak",
    "\r\n",
    "carriage\rreturn",
    "tab\there",
    "a/b",
    "/leading",
    "trailing/",
    "a//b",
    "100%",
    "%41%2F%0A",  # looks percent-encoded, is not
    "what?x=1&y=2",
    "#fragment",
    "a+b c",
    "..",
    ".",
    "../..",
    "a/./b/../c",
    "~tilde",
    "back\\slash",
    "Kø æøå",
    "edit",
    "x/edit",
    "new",
    "<b>\"'&amp;</b>",
    "\u2028\u00a0\u200b",
    "L" * 100,
    "æ" * 99 + "\n",
]
if TEST_BACKEND == "sqlite":
    HOSTILE_NAMES.append("nul\x00inside")  # PostgreSQL cannot store NUL; SQLite and SQL Server can

ROLES = ("viewer", "operator", "admin", "keeper")
# The name a route carries, by kind: Q queue, P process, C constant, K credential, S scheduler.
NAME_ROUTES = {
    "queues:elements": ("Q", "queue_name"),
    "queues:export": ("Q", "queue_name"),
    "queues:bulk": ("Q", "queue_name"),
    "logs:process": ("P", "process_name"),
    "logs:export": ("P", "process_name"),
    "logs:delete_matching": ("P", "process_name"),
    "vault:constant_edit": ("C", "name"),
    "vault:constant_delete": ("C", "name"),
    "vault:credential_edit": ("K", "name"),
    "vault:credential_delete": ("K", "name"),
    "vault:credential_reveal": ("K", "name"),
    "triggers:forget": ("S", "machine_name"),
}
# Pages that list the name's own rows, so they must show its marker.
SHOWS_ITS_ROWS = {"queues:elements", "logs:process", "vault:constant_edit", "vault:credential_edit"}
# The lists that link every name of a kind (for the roles whose permissions show those links).
LISTS = {
    "/": "Q",
    "/queues/": "Q",
    "/queues/failed/": "Q",
    "/dashboard/fragments/failed/": "Q",
    "/logs/": "P",
    "/jobs/": "P",
    "/vault/constants/": "C",
    "/vault/credentials/": "K",
    "/schedulers/": "S",
}
LINKED_KINDS = {"viewer": "QP", "operator": "QP", "admin": "QPCKS", "keeper": "QPK"}
MARKER = re.compile(r"M([QPCK])(\d{3})Z")
MAX_FOLLOWED = 2000  # per role; the walk fails rather than stopping silently


def marker(kind: str, index: int) -> str:
    return f"M{kind}{index:03d}Z"


def markers_in(text: str, kind: str) -> set[int]:
    """The names (by index) whose rows of this kind the text shows."""
    return {int(n) for k, n in MARKER.findall(text) if k == kind}


def write_hostile_rows(db_util) -> None:
    """Every name column OpenOrchestrator has, filled with every hostile name, by OpenOrchestrator."""
    soon = dt.datetime.now() + dt.timedelta(days=1)
    for i, name in enumerate(HOSTILE_NAMES):
        db_util.create_queue_element(name, reference=marker("Q", i) + "new", created_by=name)
        failed = db_util.create_queue_element(name, reference=name, data=name, created_by=name)
        db_util.set_queue_element_status(failed.id, QueueStatus.FAILED, marker("Q", i) + "failed")
        job = db_util.start_job(name, name)  # RUNNING: the dashboard's running jobs
        db_util.create_log(name, LogLevel.INFO, job.id, marker("P", i) + "info")
        db_util.create_log(name, LogLevel.ERROR, None, marker("P", i) + "error")
        whitelist = [name] if len(json.dumps([name])) <= 250 else None  # VARCHAR(250)
        trigger = db_util.create_queue_trigger(
            name, name, name, "C:/robots/main.py", "", False, True, 1, 0, whitelist
        )
        db_util.set_trigger_status(trigger, TriggerStatus.FAILED)  # the dashboard's failed triggers
        db_util.create_single_trigger(
            name, name, soon, "C:/robots/main.py", name, False, True, 0, whitelist, name
        )
        db_util.create_scheduled_trigger(
            name, name, "0 6 * * *", soon, "C:/robots/main.py", "", False, True, 0, None, ""
        )
        db_util.create_constant(name, marker("C", i))
        db_util.create_credential(name, marker("K", i), "secret")
        db_util.send_ping_from_scheduler(name)
        db_util.start_trigger_from_machine(name, name)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.actions: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and values.get("href") is not None:
            self.hrefs.append(values["href"])
        elif tag == "form" and values.get("action"):
            self.actions.append(values["action"])
        elif tag == "button" and values.get("formaction"):  # a row action (rowactions.py)
            self.actions.append(values["formaction"])
        if values.get("data-refresh-url"):
            self.hrefs.append(values["data-refresh-url"])


def links_of(page_url: str, html: str) -> tuple[list[str], list[str]]:
    """The page's internal link targets and form actions, resolved as a browser resolves them."""
    parser = _Links()
    parser.feed(html)
    base = urllib.parse.urljoin("https://testserver", page_url)

    def absolute(targets: list[str]) -> list[str]:
        found = []
        for target in targets:
            url = urllib.parse.urlsplit(urllib.parse.urljoin(base, target))
            if url.netloc == "testserver" and not url.path.startswith("/static/"):
                found.append(urllib.parse.urlunsplit(("", "", url.path, url.query, "")))
        return found

    return absolute(parser.hrefs), absolute(parser.actions)


def carried_name(url: str) -> tuple[str, str, str] | None:
    """(route name, kind, name) when the URL is a name route, as the server will decode it."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path, errors="strict")
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name not in NAME_ROUTES:
        return None
    kind, kwarg = NAME_ROUTES[match.view_name]
    return match.view_name, kind, match.kwargs[kwarg]


@dataclass
class Walk:
    problems: list[str] = field(default_factory=list)
    # page -> kind -> the names its links and forms carry
    carried: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    followed: int = 0  # links fetched
    links: int = 0  # links found, fetched or covered by a role with more permissions


PERMISSIONS = {role: frozenset(permissions_of(PERSONAS[role])) for role in ROLES}


def start_urls() -> list[str]:
    pages = [u.path for u in project_urls() if "<" not in u.route and not u.post_only]
    return pages + [f"/dashboard/fragments/{panel}/" for panel in PANELS]


def check_name_page(walk: Walk, url: str, response, route: str, kind: str, name: str) -> None:
    if name not in HOSTILE_NAMES:
        walk.problems.append(f"{url} carries {name!r}, which no row holds")
        return
    if response.status_code != 200:
        return
    index = HOSTILE_NAMES.index(name)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    shown = markers_in(body.decode("utf-8", "replace"), kind)
    if shown - {index}:
        others = sorted(HOSTILE_NAMES[n] for n in shown - {index})
        walk.problems.append(f"{url} (the page of {name!r}) shows rows of {others!r}")
    if route in SHOWS_ITS_ROWS and index not in shown:
        walk.problems.append(f"{url} (the page of {name!r}) does not show its rows")


def fetch(walk: Walk, client, url: str, *, followed: bool) -> list[str]:
    response = client.get(url)
    if response.status_code >= 500:
        walk.problems.append(f"GET {url}: {response.status_code}")
        return []
    if followed and response.status_code in (404, 405):
        walk.problems.append(f"GET {url}: {response.status_code} for a link on a page")
    carried = carried_name(url)
    if carried:
        check_name_page(walk, url, response, *carried)
    if response.streaming or "html" not in response.get("Content-Type", ""):
        return []
    hrefs, actions = links_of(url, response.content.decode())
    for target in hrefs + actions:
        found = carried_name(target)
        if found:
            walk.carried[url][found[1]].add(found[2])
    return hrefs


def walk_as(role: str, followed_by: dict[str, set[str]]) -> Walk:
    """Open every page as `role`, then follow each link on them once. A link that a role holding
    every permission of this one (and more) has followed already is not fetched again: pages only
    add links, buttons and forms for a permission, so that role's page held all of this one's."""
    client = persona_client(role, raise_request_exception=False)
    covering = {
        other for other in ROLES if other != role and PERMISSIONS[role] < PERMISSIONS[other]
    }
    walk = Walk()
    to_follow: dict[str, str] = {}
    for url in start_urls():
        for link in fetch(walk, client, url, followed=False):
            to_follow.setdefault(urllib.parse.urlsplit(link).path, link)
    for path, link in to_follow.items():
        walk.links += 1
        if followed_by[path] & covering:
            continue
        walk.followed += 1
        if walk.followed > MAX_FOLLOWED:
            walk.problems.append(f"more than {MAX_FOLLOWED} links to follow")
            break
        fetch(walk, client, link, followed=True)
        followed_by[path].add(role)
    return walk


@oo_tx
def test_every_page_and_link_survives_hostile_names(db_util):
    """Each role opens every page and fragment and follows their links; the most powerful roles
    go first, so the links a weaker role shares with them are fetched once."""
    write_hostile_rows(db_util)
    followed_by: dict[str, set[str]] = defaultdict(set)
    problems = []
    for role in sorted(ROLES, key=lambda r: -len(PERMISSIONS[r])):
        walk = walk_as(role, followed_by)
        for page, kind in LISTS.items():
            if kind in LINKED_KINDS[role]:
                missing = set(HOSTILE_NAMES) - walk.carried[page][kind]
                if missing:
                    walk.problems.append(f"{page} links no page of {sorted(missing)!r}")
        problems += [f"{role}: {problem}" for problem in walk.problems]
        assert walk.links > 5 * len(HOSTILE_NAMES), role
    assert not problems, "\n".join(problems[:60])
    assert {role for roles in followed_by.values() for role in roles} >= {"admin", "keeper"}


@oo_tx
def test_a_text_search_of_one_process_finds_its_own_lines_whatever_its_name(
    db_util, settings, recommended_indexes
):
    """/logs/search/'s exact process name with a text search, with the start chosen from the
    newest lines of each level (few allowed, so every name's range is cut): each name finds its
    own two lines (INFO and ERROR), never a twin's ("Plain" and "Plain\n"), and its range is
    chosen from its own lines."""
    # An empty "Process" field searches every process (its page, /logs/process/<name>/, is where
    # the blank name's lines are listed).
    names = [name for name in HOSTILE_NAMES if "\x00" not in name and name]
    for i, name in enumerate(names):
        for n in range(3):  # more lines than the cut allows per level for this name
            db_util.create_log(name, LogLevel.TRACE, None, f"noise {n}")
        db_util.create_log(name, LogLevel.INFO, None, marker("P", i) + " info")
        db_util.create_log(name, LogLevel.ERROR, None, marker("P", i) + " error")
    settings.CONSOLE_TEXT_SEARCH_ROWS = 2
    client = persona_client("viewer", raise_request_exception=False)
    problems = []
    for i, name in enumerate(names):
        response = client.get(reverse("logs:search"), {"text": "Z ", "process": name})
        if response.status_code != 200:
            problems.append(f"{name!r}: {response.status_code}")
            continue
        found = [row.record for row in response.context["table"].page.object_list]
        if "the newest 2 lines of each level" not in response.content.decode():
            problems.append(f"{name!r}: the range was not chosen from its own lines")
        if sorted(log.log_message for log in found) != sorted(
            [marker("P", i) + " info", marker("P", i) + " error"]
        ) or {log.process_name for log in found} != {name}:
            problems.append(f"{name!r}: {[(log.process_name, log.log_message) for log in found]}")
    assert not problems, "\n".join(problems)


@oo_tx
def test_forget_and_delete_act_on_exactly_the_named_row(db_util):
    """The POST routes that carry a name: each row's button removes its own row, no twin."""
    for name in HOSTILE_NAMES:
        db_util.send_ping_from_scheduler(name)
        db_util.create_constant(name, "v")
    client = persona_client("admin", raise_request_exception=False)
    _, forms = links_of("/schedulers/", client.get("/schedulers/").content.decode())
    hrefs, _ = links_of("/vault/constants/", client.get("/vault/constants/").content.decode())
    forget = [(url, carried_name(url)) for url in forms if carried_name(url)]
    delete = [(url, carried_name(url)) for url in hrefs if carried_name(url)]
    delete = [(url, found) for url, found in delete if found[0] == "vault:constant_delete"]
    for actions, names in ((forget, scheduler_names), (delete, constant_names)):
        assert sorted(found[2] for _, found in actions) == sorted(HOSTILE_NAMES)
        left = set(HOSTILE_NAMES)
        for url, (_, _, name) in actions:
            assert client.post(url).status_code == 302, url
            left.discard(name)
            assert names(db_util) == left, name


def scheduler_names(db_util) -> set[str]:
    return {s.machine_name for s in db_util.get_schedulers()}


def constant_names(db_util) -> set[str]:
    return {c.name for c in db_util.get_constants()}


def nul_paths() -> list[tuple[str, bool]]:
    """Every route that takes an argument (the admin's object pages too), with a NUL in it,
    percent-encoded or as an encoded name; True where a database that holds NUL has the page."""
    paths = []
    for url in project_urls():
        if "<" in url.route:
            for value in ("a%00b", "%00"):
                paths.append(("/" + re.sub(r"<[^>]+>", value, url.route), False))
            paths.append(("/" + re.sub(r"<[^>]+>", "~YQBi", url.route), "<name:" in url.route))
    for model in admin.site._registry:
        for view in ("change", "delete", "history"):
            route = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
            paths.append((reverse(route, args=["a\x00b"]), False))
    return paths


@pytest.mark.parametrize(("path", "storable_name"), nul_paths())
@oo_db
def test_a_nul_in_a_path_is_404_never_a_server_error(path, storable_name):
    client = persona_client("admin", raise_request_exception=False)
    for response in (client.get(path), client.post(path, {"confirmed": "True"})):
        assert response.status_code < 500, path
        # Only SQLite and SQL Server hold a name with NUL: a link carries it encoded (~YQBi).
        if TEST_BACKEND == "postgresql" or not storable_name:
            assert response.status_code == 404, path


ADMIN_TOKEN = "0xad"
# The pages that show a name's own rows, over real HTTP: waitress decodes PATH_INFO itself.
SERVED = sorted(SHOWS_ITS_ROWS)


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    tokens = {ADMIN_TOKEN: ["TEST\\Ada", ["TEST\\rpa-automation"]]}
    with iis_console(tmp_path_factory.mktemp("names"), tokens) as server:
        from OpenOrchestrator.database import db_util

        oo.connect(f"sqlite:///{server.folder / 'orchestrator.sqlite3'}")
        try:
            write_hostile_rows(db_util)
        finally:
            db_util.disconnect()
        yield server


def percent_encoded_path(route: str, name: str) -> str:
    """The path as the old routes spelled it: the name itself, percent-encoded, "/" kept."""
    head, _, tail = reverse(route, args=["sample"]).rpartition("sample")
    return head + urllib.parse.quote(name, safe="/") + tail


@pytest.mark.no_orchestrator_db  # its own server on its own SQLite files: the same in both runs
@pytest.mark.parametrize("route", SERVED)
def test_a_real_server_gives_each_link_the_page_of_its_name(hostile_server, route):
    kind = NAME_ROUTES[route][0]
    headers = [("X-Console-Pairing", SECRET), ("X-IIS-WindowsAuthToken", ADMIN_TOKEN)]
    problems = []
    for index, name in enumerate(HOSTILE_NAMES):
        paths = [reverse(route, args=[name])]
        if not name.startswith("~") and "\x00" not in name:  # a path with NUL is no page
            paths.append(percent_encoded_path(route, name))
        for path in paths:
            status, body = hostile_server.get(path, headers)
            if status != 200 or markers_in(body, kind) != {index}:
                problems.append(f"{path} ({name!r}): {status}, rows of {markers_in(body, kind)}")
    assert not problems, "\n".join(problems)
