"""The deployment's static storage names files by their hashed names, under the script prefix of
the request being served, however often a URL is asked for (each is worked out once per prefix)."""

from __future__ import annotations

import json

from django.urls import set_script_prefix

from orchestrator_site.storage import ConsoleStaticStorage


def test_hashed_urls_follow_the_script_prefix(tmp_path):
    manifest = {"paths": {"console.css": "console.0123abcd.css"}, "version": "1.1", "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    storage = ConsoleStaticStorage(location=str(tmp_path))
    try:
        set_script_prefix("/")
        assert storage.url("console.css") == "/static/console.0123abcd.css"
        set_script_prefix("/rpa/console/")
        assert storage.url("console.css") == "/rpa/console/static/console.0123abcd.css"
        assert storage.url("console.css") == "/rpa/console/static/console.0123abcd.css"
        set_script_prefix("/")
        assert storage.url("console.css") == "/static/console.0123abcd.css"
    finally:
        set_script_prefix("/")
