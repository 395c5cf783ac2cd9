"""Role x URL matrix over every URL the project has when the tests run (admin excluded).

- Someone signed in to Windows but in no console group (and someone with no identity at all) gets
  403 on every URL, whatever the method; only the monitoring and refusal views are login-free.
- Every POST-only view answers GET with 405, even for a user who holds every role.
- A role without a permission a view declares gets 403, whatever the method.
- Every view checks the permission before the method (one decorator order everywhere).
"""

from __future__ import annotations

import pytest
from django.test import Client

from orchestrator_site.auth import roles_for
from orchestrator_site.identity import Identity, signed_in_environ
from orchestrator_site.roles import ROLE_PERMISSIONS
from tests.conftest import PERSONAS
from tests.helpers import oo_db
from tests.security.urlmap import LOGIN_FREE, guard_order, project_urls

URLS = project_urls()
POST_ONLY = [u for u in URLS if u.post_only]
GUARDED = [u for u in URLS if u.permissions]
# Holds all four roles: allowed everything a role can be allowed.
EVERY_ROLE = Identity(
    "TEST\\Alba",
    ("TEST\\rpa-viewers", "TEST\\rpa-operators", "TEST\\rpa-automation", "TEST\\rpa-vault"),
)
ROLE_PERSONAS = ["viewer", "operator", "admin", "keeper"]


def client_for(identity: Identity) -> Client:
    return Client(raise_request_exception=False, **signed_in_environ(identity))


def permissions_of(identity: Identity) -> set[str]:
    roles = roles_for(identity.username, identity.groups)
    return {perm for role in roles for perm in ROLE_PERMISSIONS[role]}


def test_the_url_walk_finds_the_project_urls():
    names = {u.name for u in URLS}
    assert {"audit", "healthz", "denied"} <= names
    assert len(URLS) >= 3
    assert all(u.path.startswith("/") and "<" not in u.path for u in URLS)


def test_only_the_known_views_are_login_free():
    assert {u.name for u in URLS if u.login_free} <= LOGIN_FREE


@pytest.mark.parametrize("url", [u for u in URLS if not u.login_free], ids=str)
@oo_db
def test_the_outsider_is_refused_everywhere(url):
    outsider = client_for(PERSONAS["outsider"])
    nobody = Client(raise_request_exception=False)
    for client in (outsider, nobody):
        for method in ("get", "post", "put", "delete"):
            response = getattr(client, method)(url.path)
            assert response.status_code == 403, f"{method.upper()} {url.path}"


@pytest.mark.parametrize("url", POST_ONLY, ids=str)
@oo_db
def test_a_post_only_url_answers_get_with_405(url):
    response = client_for(EVERY_ROLE).get(url.path)
    assert response.status_code == 405
    assert response["Allow"] == ", ".join(sorted(url.methods)) or response["Allow"]


@pytest.mark.parametrize("url", POST_ONLY, ids=str)
def test_a_post_only_view_declares_its_permission(url):
    assert url.permissions, f"{url.route} changes data but declares no @permission_required"


@pytest.mark.parametrize("url", GUARDED, ids=str)
@oo_db
def test_a_role_without_the_permission_is_refused(url):
    checked = 0
    for name in ROLE_PERSONAS:
        identity = PERSONAS[name]
        if url.permissions <= permissions_of(identity):
            continue
        client = client_for(identity)
        for method in ("get", "post", "put"):
            # The permission is checked before the method: 403 even for a method it never takes.
            response = getattr(client, method)(url.path)
            assert response.status_code == 403, f"{name} {method.upper()} {url.path}"
        checked += 1
    if url.permissions <= permissions_of(PERSONAS["viewer"]):
        assert checked <= 1  # only the keeper lacks viewer permissions
    else:
        assert checked >= 1


@pytest.mark.parametrize("url", GUARDED, ids=str)
def test_the_declared_permissions_exist_in_some_role(url):
    granted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    assert url.permissions <= granted, f"{url.route} needs a permission no role has"


@pytest.mark.parametrize("url", [u for u in URLS if not u.login_free], ids=str)
def test_the_permission_is_checked_before_the_method(url):
    """One decorator order everywhere: @permission_required(..., raise_exception=True) above the
    method check, so that someone without the permission gets 403 whatever the method, and only a
    person who may use the view learns which methods it takes (405)."""
    expected = ["permission", "method"] if url.permissions else ["method"]
    assert guard_order(url.view) == expected, url.route
