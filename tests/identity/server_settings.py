"""Settings of the waitress server the identity tests start: tests.settings with its own databases.

The server process gets a console database migrated beforehand and an OpenOrchestrator database
made by the console's demo schema, both in a temporary folder (CONSOLE_TEST_SERVER_DIR).
"""

import os
from pathlib import Path

from orchestrator_site.dburl import parse_connection_string
from tests.settings import *  # noqa: F403
from tests.settings import BASE_DIR

_DIR = Path(os.environ["CONSOLE_TEST_SERVER_DIR"])
# The console's own database as CONSOLE_DATABASE_URL would give it (tests/settings.py clears every
# CONSOLE_ variable, so the test passes it under this name): several servers on one PostgreSQL.
_CONSOLE_URL = os.environ.get("CONSOLE_TEST_CONSOLE_DATABASE_URL")
DATABASES = {
    "default": parse_connection_string(
        _CONSOLE_URL or f"sqlite:///{_DIR / 'console.sqlite3'}",
        variable="CONSOLE_DATABASE_URL",
        base_dir=BASE_DIR,
    ),
    "orchestrator": parse_connection_string(
        f"sqlite:///{_DIR / 'orchestrator.sqlite3'}",
        variable="orchestrator",
        base_dir=BASE_DIR,
        must_exist=True,
    ),
}
if _CONSOLE_URL:
    DATABASES["default"].update(CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)  # as settings.py does
# As deployed: the processes share the database cache in the console's own database.
from orchestrator_site.settings import CACHES  # noqa: E402, F401

# Background recounts and the snapshots' age as deployed, when a test asks (tests.settings turns
# them off for the in-process tests).
CONSOLE_BACKGROUND_REFRESH = os.environ.get("CONSOLE_TEST_BACKGROUND_REFRESH") == "1"
CONSOLE_OVERVIEW_CACHE_SECONDS = int(os.environ.get("CONSOLE_TEST_OVERVIEW_CACHE_SECONDS", "15"))
