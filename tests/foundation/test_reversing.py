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
