"""The console in an IIS virtual directory: every link, form, asset and redirect stays under it.

IIS serves the console at https://host/rpa/console/ and waitress gets the virtual directory as its
`--url-prefix` (SCRIPT_NAME). A real waitress serves it so here, with rows OpenOrchestrator 3.0.0's
own db_util wrote. An Automation admin (who also keeps the vault, to see every link) opens every page
and every dashboard fragment, reads every URL on them (href, src, action, formaction, data-*
attributes, URLs in inline scripts and event handlers), and follows each internal one once. A link
that leaves the prefix would take the user to another site on the same IIS server, or to a 404.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from OpenOrchestrator.database.logs import LogLevel
from OpenOrchestrator.database.queues import QueueStatus
from OpenOrchestrator.database.triggers import TriggerStatus

from dashboard.views import PANELS
from orchestrator_site.oo_schema import REVISION
from tests import oo
from tests.helpers import oo_db
from tests.iis_server import SECRET, Server, iis_console
from tests.security.urlmap import project_urls

PREFIX = "/rpa/console"
ADMIN = "0xad"
MAX_FOLLOWED = 600  # the walk fails rather than stopping silently
URL_ATTRIBUTES = {"href", "src", "poster", "srcset"}
# A quoted absolute path in a script or an event handler: "/x", '/x' or `/x` (not "//host").
SCRIPT_URL = re.compile(r"""["'`](/(?!/)[^"'`\s]*)["'`]""")


def under(path: str) -> str:
    """`path` (as reverse() spells it outside a virtual directory) inside the prefix."""
    return PREFIX + path


class Page(HTMLParser):
    """Every URL a browser could go to or load from this HTML, by where it was found."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (where, raw value)
        self.posts: list[tuple[str, str]] = []  # actions of POST forms, formactions in them
        self._script = False
        self._post_form = False
        self._post_forms: dict[str, bool] = {}  # by id: the forms seen so far that POST

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRIBUTES:
                for part in value.split(",") if name == "srcset" else [value]:
                    self.urls.append((f"<{tag} {name}>", part.strip().split(" ")[0]))
            elif name.startswith("data-") and re.fullmatch(r"[^\s]*/[^\s]*", value):
                self.urls.append((f"<{tag} {name}>", value))
            elif name.startswith("on"):
                self.urls += [(f"<{tag} {name}>", u) for u in SCRIPT_URL.findall(value)]
        values = dict(attrs)
        if tag == "form":
            self._post_form = (values.get("method") or "get").lower() == "post"
            if values.get("id"):
                self._post_forms[values["id"]] = self._post_form
            # A GET form's action is a page to open; a POST form's is checked, not opened.
            target = self.posts if self._post_form else self.urls
            target.append(("<form action>", values.get("action") or ""))
        elif tag in ("button", "input") and values.get("formaction") is not None:
            # form="id": the button submits that form (a row action, rowactions.py), wherever it is.
            owner = values.get("form")
            post = self._post_forms.get(owner, False) if owner else self._post_form
            target = self.posts if post else self.urls
            target.append((f"<{tag} formaction>", values["formaction"]))
        elif tag == "script":
            self._script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False
        elif tag == "form":
            self._post_form = False

    def handle_data(self, data):
        if self._script:
            self.urls += [("<script>", u) for u in SCRIPT_URL.findall(data)]


class Browser:
    """The admin's browser: the console at https://127.0.0.1:port/rpa/console/ through IIS."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.cookie = ""
        self.token = ""

    def _headers(self) -> list[tuple[str, str]]:
        headers = [("X-Console-Pairing", SECRET), ("X-IIS-WindowsAuthToken", ADMIN)]
        return headers + ([("Cookie", self.cookie)] if self.cookie else [])

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        status, headers, body = self.server.request("GET", path, self._headers())
        cookies = [v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie"]
        if cookies:
            jar = dict(c.split("=", 1) for c in [*filter(None, self.cookie.split("; ")), *cookies])
            self.cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if found:
            self.token = found[1]
        return status, {k.lower(): v for k, v in headers}, body

    def post(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, str]]:
        headers = [
            *self._headers(),
            ("Origin", self.server.origin),
            ("Referer", self.server.origin + under("/")),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ]
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, **form}).encode()
        status, response_headers, _ = self.server.request("POST", path, headers, body)
        return status, {k.lower(): v for k, v in response_headers}


def write_rows(db_util) -> dict[str, str]:
    """One of each thing the console links to, written as OpenOrchestrator writes it."""
    soon = dt.datetime.now() + dt.timedelta(days=1)
    db_util.create_queue_element("Invoices", reference="new-1", created_by="robot")
    failed = db_util.create_queue_element("Invoices", reference="failed-1", data='{"a": 1}')
    db_util.set_queue_element_status(failed.id, QueueStatus.IN_PROGRESS)
    db_util.set_queue_element_status(failed.id, QueueStatus.FAILED, "it broke")
    job = db_util.start_job("Invoicing", "Invoices trigger")
    db_util.create_log("Invoicing", LogLevel.INFO, job.id, "started")
    db_util.create_log("Invoicing", LogLevel.ERROR, None, "it broke")
    queue_trigger = db_util.create_queue_trigger(
        "Invoices trigger", "Invoicing", "Invoices", "C:/robots/main.py", "", False, True, 1, 0
    )
    db_util.set_trigger_status(queue_trigger, TriggerStatus.FAILED)
    single = db_util.create_single_trigger(
        "Once", "Invoicing", soon, "C:/robots/main.py", "", False, True, 0
    )
    db_util.create_scheduled_trigger(
        "Mornings", "Invoicing", "0 6 * * *", soon, "C:/robots/main.py", "", False, True, 0
    )
    db_util.create_constant("Mail server", "smtp.example")
    db_util.create_credential("Mail", "robot", "s3cret")
    db_util.send_ping_from_scheduler("RPA-01")
    return {"element": str(failed.id), "trigger": str(single)}


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> tuple[Server, dict[str, str]]:
    tokens = {ADMIN: ["TEST\\Ada", ["TEST\\rpa-automation", "TEST\\rpa-vault"]]}
    folder = tmp_path_factory.mktemp("prefix")
    with iis_console(folder, tokens, url_prefix=PREFIX) as server:
        from OpenOrchestrator.database import db_util

        oo.connect(f"sqlite:///{folder / 'orchestrator.sqlite3'}")
        try:
            rows = write_rows(db_util)
        finally:
            db_util.disconnect()
        yield server, rows


def start_pages() -> list[str]:
    """Every GET page of the project with no argument, every dashboard fragment, the admin."""
    pages = [u.path for u in project_urls() if "<" not in u.route and not u.post_only]
    pages += [reverse("dashboard:fragment", args=[panel]) for panel in PANELS]
    return [under(p) for p in [*pages, reverse("admin:index")]]


class Crawl:
    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.problems: list[str] = []
        self.seen: set[str] = set()

    def check_location(self, source: str, status: int, headers: dict[str, str]) -> None:
        if 300 <= status < 400:
            target = urllib.parse.urlsplit(headers.get("location", ""))
            if target.netloc not in ("", f"127.0.0.1:{self.browser.server.port}"):
                self.problems.append(f"{source}: redirects off the site to {target.geturl()}")
            elif not target.path.startswith(PREFIX + "/"):
                self.problems.append(f"{source}: redirects out of the prefix to {target.geturl()}")

    def internal(self, page: str, where: str, raw: str) -> str | None:
        """The path and query a browser would request, or None for another site or scheme."""
        origin = self.browser.server.origin
        url = urllib.parse.urlsplit(urllib.parse.urljoin(origin + page, raw))
        if url.scheme not in ("http", "https") or url.netloc != origin.split("//")[1]:
            return None
        if not (url.path + "/").startswith(PREFIX + "/"):
            self.problems.append(f"{page}: {where} {raw!r} is outside {PREFIX}/")
            return None
        return urllib.parse.urlunsplit(("", "", url.path, url.query, ""))

    def open(self, path: str, *, source: str) -> Page | None:
        status, headers, body = self.browser.get(path)
        if status == 404 or status == 405 or status >= 500:
            self.problems.append(f"GET {path} ({source}): {status}")
            return None
        self.check_location(f"GET {path}", status, headers)
        if status != 200 or "html" not in headers.get("content-type", ""):
            return None
        page = Page()
        page.feed(body)
        return page

    def links(self, path: str, page: Page) -> list[str]:
        found = []
        for where, raw in page.urls:
            target = self.internal(path, where, raw)
            if target is not None:
                found.append(target)
        for where, raw in page.posts:
            self.internal(path, where + " (POST)", raw)  # checked, not followed
        return found


def test_every_url_on_every_page_stays_under_the_prefix(served):
    server, _ = served
    crawl = Crawl(Browser(server))
    to_follow: dict[str, str] = {}
    for start in start_pages():
        page = crawl.open(start, source="a start page")
        crawl.seen.add(start)
        if page is not None:
            for link in crawl.links(start, page):
                to_follow.setdefault(link, start)
    followed = 0
    for link, source in to_follow.items():
        if link in crawl.seen:
            continue
        followed += 1
        if followed > MAX_FOLLOWED:
            crawl.problems.append(f"more than {MAX_FOLLOWED} links to follow")
            break
        crawl.seen.add(link)
        crawl.open(link, source=f"linked from {source}")
    assert not crawl.problems, "\n".join(sorted(set(crawl.problems))[:80])
    # The walk reached the pages of the rows (not only the lists), static files and the admin.
    assert any("/triggers/" in s and len(s) > 40 for s in crawl.seen)
    assert any(s.startswith(under("/static/")) for s in crawl.seen)
    assert any(s.startswith(under("/admin/")) and s != under("/admin/") for s in crawl.seen)


def test_the_navigation_brand_and_admin_link_point_into_the_prefix(served):
    server, _ = served
    browser = Browser(server)
    status, _, body = browser.get(under("/queues/"))
    assert status == 200
    assert f'<a class="brand" href="{PREFIX}/">' in body
    for path in ("/triggers/", "/queues/", "/logs/", "/schedulers/", "/vault/credentials/"):
        assert f'href="{PREFIX}{path}"' in body, path
    assert f'href="{PREFIX}/admin/"' in body
    assert re.search(rf'href="{PREFIX}/queues/"\s+aria-current="page"', body)
    assert f'src="{PREFIX}/static/' in body
    # The dashboard's live panels fetch their fragments under the prefix too.
    _, _, home = browser.get(under("/"))
    refresh = re.findall(r'data-refresh-url="([^"]+)"', home)
    assert len(refresh) == len(PANELS)
    assert all(url.startswith(under("/dashboard/fragments/")) for url in refresh), refresh
    # A page that does not exist offers the way back into the console, not to the server's root.
    status, _, missing = browser.get(under("/no-such-page/"))
    assert status == 404
    assert "Back to the dashboard" in missing and f'href="{PREFIX}/">Back' in missing


def test_the_footer_shows_the_schema_revision_the_console_checks(served):
    server, _ = served
    _, _, body = Browser(server).get(under("/"))
    footer = re.search(r'<footer class="footer">(.*?)</footer>', body, re.S)[1]
    assert REVISION in footer


@oo_db
def test_the_footer_follows_the_revision_constant_not_a_literal(as_viewer, monkeypatch):
    monkeypatch.setattr("orchestrator_site.context_processors.REVISION", "0123abcd4567")
    body = as_viewer.get(reverse("queues:overview")).content.decode()
    assert (
        "schema 0123abcd4567" in re.search(r'<footer class="footer">(.*?)</footer>', body, re.S)[1]
    )


def post_redirects(browser: Browser, path: str, form: dict[str, str]) -> str:
    """POST a form under the prefix; the Location, checked to stay there and to open."""
    status, headers = browser.post(under(path), form)
    assert status == 302, (path, status)
    location = urllib.parse.urlsplit(headers["location"])
    assert location.netloc in ("", f"127.0.0.1:{browser.server.port}"), headers["location"]
    assert location.path.startswith(PREFIX + "/"), (path, headers["location"])
    target = urllib.parse.urlunsplit(("", "", location.path, location.query, ""))
    assert browser.get(target)[0] == 200, target
    return location.path


@pytest.mark.parametrize("with_next", [False, True], ids=["default", "next"])
def test_redirects_after_forms_stay_under_the_prefix(served, with_next):
    server, rows = served
    browser = Browser(server)
    assert browser.get(under("/queues/failed/"))[0] == 200  # the session and CSRF token
    trigger = rows["trigger"]
    back = {"next": under("/queues/")} if with_next else {}
    landed = [
        post_redirects(browser, reverse("triggers:pause", args=[trigger]), back),
        post_redirects(browser, reverse("triggers:resume", args=[trigger]), back),
        post_redirects(
            browser,
            reverse("queues:retry"),
            {"ids": rows["element"], "confirmed": "True", **back},
        ),
        post_redirects(browser, reverse("dismiss_index_notice"), back),
    ]
    if with_next:
        assert set(landed) == {under("/queues/")}


def test_monitoring_and_assets_under_the_prefix_bypass_the_schema_check(served):
    """With the database at another revision, pages give the 503 page (its assets under the
    prefix, and served), while /healthz still answers monitoring in JSON."""
    server, _ = served
    browser = Browser(server)
    server.orchestrator_execute("UPDATE alembic_version SET version_num = 'b67b7649b282'")
    try:
        status, headers, body = browser.get(under("/healthz"))
        assert status == 503 and headers["content-type"] == "application/json", body[:300]
        assert '"state": "wrong-revision"' in body
        status, _, body = browser.get(under("/queues/"))
        assert status == 503 and "another schema revision" in body
        page = Page()
        page.feed(body)
        assets = [raw for where, raw in page.urls if where in ("<link href>", "<script src>")]
        assert assets and all(raw.startswith(under("/static/")) for raw in assets), assets
        assert all(browser.get(raw)[0] == 200 for raw in assets)
    finally:
        server.orchestrator_execute(f"UPDATE alembic_version SET version_num = '{REVISION}'")
        assert browser.get(under("/healthz"))[0] == 200  # a fresh check: pages work again
