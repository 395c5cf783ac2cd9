"""The one check of a `next` parameter: where a form goes back to, and where its Cancel link points."""

from __future__ import annotations

import unicodedata

from django.http import HttpRequest
from django.urls import get_script_prefix
from django.utils.http import url_has_allowed_host_and_scheme

NEXT_MAX_LENGTH = 2000


def safe_next(request: HttpRequest, value: object, default: str) -> str:
    """`value` when it is a path of this site, else `default`.

    Only a relative path under the script prefix passes (the console may live in a virtual
    directory): no scheme or host (`https://evil.example`, `//evil.example`, `\\\\evil.example`,
    `/\\evil`, `javascript:`), no control characters or spaces (a newline would break the
    Location header), nothing longer than a form's hidden field holds.
    """
    if not isinstance(value, str) or not value or len(value) > NEXT_MAX_LENGTH:
        return default
    if any(unicodedata.category(c)[0] in "CZ" for c in value):
        return default
    if not value.startswith(get_script_prefix()) or value.startswith(("//", "/\\")):
        return default
    if not url_has_allowed_host_and_scheme(
        value, allowed_hosts=None, require_https=request.is_secure()
    ):
        return default
    return value
