"""The one place that says what time it is, so tests can fix "now"."""

from __future__ import annotations

import datetime


def now() -> datetime.datetime:
    """Naive local wall-clock time, as OpenOrchestrator's `datetime.now()` writes it."""
    return datetime.datetime.now()
