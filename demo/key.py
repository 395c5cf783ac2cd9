"""The demo database's encryption key, public on purpose: whoever tries the console with `make run`
should be able to reveal the demo's passwords. It is the Makefile's DEMO_KEY (a test keeps the
two equal), which `make run` sets as OpenOrchestratorKey when no database is configured.
"""

from __future__ import annotations

import hmac

from django.conf import settings

DEMO_KEY = "lKny5NQPtx5B_7mFh8JxO7OaxN4o_t_4THJujLGDIBM="


def key_to_show() -> str | None:
    """The demo key, when a page may print it: the console runs in local mode on the demo
    database, and that database's credentials are encrypted with the demo key. None otherwise,
    above all whenever a real database is configured or the key is anyone's own."""
    configured = settings.OPENORCHESTRATOR_KEY or ""
    if not (settings.LOCAL_MODE and settings.ORCHESTRATOR_IS_DEMO):
        return None
    if not hmac.compare_digest(configured.encode(), DEMO_KEY.encode()):
        return None
    return DEMO_KEY
