"""A WSGI entry for tests: Django behind the IIS-mode identity adapter with a fake token resolver.

The real adapter and the real Django application, served by a real waitress; only the Windows API
call is replaced. The fake resolver maps token strings to identities (CONSOLE_TEST_FAKE_TOKENS, JSON
`{"0x1a2b": ["TEST\\\\Otto", ["TEST\\\\rpa-operators"]]}`) and appends every token it is asked about
to CONSOLE_TEST_RESOLVER_LOG, so a test can prove which requests reached it.

With CONSOLE_TEST_KEY_CHECK_LOG set, every comparison of a typed vault key is appended to that file
and takes 50 ms, so that a test can count the comparisons parallel requests made.
"""

from __future__ import annotations

import json
import os
import threading
import time

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from orchestrator_site import crypto
from orchestrator_site.identity import Identity, IdentityAdapter, token_paths_from_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.identity.server_settings")


class FakeResolver:
    def __init__(self, tokens: dict[str, list], log_path: str) -> None:
        self.tokens = tokens
        self.log_path = log_path

    def __call__(self, token: str) -> Identity | None:
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(token + "\n")
        entry = self.tokens.get(token)
        if entry is None:
            return None
        username, groups = entry
        return Identity(username, tuple(groups))


def _count_key_checks(log_path: str) -> None:
    real = crypto.key_matches
    lock = threading.Lock()

    def counted(typed: str) -> bool:
        with lock, open(log_path, "a", encoding="utf-8") as log:
            log.write("compared\n")
        time.sleep(0.05)
        return real(typed)

    crypto.key_matches = counted


if os.environ.get("CONSOLE_TEST_KEY_CHECK_LOG"):
    _count_key_checks(os.environ["CONSOLE_TEST_KEY_CHECK_LOG"])

django_app = get_wsgi_application()
application = IdentityAdapter(
    django_app,
    mode="iis",
    pairing_secret=settings.CONSOLE_PAIRING_SECRET,
    pairing_header=settings.CONSOLE_PAIRING_HEADER,
    resolver=FakeResolver(
        json.loads(os.environ["CONSOLE_TEST_FAKE_TOKENS"]), os.environ["CONSOLE_TEST_RESOLVER_LOG"]
    ),
    token_paths=token_paths_from_settings(),
)
