"""Settings of a `manage.py alerts` copy that the lease test starts as a process of its own:
tests.settings with the console's database in a SQLite file shared by the copies
(CONSOLE_TEST_ALERTS_DIR) and e-mail to the test's SMTP server (CONSOLE_TEST_SMTP_PORT). The
OpenOrchestrator database is the test run's own (tests.settings), on its backend."""

import os
from pathlib import Path

from orchestrator_site.dburl import parse_connection_string
from tests.settings import *  # noqa: F403
from tests.settings import BASE_DIR, DATABASES

_DIR = Path(os.environ["CONSOLE_TEST_ALERTS_DIR"])
DATABASES = {
    **DATABASES,
    "default": parse_connection_string(
        f"sqlite:///{_DIR / 'console.sqlite3'}", variable="default", base_dir=BASE_DIR
    ),
}
DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ.get("CONSOLE_TEST_SMTP_PORT", "25"))
DEFAULT_FROM_EMAIL = "alerts@console.test"
CONSOLE_BASE_URL = "https://console.test/rpa"
