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


@pytest.fixture
def operator_user(as_operator):
    """The operator persona's user row (created by its first request)."""
    from django.contrib.auth import get_user_model

    as_operator.get("/queues/")
    return get_user_model().objects.get(username="test\\otto")
