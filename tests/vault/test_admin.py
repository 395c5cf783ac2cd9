"""The Django admin for credentials and constants: no password or token, changes through services."""

from __future__ import annotations

from django.test import override_settings

from orchestrator_site import crypto
from tests.helpers import make_constant, make_credential, oo_db
from tests.vault.conftest import audit_rows
from vault.models import Constant, Credential

CRED = "/admin/vault/credential/"
CONST = "/admin/vault/constant/"


@oo_db
def test_the_credential_admin_never_shows_the_token(as_admin, as_operator):
    credential = make_credential("Mail", "robot", "s3cret")
    for client in (as_admin, as_operator):
        for url in (CRED, f"{CRED}Mail/change/", f"{CRED}Mail/history/", f"{CRED}?q=robot"):
            response = client.get(url)
            assert response.status_code == 200, url
            body = response.content.decode()
            assert credential.password not in body and "s3cret" not in body, url
    assert "100 characters (0-15 bytes)" in as_admin.get(CRED).content.decode()
    # The operator may view, not change: no password inputs at all.
    assert b'type="password"' not in as_operator.get(f"{CRED}Mail/change/").content


@oo_db
def test_adding_a_credential_in_the_admin_encrypts_and_audits(as_admin):
    response = as_admin.post(
        f"{CRED}add/",
        {
            "name": "Mail",
            "username": " robot ",
            "new_password": " pw ",
            "new_password_again": " pw ",
        },
    )
    assert response.status_code == 302
    row = Credential.objects.get(pk="Mail")
    assert row.username == " robot " and crypto.decrypt(row.password) == " pw "
    assert audit_rows("credential.create")[-1].target_ids == "Mail"


@oo_db
def test_the_admin_refuses_duplicates_mismatches_and_missing_passwords(as_admin):
    make_credential("Mail")
    body = as_admin.post(
        f"{CRED}add/",
        {"name": "Mail", "username": "u", "new_password": "a", "new_password_again": "b"},
    ).content.decode()
    assert "already exists" in body and "The two passwords differ." in body
    body = as_admin.post(
        f"{CRED}add/",
        {"name": "New", "username": "u", "new_password": "", "new_password_again": ""},
    ).content.decode()
    assert "Enter a password." in body
    body = as_admin.post(
        f"{CRED}add/",
        {
            "name": "Big",
            "username": "u",
            "new_password": "x" * 688,
            "new_password_again": "x" * 688,
        },
    ).content.decode()
    assert "At most 687 bytes" in body
    assert list(Credential.objects.values_list("name", flat=True)) == ["Mail"]
    assert not audit_rows("credential.create")


@oo_db
def test_changing_in_the_admin_keeps_or_replaces_the_password(as_admin):
    old = make_credential("Mail", "robot", "s3cret")
    page = as_admin.get(f"{CRED}Mail/change/").content.decode()
    assert old.password not in page and 'name="name"' not in page
    as_admin.post(
        f"{CRED}Mail/change/",
        {"name": "Renamed", "username": "robot2", "new_password": "", "new_password_again": ""},
    )
    row = Credential.objects.get(pk="Mail")
    assert row.username == "robot2" and row.password == old.password
    as_admin.post(
        f"{CRED}Mail/change/",
        {"username": "robot2", "new_password": "new", "new_password_again": "new"},
    )
    assert crypto.decrypt(Credential.objects.get(pk="Mail").password) == "new"
    assert [e.detail for e in audit_rows("credential.change")] == [
        "username only; password kept",
        "new password",
    ]
    assert Credential.objects.count() == 1


@oo_db
def test_deleting_in_the_admin_goes_through_the_service(as_admin):
    make_credential("A")
    make_credential("B")
    make_credential("C")
    as_admin.post(f"{CRED}A/delete/", {"post": "yes"})
    as_admin.post(
        CRED, {"action": "delete_selected", "_selected_action": ["B", "C"], "post": "yes"}
    )
    assert not Credential.objects.exists()
    assert [e.target_ids for e in audit_rows("credential.delete")] == ["A", "B\nC"]


@oo_db
def test_the_constant_admin_goes_through_the_services(as_admin):
    make_constant("Old", "v")
    assert as_admin.post(f"{CONST}add/", {"name": "Path", "value": "  x  "}).status_code == 302
    assert Constant.objects.get(pk="Path").value == "  x  "
    as_admin.post(f"{CONST}Path/change/", {"name": "Renamed", "value": " y "})
    assert Constant.objects.get(pk="Path").value == " y "
    as_admin.post(
        CONST, {"action": "delete_selected", "_selected_action": ["Old", "Path"], "post": "yes"}
    )
    assert not Constant.objects.exists()
    assert [e.action for e in audit_rows()] == [
        "constant.create",
        "constant.change",
        "constant.delete",
    ]


@oo_db
def test_viewers_and_keepers_have_no_admin(as_viewer, as_keeper):
    make_credential("Mail")
    for client in (as_viewer, as_keeper):
        response = client.get(CRED)
        assert response.status_code in (302, 403)


@oo_db
@override_settings(OPENORCHESTRATOR_KEY="")
def test_the_admin_says_encryption_is_unavailable_without_a_key(as_admin):
    body = as_admin.post(
        f"{CRED}add/",
        {"name": "Mail", "username": "u", "new_password": "p", "new_password_again": "p"},
    ).content.decode()
    assert "OpenOrchestratorKey is not set" in body
    assert not Credential.objects.exists()


@oo_db
def test_the_admin_keeps_names_exactly_as_typed(as_admin):
    for url, data in (
        (f"{CONST}add/", {"name": " Path ", "value": "v"}),
        (
            f"{CRED}add/",
            {"name": " Mail ", "username": "u", "new_password": "p", "new_password_again": "p"},
        ),
    ):
        assert as_admin.post(url, data).status_code == 302
    assert list(Constant.objects.values_list("name", flat=True)) == [" Path "]
    assert list(Credential.objects.values_list("name", flat=True)) == [" Mail "]


@oo_db
def test_a_service_refusal_in_the_admin_is_a_message_not_a_500(as_admin, monkeypatch):
    """The form saw a free name, but another writer took it before the service ran."""
    from vault import services

    def taken(**kwargs):
        raise services.DuplicateName("A constant with that name already exists.")

    monkeypatch.setattr(services, "create_constant", taken)
    response = as_admin.post(f"{CONST}add/", {"name": "Path", "value": "v"}, follow=True)
    assert response.status_code == 200
    assert "A constant with that name already exists." in response.content.decode()
    assert not Constant.objects.exists() and not audit_rows()
