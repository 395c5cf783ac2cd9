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
    """The deployment's storage: compressed files with hashed names (collectstatic).

    A file's URL is worked out once per script prefix: the manifest is read at start-up and does
    not change while the process runs, and every page links the same stylesheet and scripts."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, str], str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        key = (name, self.base_url)
        url = self._urls.get(key)
        if url is None:
            url = self._urls[key] = super().url(name)
        return url


class PlainStaticStorage(_ScriptPrefixed, StaticFilesStorage):
    """The tests' storage: the files as they are, no collectstatic needed."""
