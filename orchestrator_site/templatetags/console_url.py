"""{% url %} through orchestrator_site.reversing.cached_reverse: a template builtin
(settings.TEMPLATES) that takes the place of Django's own tag, with its syntax and output.

A page has five to fifteen {% url %} tags and each reverse() walks the URL resolver (about 30 µs);
the URLs they ask for are the same on every request.
"""

from __future__ import annotations

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from orchestrator_site.reversing import cached_reverse

register = template.Library()


class CachedURLNode(defaulttags.URLNode):
    def render(self, context) -> str:
        # As django.template.defaulttags.URLNode.render, with reverse() remembered.
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = cached_reverse(view_name, tuple(args), kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        if context.autoescape:
            url = conditional_escape(url)
        return url


@register.tag
def url(parser, token) -> CachedURLNode:
    """Django's {% url %} (same arguments, `as var` too)."""
    node = defaulttags.url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
