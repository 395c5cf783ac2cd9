"""The console's {% url %} (orchestrator_site/templatetags/console_url.py) writes what Django's
writes, for every form of the tag, under a script prefix too, and remembers nothing it shouldn't."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, engines
from django.urls import NoReverseMatch, set_script_prefix

from orchestrator_site.templatetags.console_url import CachedURLNode

CASES = [
    ("{% url 'dashboard:home' %}", {}),
    ("{% url 'queues:elements' name %}", {"name": 'A/B "quoted" <x> & æ'}),
    ("{% url 'queues:elements' queue_name=name %}", {"name": "trailing "}),
    ("{% url 'triggers:detail' pk %}", {"pk": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}),
    ("{% url 'queues:export' name as there %}[{{ there }}]", {"name": "Q"}),
    ("{% url 'no-such-name' as there %}[{{ there }}]", {}),
    ("{% url view %}", {"view": "audit"}),
]


def _djangos(text: str, context: dict) -> str:
    return Engine(libraries={}).from_string(text).render(Context(context))


def _consoles(text: str, context: dict) -> str:
    return engines["django"].from_string(text).render(context)


@pytest.mark.parametrize("prefix", ["/", "/console/"])
@pytest.mark.parametrize(("text", "context"), CASES)
def test_it_writes_what_djangos_tag_writes(text, context, prefix):
    set_script_prefix(prefix)
    try:
        ours = _consoles(text, context)
        assert ours == _djangos(text, context)
        assert ours == _consoles(text, context)  # remembered, still the same
    finally:
        set_script_prefix("/")
    if "name" in context and "as" not in text:
        assert ours.startswith(prefix)


def test_the_console_engine_uses_it_and_a_bad_name_still_fails():
    template = engines["django"].from_string("{% url 'dashboard:home' %}").template
    assert isinstance(template.nodelist[0], CachedURLNode)
    with pytest.raises(NoReverseMatch):
        engines["django"].from_string("{% url 'no-such-name' %}").render({})
