"""The console's embedded SQLite DDL is exactly what OpenOrchestrator 3.0.0 creates; migrate never touches it."""

from __future__ import annotations

import sqlite3
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.test import override_settings

from orchestrator_site import settings as production_settings
from orchestrator_site.oo_schema import REVISION, create_sqlite_schema
from tests import oo
from tests.helpers import oo_db


def _schema(path) -> list[tuple]:
    """OpenOrchestrator's ORM tables and indexes (alembic_version is alembic's, checked apart)."""
    with sqlite3.connect(path) as raw:
        rows = raw.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name != 'alembic_version'"
        ).fetchall()
    return sorted(rows, key=str)


def test_embedded_sqlite_ddl_matches_openorchestrator(tmp_path):
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    create_sqlite_schema(ours)
    oo.create_schema(f"sqlite:///{theirs}")
    assert _schema(ours) == _schema(theirs)
    with sqlite3.connect(ours) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [(REVISION,)]


def _orchestrator_tables() -> list[str]:
    connection = connections["orchestrator"]
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


@oo_db
def test_migrate_leaves_the_openorchestrator_database_unchanged():
    before = _orchestrator_tables()
    call_command("migrate", verbosity=0, stdout=StringIO())
    assert _orchestrator_tables() == before
    with pytest.raises(CommandError, match="never migrates the OpenOrchestrator database"):
        call_command("migrate", database="orchestrator", verbosity=0, stdout=StringIO())
    assert _orchestrator_tables() == before
    assert "django_migrations" not in before


@oo_db
def test_migrate_makes_the_shared_cache_table_in_the_console_database_only():
    def tables(alias):
        return set(connections[alias].introspection.table_names())

    assert "console_cache" not in tables("default")
    with override_settings(CACHES=production_settings.CACHES):
        call_command("migrate", verbosity=0, stdout=StringIO())
    assert "console_cache" in tables("default")
    assert "console_cache" not in tables("orchestrator")
