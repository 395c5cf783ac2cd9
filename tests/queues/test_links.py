"""The one place that builds links into the logs and jobs pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import NoReverseMatch

from queues import links

pytestmark = pytest.mark.no_orchestrator_db

START = dt.datetime(2026, 11, 25, 8, 59, 0, 500)
END = dt.datetime(2026, 11, 25, 9, 7, 0)


def test_logs_link_uses_the_logs_app_when_its_page_exists():
    url = links.process_logs_url("Proc/A ø", START, END)
    assert "start=2026-11-25T08%3A59%3A00" in url and "end=2026-11-25T09%3A07%3A00" in url
    assert url.startswith("/logs/")


def test_logs_link_falls_back_to_query_parameters(monkeypatch):
    def missing(*args, **kwargs):
        raise NoReverseMatch("not built yet")

    monkeypatch.setattr("logs.links.process_logs_url", missing)
    url = links.process_logs_url("Proc A", START, END)
    assert url == "/logs/?process=Proc+A&start=2026-11-25T08%3A59%3A00&end=2026-11-25T09%3A07%3A00"


def test_jobs_link():
    assert links.process_jobs_url("Proc A", None, END) == (
        "/jobs/?process=Proc+A&end=2026-11-25T09%3A07%3A00"
    )
