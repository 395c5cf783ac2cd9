from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.helpers import NOW


@pytest.fixture(autouse=True)
def fresh_cache_and_clock(monkeypatch):
    """The overview is cached and "now" moves: every test starts empty, at tests.helpers.NOW."""
    cache.clear()
    monkeypatch.setattr("orchestrator_site.clock.now", lambda: NOW)
    yield
    cache.clear()
