"""The browser tests' server: the IIS identity test server, refreshing the dashboard every 2 seconds."""

from tests.identity.server_settings import *  # noqa: F403

CONSOLE_REFRESH_SECONDS = 2
# Robots' new failures reach the groups pages at the overviews' pace here (15 s, not 60 s), so a
# test that writes failures and then opens a groups page waits no longer than for an overview.
CONSOLE_GROUPS_CACHE_SECONDS = 15
