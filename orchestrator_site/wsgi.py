"""WSGI entry point: Django behind the identity adapter (see orchestrator_site.identity)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orchestrator_site.settings")

from orchestrator_site.identity import adapter_from_settings  # noqa: E402

application = adapter_from_settings(get_wsgi_application())


def _warm_up() -> None:
    """Count the overviews once at start-up, so the first visitor after a restart does not wait."""
    from logs import queries as log_queries
    from orchestrator_site import snapshots
    from queues import models as queue_models

    snapshots.warm_up(
        {
            log_queries.OVERVIEW_CACHE_KEY: log_queries.count_processes,
            queue_models.OVERVIEW_CACHE_KEY: queue_models.count_queues,
        }
    )


_warm_up()
