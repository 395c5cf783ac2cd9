"""WSGI entry point: Django behind the identity adapter (see orchestrator_site.identity)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orchestrator_site.settings")

from orchestrator_site.identity import adapter_from_settings  # noqa: E402

application = adapter_from_settings(get_wsgi_application())

from orchestrator_site import snapshots  # noqa: E402

# Count once at start-up what the apps registered from their AppConfig.ready() (the logs and
# queues overviews), so the first visitor after a restart does not wait.
snapshots.warm_up()
