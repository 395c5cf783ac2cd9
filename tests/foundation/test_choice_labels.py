"""The models' own status and level labels say what Django's generic get_FOO_display says."""

from __future__ import annotations

import pytest

from logs.models import Log, LogLevel
from queues.models import QueueElement, QueueStatus

pytestmark = pytest.mark.no_orchestrator_db


@pytest.mark.parametrize(
    ("model", "field", "values"),
    [
        (Log, "log_level", [*LogLevel.values, "WARN", ""]),
        (QueueElement, "status", [*QueueStatus.values, "PAUSED", ""]),
    ],
)
def test_labels_match_djangos(model, field, values):
    django_field = model._meta.get_field(field)
    for value in values:
        row = model(**{field: value})
        ours = getattr(row, f"get_{field}_display")()
        assert ours == row._get_FIELD_display(django_field)
    assert getattr(model(**{field: values[0]}), f"get_{field}_display")() != values[0]
