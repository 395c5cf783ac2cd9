"""Test settings: production-like identity (IIS mode, HTTPS cookies), a test OpenOrchestrator database.

CONSOLE_TEST_DB=sqlite (default) or postgresql picks the OpenOrchestrator backend under test.
"""

import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
TEST_BACKEND = os.environ.get("CONSOLE_TEST_DB", "sqlite")
# One database per test process, so parallel runs never share (or drop) each other's data.
_RUN_ID = os.environ.setdefault("CONSOLE_TEST_RUN_ID", str(os.getpid()))
TEST_PG_URL = os.environ.get(
    "CONSOLE_TEST_PG_URL", f"postgresql+psycopg://postgres@127.0.0.1:5432/oo_console_test_{_RUN_ID}"
)
TEST_SQLITE_PATH = _ROOT / "var" / f"test-orchestrator-{_RUN_ID}.sqlite3"
TEST_OO_URL = TEST_PG_URL if TEST_BACKEND == "postgresql" else f"sqlite:///{TEST_SQLITE_PATH}"
TEST_FERNET_KEY = "8Qw0c3Qk3sY2m3H0fGmU3cQJmJxq7m1lq3H1m2ZQ8Xc="
TEST_METRICS_TOKEN = "tests-metrics-token-0123456789-abcdefghij"  # noqa: S105 - a test value

for _name in list(os.environ):
    if _name.startswith("CONSOLE_") and not _name.startswith("CONSOLE_TEST_"):
        del os.environ[_name]
os.environ.pop("OpenOrchestratorConnString", None)
os.environ.update(
    {
        "OpenOrchestratorSQL": TEST_OO_URL,
        "OpenOrchestratorKey": TEST_FERNET_KEY,
        "CONSOLE_SECRET_KEY": "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "CONSOLE_PAIRING_SECRET": "tests-pairing-secret",
        "CONSOLE_METRICS_TOKEN": TEST_METRICS_TOKEN,
        "CONSOLE_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "CONSOLE_ALLOWED_DOMAINS": "TEST",
        "CONSOLE_ROLE_VIEWER": "TEST\\rpa-viewers",
        "CONSOLE_ROLE_OPERATOR": "TEST\\rpa-operators,S-1-5-21-1111-2222-3333-1104",
        "CONSOLE_ROLE_AUTOMATION_ADMIN": "TEST\\rpa-automation",
        "CONSOLE_ROLE_VAULT_KEEPER": "TEST\\rpa-vault",
        "CONSOLE_VAR_DIR": str(_ROOT / "var" / "test-var"),
    }
)

from orchestrator_site.settings import *  # noqa: E402, F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "orchestrator_site.storage.PlainStaticStorage"},
}
WHITENOISE_USE_FINDERS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Stale overview counts are recounted in the request, not by a background thread (test isolation).
CONSOLE_BACKGROUND_REFRESH = False
# One test process plays every server process: the snapshots' shared cache is kept in memory, so a
# background recount never meets a test's open transaction. tests/foundation/test_shared_snapshots.py
# runs two real servers on the database cache that production uses.
CACHES = {
    **CACHES,  # noqa: F405
    "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"},
}
