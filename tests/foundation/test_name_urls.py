"""Every route that carries a name (<name:...>) round-trips any string OpenOrchestrator can store.

A link must survive what stands between it and the view: a browser resolving it against the page
(dot segments removed), IIS (http.sys refuses control characters, request filtering refuses %25 and
+, HttpPlatformHandler forwards the path un-escaped) and the WSGI server's percent-decoding.
"""

from __future__ import annotations

import random
import re
import urllib.parse

import pytest
from django.urls import Resolver404, resolve, reverse, set_script_prefix

from orchestrator_site import converters
from orchestrator_site.reversing import name_url
from tests.security.test_hostile_names import HOSTILE_NAMES, NAME_ROUTES
from tests.settings import TEST_BACKEND

# Pure URL code; the SQLite run also tries names with NUL, which PostgreSQL cannot store.
pytestmark = pytest.mark.no_orchestrator_db

ROUTES = sorted(NAME_ROUTES)


def some_strings(count: int = 300) -> list[str]:
    """Random strings over the characters that break URLs, and the hostile names themselves."""
    alphabet = "aZ09 ./\\%+?#&=;:~-_'\"<>\n\r\t\x00\x7f\x85\u2028\u200béøÅ€𝄞"
    rnd = random.Random(14)
    found = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12))) for _ in range(count)]
    found = [*HOSTILE_NAMES, "nul\x00inside", *found]
    if TEST_BACKEND == "postgresql":  # it cannot hold NUL: such a name is 404 (test_hostile_names)
        found = [name for name in found if "\x00" not in name]
    return found


def name_in(path: str, route: str) -> str:
    """The name the server hands the view for this link, as WSGI and Django decode it."""
    match = resolve(urllib.parse.unquote(path, errors="strict"))
    assert match.view_name == route
    return match.kwargs[NAME_ROUTES[route][1]]


@pytest.mark.parametrize("route", ROUTES)
def test_every_name_round_trips_through_reverse_and_resolve(route):
    for name in some_strings():
        url = reverse(route, args=[name])
        assert name_in(url, route) == name, (url, name)
        assert name_url(route, name) == url


@pytest.mark.parametrize("route", ROUTES)
def test_a_browser_sends_the_link_unchanged(route):
    for name in some_strings():
        url = reverse(route, args=[name])
        # urljoin removes "." and ".." segments as browsers do.
        assert urllib.parse.urljoin(f"https://console.example{url}", url).endswith(url), url
        assert urllib.parse.urljoin("https://console.example/queues/", url).endswith(url), url


@pytest.mark.parametrize("route", ROUTES)
def test_the_path_holds_nothing_iis_refuses_or_rewrites(route):
    fixed = reverse(route, args=["x"]).split("/x/")
    for name in some_strings():
        url = reverse(route, args=[name])
        carried = url.removeprefix(fixed[0] + "/").removesuffix("/" + fixed[1])
        assert not re.search(r"%(0|1[0-9A-F]|7F|25|3F|23|5C|2B)|\+|//", url, re.I), url
        assert not re.search(r"(^|/)\.\.?(/|$)", carried), url
        assert all(carried.split("/")), url  # no empty segment, no "//"


def test_plain_names_stay_readable():
    assert reverse("queues:elements", args=["Fakturaer"]) == "/queues/q/Fakturaer/"
    assert reverse("logs:process", args=["Kø æøå"]) == "/logs/process/K%C3%B8%20%C3%A6%C3%B8%C3%A5/"
    assert reverse("vault:constant_edit", args=["Drift / API key"]) == (
        "/vault/constants/Drift%20/%20API%20key/edit/"
    )


def test_awkward_names_travel_encoded_and_come_back():
    assert reverse("queues:elements", args=[""]) == "/queues/q/~/"
    assert reverse("queues:elements", args=["Plain\n"]) == "/queues/q/~UGxhaW4K/"
    assert reverse("triggers:forget", args=[".."]) == "/schedulers/~Li4/forget/"
    assert name_in("/queues/q/~/", "queues:elements") == ""


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/queues/q/Queue%20A/", "Queue A"),
        ("/queues/q/a/b/", "a/b"),
        ("/queues/q/Plain%0A/", "Plain\n"),
        ("/queues/q//", ""),
        ("/queues/q/100%25/", "100%"),
        ("/queues/q/a+b/", "a+b"),
        ("/vault/credentials/x/edit/edit/", "x/edit"),
        ("/logs/process/%E2%80%A8/", "\u2028"),
    ],
)
def test_the_links_of_the_old_routes_still_work(path, name):
    route = resolve(urllib.parse.unquote(path)).view_name
    assert name_in(path, route) == name


@pytest.mark.parametrize("token", ["~", "~UGxhaW4K"])
def test_a_tilde_name_is_always_encoded(token):
    assert converters.encode("~" + token) != "~" + token
    assert converters.decode(converters.encode("~" + token)) == "~" + token


@pytest.mark.parametrize(
    "path", ["/queues/q/~UGxhaW4K=/", "/queues/q/~%%%/", "/queues/q/~UGxhaW4/"]
)
def test_a_broken_or_second_encoding_is_not_found(path):
    # Padding, bad characters, and a plain name in disguise ("Plain" travels as itself).
    with pytest.raises(Resolver404):
        resolve(urllib.parse.unquote(path))


def test_name_url_follows_the_script_prefix():
    set_script_prefix("/rpa/console/")
    try:
        for name in ("Fakturaer", "", "a/b\n"):
            url = name_url("queues:elements", name)
            assert url == reverse("queues:elements", args=[name])
            assert url.startswith("/rpa/console/queues/q/")
    finally:
        set_script_prefix("/")
