"""Is OpenOrchestrator's database reachable, and is it the schema revision the console was built for?

Also the friendly 503 for a database fault in any request (see orchestrator_site.dbfaults).
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.http import HttpResponse
from django.shortcuts import render

from orchestrator_site import dbfaults, ttlcache
from orchestrator_site.dbfaults import DbState
from orchestrator_site.identity import TOKEN_PATHS
from orchestrator_site.oo_schema import REVISION, UPGRADE_COMMAND

logger = logging.getLogger(__name__)

_OK_TTL = 30.0
_BAD_TTL = 2.0  # recover quickly once the database is back
_CACHE_KEY = "health:schema-status"  # per process: it is this process's view of the database


@dataclass(frozen=True)
class SchemaStatus:
    """`state` is "ok", a DbState ("unreachable", "busy", "not-a-database", "wrong-schema"),
    "no-version-table" or "wrong-revision". `alias` says which database it is about."""

    state: str
    revision: str | None = None
    alias: str = settings.ORCHESTRATOR_DB

    @property
    def ok(self) -> bool:
        return self.state == OK

    @property
    def problem(self) -> str:
        return "" if self.ok else self.state

    @property
    def retry_after(self) -> int | None:
        """Seconds a client should wait: only faults that pass by themselves have one."""
        waits: dict[str, int] = {DbState.BUSY: 5, DbState.UNREACHABLE: 30}
        return waits.get(self.state)


OK = "ok"
NO_VERSION_TABLE = "no-version-table"
WRONG_REVISION = "wrong-revision"


def release(connection) -> None:
    """Drop a connection after a fault without ever reconnecting (a reconnect to a server that
    is down would raise again, here, instead of giving the friendly answer)."""
    if connection.in_atomic_block:
        return  # the atomic block owns it and rolls back; Django closes it after the request
    try:
        connection.close()
    except DatabaseError:
        pass  # closing a dead connection can fail; Django has forgotten it either way


def _probe() -> SchemaStatus:
    alias = settings.ORCHESTRATOR_DB
    connection = connections[alias]
    try:
        # Inside a transaction (tests, a command's atomic block) a savepoint keeps a failed
        # SELECT from poisoning it; outside one no transaction is begun (on SQLite that would be
        # BEGIN IMMEDIATE: a write lock for a health check).
        guard = transaction.atomic(using=alias) if connection.in_atomic_block else nullcontext()
        with guard, connection.cursor() as cursor:
            cursor.execute("SELECT version_num FROM alembic_version")
            rows = cursor.fetchall()
    except DatabaseError as exc:
        state = dbfaults.classify(exc)
        if state is None or state == DbState.WRONG_SCHEMA:
            # Reachable, but the version table cannot be read (missing, or e.g. no permission).
            logger.warning("alembic_version cannot be read: %s: %s", type(exc).__name__, exc)
            return SchemaStatus(state=NO_VERSION_TABLE)
        logger.warning("OpenOrchestrator database %s: %s", state, type(exc).__name__)
        if state != DbState.BUSY:
            release(connection)
        return SchemaStatus(state=state)
    revision = rows[0][0] if rows else None
    if revision != REVISION:
        return SchemaStatus(state=WRONG_REVISION, revision=revision)
    return SchemaStatus(state=OK, revision=revision)


def schema_status(*, fresh: bool = False) -> SchemaStatus:
    """The probe's answer, kept _OK_TTL seconds when good and _BAD_TTL when not."""
    return ttlcache.cached(
        _CACHE_KEY,
        lambda status: _OK_TTL if status.ok else _BAD_TTL,
        _probe,
        fresh=fresh,
    )


def forget_status() -> None:
    ttlcache.forget(_CACHE_KEY)


def unavailable_response(request, status: SchemaStatus) -> HttpResponse:
    """The friendly 503 page. It stands alone (no menu, no user, no messages), so that drawing it
    needs no database: the one that failed may be the console's own."""
    orchestrator = status.alias == settings.ORCHESTRATOR_DB
    context = {
        "status": status,
        "database": dbfaults.database_label(status.alias),
        "orchestrator": orchestrator,
        "expected": REVISION,
        "upgrade_command": UPGRADE_COMMAND,
        "variable": settings.ORCHESTRATOR_URL_VARIABLE if orchestrator else "CONSOLE_DATABASE_URL",
    }
    response = render(request, "orchestrator_site/unavailable.html", context, status=503)
    if status.retry_after:
        response["Retry-After"] = str(status.retry_after)
    return response


def fault_response(request, exception: BaseException | None) -> HttpResponse | None:
    """The friendly 503 for a database fault raised anywhere in a request, else None."""
    if not isinstance(exception, DatabaseError):
        return None
    state = dbfaults.classify(exception)
    if state is None:
        return None
    alias = dbfaults.culprit() or settings.ORCHESTRATOR_DB
    logger.warning(
        "Database %s (%s) during %s: %s", state, alias, request.path, type(exception).__name__
    )
    forget_status()
    if state != DbState.BUSY:
        for connection in connections.all(initialized_only=True):
            if connection.errors_occurred:
                release(connection)
    return unavailable_response(request, SchemaStatus(state=state, alias=alias))


class OrchestratorDatabaseMiddleware:
    """One clear page instead of broken screens when the database is gone or at another revision."""

    # A token path's view (/metrics) checks who is asking before it says anything, the schema's
    # state included, then checks the schema itself.
    exempt_prefixes = ("/healthz", "/static/", *TOKEN_PATHS)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(self.exempt_prefixes):  # inside the script prefix
            status = schema_status()
            if not status.ok:
                return unavailable_response(request, status)
        return self.get_response(request)

    def process_exception(self, request, exception):
        return fault_response(request, exception)
