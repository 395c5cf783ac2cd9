"""OpenOrchestrator 3.0.0's own code, as the test suite uses it: schema creation and db_util."""

from __future__ import annotations

from django.conf import settings
from OpenOrchestrator.common import crypto_util
from OpenOrchestrator.database import db_util
from OpenOrchestrator.database.queues import QueueStatus
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


def failed_elements(url: str, queue_name: str, count: int) -> list[str]:
    """`count` FAILED elements written by db_util as a robot leaves them; their ids."""
    connect(url)
    try:
        ids = []
        for i in range(count):
            element = db_util.create_queue_element(queue_name, f"ref-{i}")
            db_util.set_queue_element_status(element.id, QueueStatus.IN_PROGRESS)
            db_util.set_queue_element_status(element.id, QueueStatus.FAILED, "it broke")
            ids.append(str(element.id))
        return ids
    finally:
        db_util.disconnect()
