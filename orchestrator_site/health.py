"""Is OpenOrchestrator's database reachable, and is it the schema revision the console was built for?"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.shortcuts import render

from orchestrator_site.oo_schema import REVISION, UPGRADE_COMMAND

logger = logging.getLogger(__name__)

_OK_TTL = 30.0
_BAD_TTL = 2.0  # recover quickly once the database is back


@dataclass(frozen=True)
class SchemaStatus:
    reachable: bool
    revision: str | None = None
    problem: str = ""  # "" | "unreachable" | "no-version-table" | "wrong-revision"

    @property
    def ok(self) -> bool:
        return self.reachable and self.revision == REVISION


_lock = threading.Lock()
_cached: tuple[float, SchemaStatus] | None = None


def _probe() -> SchemaStatus:
    connection = connections[settings.ORCHESTRATOR_DB]
    try:
        connection.ensure_connection()
    except (OperationalError, InterfaceError) as exc:
        logger.warning("OpenOrchestrator database unreachable: %s", type(exc).__name__)
        connection.close_if_unusable_or_obsolete()
        return SchemaStatus(reachable=False, problem="unreachable")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version_num FROM alembic_version")
            rows = cursor.fetchall()
    except DatabaseError:
        # A missing table is ProgrammingError on PostgreSQL/SQL Server, OperationalError on SQLite.
        if connection.vendor == "postgresql" and not connection.get_autocommit():
            connection.rollback()
        return SchemaStatus(reachable=True, problem="no-version-table")
    revision = rows[0][0] if rows else None
    if revision != REVISION:
        return SchemaStatus(reachable=True, revision=revision, problem="wrong-revision")
    return SchemaStatus(reachable=True, revision=revision)


def schema_status(*, fresh: bool = False) -> SchemaStatus:
    global _cached
    with _lock:
        now = time.monotonic()
        if not fresh and _cached is not None:
            checked_at, status = _cached
            if now - checked_at < (_OK_TTL if status.ok else _BAD_TTL):
                return status
        status = _probe()
        _cached = (now, status)
        return status


def forget_status() -> None:
    global _cached
    with _lock:
        _cached = None


def unavailable_response(request, status: SchemaStatus):
    context = {
        "status": status,
        "expected": REVISION,
        "upgrade_command": UPGRADE_COMMAND,
        "variable": settings.ORCHESTRATOR_URL_VARIABLE,
    }
    return render(request, "orchestrator_site/unavailable.html", context, status=503)


class OrchestratorDatabaseMiddleware:
    """One clear page instead of broken screens when the database is gone or at another revision."""

    exempt_prefixes = ("/healthz", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(self.exempt_prefixes):
            status = schema_status()
            if not status.ok:
                return unavailable_response(request, status)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.warning("Database error during %s: %s", request.path, type(exception).__name__)
            forget_status()
            for connection in connections.all():
                connection.close_if_unusable_or_obsolete()
            return unavailable_response(
                request, SchemaStatus(reachable=False, problem="unreachable")
            )
        return None
