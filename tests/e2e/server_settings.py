"""The browser tests' server: the IIS identity test server, refreshing the dashboard every 2 seconds."""

from tests.identity.server_settings import *  # noqa: F403

CONSOLE_REFRESH_SECONDS = 2
