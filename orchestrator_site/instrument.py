"""Queries per request, for the benchmark: an opt-in middleware that counts them per database.

`make bench` starts the console with CONSOLE_BENCH_INSTRUMENT=1, and only then do the settings put
`query_count_middleware` first in MIDDLEWARE (local sign-in only: settings refuse it otherwise, so it
is never on in production). Every response then carries `X-Console-Queries: orchestrator=3,
console=1`: the statements the request ran on OpenOrchestrator's database and on the console's own
one, counted with `connection.execute_wrapper` (no DEBUG, no stored SQL). Only a request that asks
for it with the `X-Console-Count-Queries` header is counted: the wrappers cost the server about
1.5 ms per request, which must not be charged to the pages whose CPU the benchmark times. Queries that run after the
response left the middleware (a streamed CSV export) or in another thread (a background recount)
are not the request's and are not counted.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponseBase

HEADER = "X-Console-Queries"
# The request header that asks for the count, and its name in the WSGI environ.
ASK_HEADER = "X-Console-Count-Queries"
_ASK_META = "HTTP_X_CONSOLE_COUNT_QUERIES"
# The name each database alias is reported under: `default` is the console's own database.
_NAMES = {"default": "console"}


def alias_name(alias: str) -> str:
    return _NAMES.get(alias, alias)


def format_counts(counts: dict[str, int]) -> str:
    """`orchestrator=3, console=1`: OpenOrchestrator's database first, then the console's."""
    order = sorted(counts, key=lambda alias: (alias != settings.ORCHESTRATOR_DB, alias))
    return ", ".join(f"{alias_name(alias)}={counts[alias]}" for alias in order)


def parse_counts(header: str) -> dict[str, int]:
    """The header back as {name: count}; the benchmark reads it this way."""
    counts = {}
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if sep and value.isdigit():
            counts[name] = int(value)
    return counts


def query_count_middleware(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    def middleware(request: HttpRequest) -> HttpResponseBase:
        if _ASK_META not in request.META:
            return get_response(request)
        counts = dict.fromkeys(connections, 0)

        def counter(alias: str) -> Callable[..., Any]:
            def count(execute, sql, params, many, context):
                counts[alias] += 1
                return execute(sql, params, many, context)

            return count

        with ExitStack() as stack:
            for alias in counts:
                stack.enter_context(connections[alias].execute_wrapper(counter(alias)))
            response = get_response(request)
        response[HEADER] = format_counts(counts)
        return response

    return middleware
