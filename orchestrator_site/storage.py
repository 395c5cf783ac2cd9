"""Static file URLs under the script prefix of the request being served.

IIS may serve the console in a virtual directory (waitress gets it as `--url-prefix`, WSGI's
SCRIPT_NAME). Django adds the script prefix to a relative STATIC_URL only once, when the setting is
first read at startup, before any request has a prefix; these storages add it on every URL instead.
WhiteNoise serves the files at /static/ inside the prefix (it matches PATH_INFO).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.storage import StaticFilesStorage
from django.urls import get_script_prefix
from whitenoise.storage import CompressedManifestStaticFilesStorage


class _ScriptPrefixed:
    @property
    def base_url(self) -> str:
        return get_script_prefix() + settings.STATIC_URL.removeprefix("/")


class ConsoleStaticStorage(_ScriptPrefixed, CompressedManifestStaticFilesStorage):
    """The deployment's storage: compressed files with hashed names (collectstatic)."""


class PlainStaticStorage(_ScriptPrefixed, StaticFilesStorage):
    """The tests' storage: the files as they are, no collectstatic needed."""
