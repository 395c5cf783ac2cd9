"""The queues overview's count is shaped so that the recommended covering index serves it alone.

The index is created inside the test's rolled-back transaction, so OpenOrchestrator's schema is
unchanged for every other test.
"""

from __future__ import annotations

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from orchestrator_site import indexes
from queues.models import count_queues
from tests.helpers import make_element, oo_db


@oo_db
@pytest.mark.sqlite_only
def test_the_overview_reads_only_the_covering_index_on_sqlite():
    (spec,) = [s for s in indexes.RECOMMENDED if s.name.startswith("ix_console_queues_name_status")]
    make_element()
    connection = connections["orchestrator"]
    with connection.cursor() as cursor:
        cursor.execute(indexes.create_sql(spec, "sqlite"))
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as captured:
        count_queues()
    (sql,) = [q["sql"] for q in captured.captured_queries if '"Queues"' in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        text = " ".join(str(c) for row in cursor.fetchall() for c in row)
    assert f"COVERING INDEX {spec.name}" in text
