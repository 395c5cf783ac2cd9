"""What this OpenOrchestrator database can store, where that differs by how it was built.

On PostgreSQL, OpenOrchestrator's alembic migrations created the `triggerstatus` enum without
KILLING and KILLED (docs/openorchestrator.md#postgresql-and-kill): a kill cannot be stored there,
and OpenOrchestrator's own Kill fails the same way. Databases built by its `create_all` (and SQL
Server/SQLite, where the column is VARCHAR(7)) have them.
"""

from __future__ import annotations

from django.db import connections
from django.utils.translation import gettext_lazy

from orchestrator_site import ttlcache
from orchestrator_site.writes import ORCHESTRATOR

_CACHE_KEY = "triggers:kill-supported"
_CACHE_SECONDS = 300

KILL_UNSUPPORTED = gettext_lazy(
    "This PostgreSQL database was built by OpenOrchestrator's alembic migrations: its "
    "triggerstatus type has no KILLING or KILLED, so a kill cannot be stored (OpenOrchestrator's "
    "own Kill fails the same way). A database administrator can add them with "
    "ALTER TYPE triggerstatus ADD VALUE 'KILLING'; ALTER TYPE triggerstatus ADD VALUE 'KILLED';"
)


def kill_supported() -> bool:
    """Can Triggers.process_status hold KILLING? Asked of the database once per 5 minutes."""
    connection = connections[ORCHESTRATOR]
    if connection.vendor != "postgresql":
        return True

    def ask() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT enumlabel FROM pg_enum WHERE enumtypid = to_regtype('triggerstatus')"
            )
            labels = {row[0] for row in cursor.fetchall()}
        return not labels or "KILLING" in labels  # no enum at all: a plain text column

    return ttlcache.cached(_CACHE_KEY, _CACHE_SECONDS, ask)
