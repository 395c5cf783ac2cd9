"""OpenOrchestrator 3.0.0's own code, as the test suite uses it: schema creation and db_util."""

from __future__ import annotations

from django.conf import settings
from OpenOrchestrator.common import crypto_util
from OpenOrchestrator.database import db_util
from sqlalchemy import create_engine, text

from orchestrator_site.oo_schema import REVISION, TABLES, create_with_openorchestrator


def create_schema(url: str, *, revision: str | None = REVISION) -> None:
    """Create OpenOrchestrator's tables with its own SQLAlchemy metadata, and stamp the revision."""
    create_with_openorchestrator(url, revision=revision)


def connect(url: str) -> None:
    if not db_util.connect(url):
        raise RuntimeError(f"OpenOrchestrator's db_util could not connect to {url}")
    crypto_util.set_key(settings.OPENORCHESTRATOR_KEY)


def clear(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for table in reversed(TABLES):
            connection.execute(text(f'DELETE FROM "{table}"'))
    engine.dispose()
