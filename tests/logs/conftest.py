from __future__ import annotations

import pytest
from django.core.cache import cache

from logs.models import Log
from tests.helpers import NOW


@pytest.fixture(autouse=True)
def fresh_cache_and_clock(monkeypatch):
    """The overview is cached and "now" moves: every test starts empty, at tests.helpers.NOW."""
    cache.clear()
    monkeypatch.setattr("orchestrator_site.clock.now", lambda: NOW)
    yield
    cache.clear()


@pytest.fixture
def recommended_indexes():
    """The console's recommended indexes, really created (and dropped again afterwards)."""
    from orchestrator_site import indexes

    indexes.apply()
    indexes.forget()
    yield
    indexes.drop()
    indexes.forget()
    Log.objects.all().delete()  # committed rows of a transactional test: nobody flushes them
