"""WSGI entry point: Django behind the identity adapter (see orchestrator_site.identity)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orchestrator_site.settings")

from orchestrator_site.identity import adapter_from_settings  # noqa: E402

application = adapter_from_settings(get_wsgi_application())

from orchestrator_site import snapshots, translations  # noqa: E402

translations.prepare()

# Count once at start-up what the apps registered from their AppConfig.ready() (the logs and
# queues overviews), so the first visitor after a restart does not wait.
snapshots.warm_up()

# The garbage collector: what start-up loaded (Django, the apps, the URL patterns, the compiled
# templates) lives as long as the process, so it leaves the collected generations; the youngest
# generation is collected after 50,000 new objects instead of 700. A page makes tens of thousands
# of short-lived objects, nearly all freed by reference counting; with Python's default the
# collector ran three or four times per page and took about a tenth of its CPU (bench/cpu_profile.py
# --gc measures it: queue page, 1.7 ms of GC per request with the default, 1.0 ms with these).
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 10, 10)
