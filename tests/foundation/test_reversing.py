"""id_url() gives exactly what reverse() gives, also under an IIS virtual directory."""

from __future__ import annotations

import uuid

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from orchestrator_site.reversing import id_url

pytestmark = pytest.mark.no_orchestrator_db

NAMES = (
    "logs:detail",
    "logs:around",
    "queues:element",
    "triggers:detail",
    "triggers:edit",
    "triggers:delete",
    "triggers:pause",
    "triggers:resume",
    "triggers:run",
    "triggers:kill",
    "triggers:reset",
    "triggers:job",
)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("prefix", ["/", "/rpa/console/"])
def test_it_matches_reverse(name, prefix):
    pk = uuid.uuid4()
    set_script_prefix(prefix)
    try:
        assert id_url(name, pk) == reverse(name, args=[pk])
        assert id_url(name, pk.hex) == reverse(name, args=[pk])  # as OpenOrchestrator stores it
        assert id_url(name, pk).startswith(prefix)
    finally:
        set_script_prefix("/")


def test_it_refuses_what_is_not_an_id():
    with pytest.raises(ValueError):
        id_url("logs:detail", "1/../../admin")
    with pytest.raises(NoReverseMatch):
        id_url("queues:overview", uuid.uuid4())


# request_finished closes the database connections an earlier test left open, which needs access.
@pytest.mark.django_db(databases=["default", "orchestrator"])
def test_each_request_links_under_its_own_virtual_directory():
    """The prefix is read when a request starts (as Django's WSGIHandler sets it from
    SCRIPT_NAME), so one thread serving two sites' requests in turn links each under its own."""
    from django.core.signals import request_finished, request_started

    pk = uuid.uuid4()
    try:
        for prefix in ("/rpa/console/", "/other/", "/"):
            set_script_prefix(prefix)
            request_started.send(sender=None, environ={})
            assert id_url("logs:detail", pk) == f"{prefix}logs/{pk}/"
            request_finished.send(sender=None)
        set_script_prefix("/outside/")  # a management command, after every request ended
        assert id_url("logs:detail", pk) == f"/outside/logs/{pk}/"
    finally:
        set_script_prefix("/")
