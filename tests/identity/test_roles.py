"""Roles from AD groups: created by migrate, mapped on every request, never superuser, deny by default."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from orchestrator_site.identity import GROUPS_KEY, Identity, signed_in_environ
from orchestrator_site.roles import ROLE_PERMISSIONS, ROLES
from tests.conftest import PERSONAS
from tests.helpers import oo_db

SID_OPERATOR = "S-1-5-21-1111-2222-3333-1104"  # mapped to Operator in tests/settings.py


def client_for(username: str, *groups: str) -> Client:
    return Client(**signed_in_environ(Identity(username, groups)))


def role_names(username: str) -> set[str]:
    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


@pytest.mark.django_db
def test_migrate_creates_exactly_the_roles_with_their_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    for role, permissions in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        granted = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert granted == set(permissions), role


def test_no_role_may_reveal_passwords_except_the_vault_keeper():
    for role, permissions in ROLE_PERMISSIONS.items():
        assert ("vault.reveal_credential" in permissions) == (role == "Vault keeper"), role


@oo_db
@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        (("TEST\\rpa-viewers",), {"Viewer"}),
        (("test\\RPA-Viewers",), {"Viewer"}),  # AD names are case-insensitive
        ((SID_OPERATOR,), {"Operator"}),
        (("TEST\\rpa-automation", "TEST\\rpa-vault"), {"Automation admin", "Vault keeper"}),
    ],
)
def test_an_ad_group_by_name_or_sid_maps_to_its_role(groups, expected):
    response = client_for("TEST\\Gina", *groups).get("/audit/")
    assert response.status_code == 200
    assert role_names("test\\gina") == expected


@oo_db
def test_a_user_in_no_mapped_group_is_refused_and_no_user_row_is_created():
    response = client_for("TEST\\Oscar", "TEST\\domain users").get("/audit/")
    assert response.status_code == 403
    assert "not in any group allowed" in response.content.decode()
    assert not User.objects.filter(username__icontains="oscar").exists()


@oo_db
def test_role_names_in_the_identity_count_only_in_local_mode():
    response = client_for("TEST\\Eve", "local-role:Automation admin").get("/audit/")
    assert response.status_code == 403
    assert not User.objects.filter(username="test\\eve").exists()


@oo_db
def test_a_user_of_another_domain_is_refused():
    response = client_for("EVIL\\Vera", "TEST\\rpa-viewers").get("/audit/")
    assert response.status_code == 403
    assert not User.objects.filter(username__icontains="vera").exists()


@oo_db
def test_a_user_removed_from_a_group_loses_the_role_on_the_next_request():
    client = client_for("TEST\\Otto", "TEST\\rpa-operators")
    assert client.get("/admin/").status_code == 200
    assert role_names("test\\otto") == {"Operator"}

    client.defaults[GROUPS_KEY] = ("TEST\\rpa-viewers",)
    assert client.get("/admin/", follow=True).status_code == 403
    user = User.objects.get(username="test\\otto")
    assert role_names("test\\otto") == {"Viewer"}
    assert not user.is_staff

    client.defaults[GROUPS_KEY] = ("TEST\\domain users",)
    assert client.get("/audit/").status_code == 403
    assert role_names("test\\otto") == set()


@oo_db
def test_a_new_group_counts_on_the_next_request():
    client = client_for("TEST\\Vera", "TEST\\rpa-viewers")
    assert client.get("/admin/", follow=True).status_code == 403
    client.defaults[GROUPS_KEY] = ("TEST\\rpa-viewers", "TEST\\rpa-automation")
    assert client.get("/admin/").status_code == 200


@oo_db
def test_an_inactive_user_is_blocked_at_once():
    client = client_for("TEST\\Vera", "TEST\\rpa-viewers")
    assert client.get("/audit/").status_code == 200
    User.objects.filter(username="test\\vera").update(is_active=False)
    response = client.get("/audit/")
    assert response.status_code == 403
    # A fresh session does not get in either.
    assert client_for("TEST\\Vera", "TEST\\rpa-viewers").get("/audit/").status_code == 403


@oo_db
def test_superuser_is_never_granted_and_is_taken_away():
    client = client_for("TEST\\Ada", "TEST\\rpa-automation", "TEST\\rpa-vault")
    assert client.get("/audit/").status_code == 200
    user = User.objects.get(username="test\\ada")
    assert not user.is_superuser
    assert user.is_staff
    User.objects.filter(pk=user.pk).update(is_superuser=True)
    client.get("/audit/")
    assert not User.objects.get(pk=user.pk).is_superuser


@oo_db
def test_a_superuser_row_with_an_ad_name_gets_only_its_mapped_roles():
    User.objects.create_superuser("test\\vera", password=None)
    response = client_for("TEST\\Vera", "TEST\\rpa-viewers").get("/admin/", follow=True)
    assert response.status_code == 403
    user = User.objects.get(username="test\\vera")
    assert (user.is_superuser, user.is_staff) == (False, False)


@oo_db
def test_usernames_are_normalised_so_a_user_signs_in_once(settings):
    settings.CONSOLE_UPN_SUFFIXES = {"test.example": "test"}  # documented: UPN -> TEST\user
    seen = set()
    client = client_for("TEST\\Vera", "TEST\\rpa-viewers")
    for spelling in ("TEST\\Vera", "test\\VERA", " TEST\\vera ", "Vera@test.example"):
        client.defaults["REMOTE_USER"] = spelling
        response = client.get("/audit/")
        assert response.status_code == 200, spelling
        seen.add((response.wsgi_request.user.pk, response.wsgi_request.user.username))
    assert len(seen) == 1
    assert list(
        User.objects.filter(username__icontains="vera").values_list("username", flat=True)
    ) == ["test\\vera"]


@oo_db
def test_a_different_user_in_the_same_session_is_signed_in_as_themselves():
    client = client_for("TEST\\Vera", "TEST\\rpa-viewers")
    client.get("/audit/")
    client.defaults["REMOTE_USER"] = "TEST\\Otto"
    client.defaults[GROUPS_KEY] = ("TEST\\rpa-operators",)
    response = client.get("/audit/")
    assert response.status_code == 200
    assert response.wsgi_request.user.username == "test\\otto"


@oo_db
def test_without_any_identity_every_page_is_refused():
    client = Client()
    for path in ("/", "/audit/", "/queues/"):
        assert client.get(path).status_code == 403, path
    assert not User.objects.exists()


@oo_db
def test_the_admin_site_is_for_staff_only(as_viewer, as_keeper, as_operator, as_admin, as_outsider):
    assert as_operator.get("/admin/").status_code == 200
    assert as_admin.get("/admin/").status_code == 200
    for client in (as_viewer, as_keeper, as_outsider):
        response = client.get("/admin/", follow=True)
        assert response.status_code == 403
        assert b'type="password"' not in response.content


@oo_db
def test_the_admin_has_no_password_login_form():
    for client in (Client(), Client(**signed_in_environ(PERSONAS["viewer"]))):
        response = client.get("/admin/login/")
        assert response.status_code == 403
        assert b'type="password"' not in response.content
        assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 403


@oo_db
def test_a_viewer_at_the_admin_is_told_why_not_that_they_have_no_group(as_viewer):
    response = as_viewer.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403
    text = response.content.decode()
    assert "The admin is for Operators and Automation admins" in text
    assert "not in any group allowed" not in text
