"""Per-row links of the list pages at the cost of one reverse() per URL name.

A 50-row page links each row three to eight times; reverse() costs ~30 µs per call, a tenth of the
page. Routes whose only argument is a UUID or a name are reversed once with a sample and then
filled in, exactly as reverse() would fill them.
"""

from __future__ import annotations

import functools
import threading
import uuid
from urllib.parse import quote

from django.core.signals import request_finished, request_started, setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils.http import RFC3986_SUBDELIMS

from orchestrator_site import converters
from orchestrator_site.htmltext import uuid_text

_SAMPLE = uuid.UUID(int=0)
_NAME_SAMPLE = "name-sample"
_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted in a path


def id_url(name: str, pk: uuid.UUID | str) -> str:
    """reverse(name, args=[pk]) for a route of the form ".../<uuid:...>/..."."""
    if not isinstance(pk, uuid.UUID):
        pk = uuid.UUID(str(pk))  # a malformed id raises here, as reverse() would
    head, tail = _split(name, _script_prefix(), str(_SAMPLE))
    return f"{head}{uuid_text(pk)}{tail}"


def name_url(name: str, value: str) -> str:
    """reverse(name, args=[value]) for a route of the form ".../<name:...>/...": any string."""
    head, tail = _split(name, _script_prefix(), _NAME_SAMPLE)
    return f"{head}{_path_segment(value)}{tail}"


@functools.lru_cache(maxsize=4096)
def _path_segment(value: str) -> str:
    """A name as its URL carries it. Remembered: a page links the same few process and queue
    names row after row, and encoding one looks at every character twice."""
    return quote(converters.encode(value), safe=_PATH_SAFE)


def plain_url(name: str) -> str:
    """reverse(name) for a route without arguments."""
    return cached_reverse(name)


def cached_reverse(
    name: str, args: tuple = (), kwargs: dict | None = None, current_app: str | None = None
) -> str:
    """reverse(name, args=args, kwargs=kwargs, current_app=current_app), remembered per script
    prefix: a page's {% url %} tags ask for the same few URLs on every request. Arguments that
    cannot be a dictionary key are reversed each time."""
    items = tuple(sorted(kwargs.items())) if kwargs else ()
    try:
        return _reversed(name, tuple(args), items, current_app, _script_prefix())
    except TypeError:  # unhashable
        return reverse(name, args=args, kwargs=kwargs, current_app=current_app)


@functools.lru_cache(maxsize=4096)
def _reversed(
    name: str, args: tuple, items: tuple, current_app: str | None, script_prefix: str
) -> str:
    return reverse(name, args=list(args), kwargs=dict(items), current_app=current_app)


# The request's script prefix, read once when the request starts: get_script_prefix() reads an
# asgiref Local (about 3 µs, a third of each link of a 50-row page's hundreds).
_request = threading.local()


def _script_prefix() -> str:
    prefix = getattr(_request, "prefix", None)
    return get_script_prefix() if prefix is None else prefix


@receiver(request_started)
def _remember_prefix(**kwargs) -> None:
    # Django's WSGIHandler sets the prefix from SCRIPT_NAME just before it sends this signal.
    _request.prefix = get_script_prefix()


@receiver(request_finished)
def _forget_prefix(**kwargs) -> None:
    _request.prefix = None


@functools.lru_cache(maxsize=512)
def _split(name: str, script_prefix: str, sample: str) -> tuple[str, str]:
    # The script prefix is part of the key: it is set per request (an IIS virtual directory).
    head, found, tail = reverse(name, args=[sample]).rpartition(sample)
    if not found:
        raise ValueError(f"{name} does not take one {sample!r}-like argument")
    return head, tail


@receiver(setting_changed)
def _forget_on_new_urlconf(setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _split.cache_clear()
        _reversed.cache_clear()
