"""`<name:...>`: the one URL converter for every name OpenOrchestrator stores (queues, processes,
constants, credentials, Scheduler machines).

A name is data: any string, empty included. Most names travel in the path as themselves
(percent-encoded by reverse()), so a link reads `/queues/q/Fakturaer/`. A name that would not
survive the trip between a link and the view travels as `~` and its UTF-8 in unpadded base64url:

- browsers (and http.sys) remove "." and ".." segments, and `%2E` is the same dot to them;
- HttpPlatformHandler forwards the path un-escaped, so `%3F` and `%23` would end the path
  (aspnet/IISIntegration#33) and `%5C` becomes "/";
- http.sys refuses control characters (newline, tab, NUL) in a path with 400, IIS request filtering
  refuses `%25` and `+` (double escaping), and proxies merge `//` (nginx does by default), which
  an empty name or an empty segment would make.

Any path the old routes accepted still resolves to the same name, except names beginning with "~",
which always travel encoded, and paths with a NUL byte, which are no page at all (middleware
below). A name with NUL (encoded) resolves only where the database can hold one: PostgreSQL
cannot, so there it is 404 before any query.
"""

from __future__ import annotations

import base64
import binascii
import string

from django.conf import settings
from django.db import connections
from django.http import Http404, HttpRequest, HttpResponse

ENCODED = "~"
# Characters that pass every hop unchanged (letters beyond ASCII are percent-encoded UTF-8, which
# IIS decodes as UTF-8); everything else makes the whole name travel encoded.
_PLAIN_ASCII = frozenset(string.ascii_letters + string.digits + " -_.,:!$&'()*=@/~")


def travels_plain(name: str) -> bool:
    """True when the name can sit in a URL path as itself."""
    if not name or name.startswith(ENCODED):
        return False
    if any(c not in _PLAIN_ASCII and (c.isascii() or not c.isprintable()) for c in name):
        return False
    return all(segment not in ("", ".", "..") for segment in name.split("/"))


def encode(name: str) -> str:
    if travels_plain(name):
        return name
    return ENCODED + base64.urlsafe_b64encode(name.encode()).decode("ascii").rstrip("=")


def decode(text: str) -> str:
    """The name a path segment carries; ValueError when no name has this URL."""
    if not text.startswith(ENCODED):
        return text
    token = text[len(ENCODED) :]
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
        name = raw.decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("not an encoded name") from exc
    if encode(name) != text:  # one URL per name: no padding, no plain name in disguise
        raise ValueError("not the canonical encoding of a name")
    return name


class NameConverter:
    """Any string, newlines and empty included; see the module docstring for the encoding."""

    regex = r"[\s\S]*"

    def to_python(self, value: str) -> str:
        name = decode(value)
        if "\x00" in name and connections[settings.ORCHESTRATOR_DB].vendor == "postgresql":
            raise ValueError("PostgreSQL cannot store NUL, so no row has this name")
        return name

    def to_url(self, value: str) -> str:
        return encode(value)


def nul_paths_not_found(get_response):
    """Middleware: a path with a NUL byte is 404 before any view or admin lookup sends it to the
    database (PostgreSQL refuses NUL in text: a 500). Links never hold one: names travel encoded."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            raise Http404("No page has a NUL byte in its address.")
        return get_response(request)

    return middleware
