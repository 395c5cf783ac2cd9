"""Connection options the console sets on each database."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections


@pytest.mark.sqlite_only
@pytest.mark.django_db(databases=["default", "orchestrator"])
def test_the_orchestrator_database_keeps_a_larger_page_cache_and_its_journal_mode():
    """SQLite's default 2 MB page cache is less than a day of a million-row Logs table, so each
    text search re-read those pages from the operating system. The console's own file keeps the
    default cache and WAL; OpenOrchestrator's keeps the journal mode its owner chose."""

    def pragma(alias: str, name: str):
        with connections[alias].cursor() as cursor:
            cursor.execute(f"PRAGMA {name}")
            return cursor.fetchone()[0]

    assert pragma("orchestrator", "cache_size") == -settings.ORCHESTRATOR_SQLITE_CACHE_KIB
    assert pragma("orchestrator", "journal_mode") == "delete"
    assert pragma("default", "cache_size") == -2000
    assert pragma("default", "journal_mode") in ("wal", "memory")  # an in-memory test database
