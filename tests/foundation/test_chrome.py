"""The header's parts that orchestrator_site.chrome writes in Python are what the templates they
replace wrote, for every kind of visitor, both languages and hostile paths."""

from __future__ import annotations

import pytest
from django.template import Context, Engine
from django.test import RequestFactory
from django.utils import translation

from orchestrator_site import chrome
from orchestrator_site.context_processors import navigation

# The templates as base.html had them (the navigation's items, and the two includes).
NAV_TEMPLATE = '\n    {% for key, label, url, current in navigation %}\n      <li><a href="{{ url }}"{% if current %} aria-current="page"{% endif %}>{{ label }}</a></li>\n    {% endfor %}\n    {% if user.is_staff %}<li><a href="{% url \'admin:index\' %}">{% translate "Admin" context "navigation" %}</a></li>{% endif %}\n    '
LANGUAGE_TEMPLATE = '{% load i18n %}{% get_current_language as current %}{% get_available_languages as languages %}<form method="post" action="{% url \'set_language\' %}" class="language-switch" aria-label="{% translate \'Language\' %}">{% csrf_token %}<input type="hidden" name="next" value="{{ request.get_full_path }}">{% for code, name in languages %}{% if code == current %}<span class="current" lang="{{ code }}" aria-current="true">{{ name }}</span>{% else %}<button type="submit" name="language" value="{{ code }}" lang="{{ code }}" class="link-button">{{ name }}</button>{% endif %}{% endfor %}</form>\n'
SCHEDULER_TEMPLATE = '{% load i18n %}{% if scheduler_summary %}{% with s=scheduler_summary %}<a class="sched-status" href="{% url \'triggers:schedulers\' %}" title="{% translate "Schedulers: online / stale / offline" %}">{% translate "Schedulers:" %}\n<span class="badge badge-online">{% blocktranslate count counter=s.online trimmed %}{{ counter }} online{% plural %}{{ counter }} online{% endblocktranslate %}</span>{% if s.stale %} <span class="badge badge-stale">{% blocktranslate count counter=s.stale trimmed %}{{ counter }} stale{% plural %}{{ counter }} stale{% endblocktranslate %}</span>{% endif %}{% if s.offline %} <span class="badge badge-offline">{% blocktranslate count counter=s.offline trimmed %}{{ counter }} offline{% plural %}{{ counter }} offline{% endblocktranslate %}</span>{% endif %}</a>{% endwith %}{% endif %}\n'

ENGINE = Engine(
    libraries={"i18n": "django.templatetags.i18n"}, builtins=["django.templatetags.i18n"]
)
HOSTILE_PATH = "/queues/q/A%22%3E%3Cscript%3E/?q=%3Cb%3E&x=%22"


def _template(text: str, **context) -> str:
    return ENGINE.from_string(text).render(Context(context))


@pytest.mark.parametrize("language", ["en-gb", "da"])
@pytest.mark.parametrize("path", ["/", "/triggers/", "/logs/process/x/", "/audit/"])
@pytest.mark.parametrize("is_staff", [False, True])
def test_the_navigation_is_the_templates(language, path, is_staff):
    with translation.override(language):
        items = navigation(path)
        expected = _template(
            NAV_TEMPLATE.replace("{% url 'admin:index' %}", "/admin/"),
            navigation=items,
            user={"is_staff": is_staff},
        )
        assert chrome.nav_items(items, is_staff) == expected
        assert expected.count('aria-current="page"') == 1


@pytest.mark.parametrize("language", ["en-gb", "da"])
@pytest.mark.parametrize("token", ['abc<>"&', "", "NOTPROVIDED"])
def test_the_language_switch_is_the_templates(language, token):
    request = RequestFactory().get(HOSTILE_PATH)
    with translation.override(language):
        expected = _template(
            LANGUAGE_TEMPLATE.replace("{% url 'set_language' %}", "/language/"),
            request=request,
            csrf_token=token,
        )
        assert chrome.language_switch(request.get_full_path(), token) == expected
    assert "<script>" not in expected


@pytest.mark.parametrize("language", ["en-gb", "da"])
@pytest.mark.parametrize(
    "summary",
    [
        None,
        {"online": 1, "stale": 0, "offline": 0},
        {"online": 0, "stale": 2, "offline": 1},
        {"online": 3, "stale": 1, "offline": 12},
    ],
)
def test_the_scheduler_status_is_the_templates(language, summary):
    with translation.override(language):
        expected = _template(
            SCHEDULER_TEMPLATE.replace("{% url 'triggers:schedulers' %}", "/schedulers/"),
            scheduler_summary=summary,
        )
        assert chrome.scheduler_status(summary) == expected
        assert chrome.scheduler_status(lambda: summary) == expected  # as the context passes it
