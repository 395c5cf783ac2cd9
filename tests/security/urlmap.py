"""Every URL of the project, found at run time, with what its view declares (methods, permissions).

Other areas add URLs all the time; the matrix tests walk whatever exists, so a new URL is covered
the day it is added. Admin URLs are left to Django's admin (tested separately).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from types import FunctionType

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

# Views anyone may open without a console role: monitoring and the refusal page itself. /metrics
# checks its bearer token or the user's roles itself (tests/metrics/test_access.py).
LOGIN_FREE = {"healthz", "denied", "metrics:metrics"}

_SAMPLES = {
    "int": "7",
    "slug": "sample",
    "str": "sample",
    "path": "sample/name",
    "name": "sample/name",  # orchestrator_site.converters: any string
}
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Url:
    route: str
    name: str
    path: str
    view: object
    methods: frozenset[str] | None  # None: any method
    permissions: frozenset[str]
    login_free: bool

    @property
    def post_only(self) -> bool:
        return self.methods is not None and "GET" not in self.methods

    def __str__(self) -> str:
        return self.route


def _sample(match: re.Match) -> str:
    converter = match["converter"] or "str"
    if converter == "uuid":
        return str(uuid.uuid4())
    return _SAMPLES.get(converter, "sample")


def _declarations(view) -> tuple[frozenset[str] | None, frozenset[str]]:
    """Read @require_http_methods and @permission_required from the decorators' closures."""
    methods: set[str] | None = None
    permissions: set[str] = set()
    seen: set[int] = set()
    stack = [view]
    while stack:
        func = stack.pop()
        func = getattr(func, "__func__", func)
        if id(func) in seen or not isinstance(func, FunctionType):
            continue
        seen.add(id(func))
        if getattr(func, "__wrapped__", None) is not None:
            stack.append(func.__wrapped__)
        for name, cell in zip(func.__code__.co_freevars, func.__closure__ or (), strict=True):
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if name == "request_method_list":
                declared = {m.upper() for m in value}
                methods = declared if methods is None else methods & declared
            elif name == "perms" and func.__name__ == "check_perms":
                permissions |= set(value)
            elif isinstance(value, FunctionType):
                stack.append(value)
    return (frozenset(methods) if methods is not None else None), frozenset(permissions)


def guard_order(view) -> list[str]:
    """The view's guards from the outside in: "permission" for @permission_required, "method" for
    @require_GET/@require_POST/@require_http_methods (followed through functools.wraps)."""
    order: list[str] = []
    func = getattr(view, "__func__", view)
    while isinstance(func, FunctionType):
        cells = dict(zip(func.__code__.co_freevars, func.__closure__ or (), strict=True))
        if "request_method_list" in cells:
            order.append("method")
        test = cells.get("test_func")
        if test is not None and getattr(test.cell_contents, "__name__", "") == "check_perms":
            order.append("permission")
        func = getattr(func, "__wrapped__", None)
    return order


def project_urls() -> list[Url]:
    found: list[Url] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin" or pattern.app_name == "admin":
                    continue
                ns = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                if not isinstance(pattern.pattern, RoutePattern):
                    raise AssertionError(f"Regex URL {pattern.pattern} needs sample values here.")
                route = prefix + str(pattern.pattern)
                methods, permissions = _declarations(pattern.callback)
                name = ":".join(filter(None, [namespace, pattern.name or ""]))
                found.append(
                    Url(
                        route=route,
                        name=name,
                        path="/" + _CONVERTER.sub(_sample, route),
                        view=pattern.callback,
                        methods=methods,
                        permissions=permissions,
                        login_free=getattr(pattern.callback, "login_required", True) is False,
                    )
                )

    walk(get_resolver().url_patterns, "", "")
    return found
