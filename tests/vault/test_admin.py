"""The Django admin for credentials and constants: read-only, no password or token anywhere, delete
through the services. Creating and editing are the console pages' (tests/vault/test_credentials.py)."""

from __future__ import annotations

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
            response = client.get(url, follow=True)  # the history is the audit trail
            assert response.status_code == 200, url
            body = response.content.decode()
            assert credential.password not in body and "s3cret" not in body, url
            assert 'type="password"' not in body, url
    assert "100 characters (0-15 bytes)" in as_admin.get(CRED).content.decode()


@oo_db
def test_credentials_and_constants_cannot_be_added_or_changed_in_the_admin(as_admin):
    """The pages' forms keep text exactly, write only what changed and never over a robot's change;
    the admin does not offer a second, weaker way."""
    old = make_credential("Mail", "robot", "s3cret")
    make_constant("Path", "v")
    attempts = [
        (f"{CRED}add/", {"name": "New", "username": "u", "new_password": "p"}),
        (f"{CRED}Mail/change/", {"username": "robot2", "new_password": "new"}),
        (f"{CONST}add/", {"name": "New", "value": "x"}),
        (f"{CONST}Path/change/", {"value": "changed"}),
    ]
    for url, data in attempts:
        assert as_admin.post(url, data).status_code == 403, url
    assert as_admin.get(f"{CRED}add/").status_code == 403
    assert list(Credential.objects.values_list("name", "username", "password")) == [
        ("Mail", "robot", old.password)
    ]
    assert list(Constant.objects.values_list("name", "value")) == [("Path", "v")]
    assert not audit_rows()
    page = as_admin.get(f"{CONST}Path/change/").content.decode()
    assert "<textarea" not in page and 'name="value"' not in page


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
    make_constant("Old", "v")
    make_constant("Path", "v")
    as_admin.post(f"{CONST}Old/delete/", {"post": "yes"})
    as_admin.post(CONST, {"action": "delete_selected", "_selected_action": ["Path"], "post": "yes"})
    assert not Constant.objects.exists()
    assert [e.target_ids for e in audit_rows("constant.delete")] == ["Old", "Path"]


@oo_db
def test_operators_cannot_delete_in_the_vault_admin(as_operator):
    make_credential("Mail")
    make_constant("Path")
    assert as_operator.post(f"{CRED}Mail/delete/", {"post": "yes"}).status_code == 403
    as_operator.post(
        CONST, {"action": "delete_selected", "_selected_action": ["Path"], "post": "yes"}
    )
    assert Credential.objects.exists() and Constant.objects.exists() and not audit_rows()


@oo_db
def test_viewers_and_keepers_have_no_admin(as_viewer, as_keeper):
    make_credential("Mail")
    for client in (as_viewer, as_keeper):
        response = client.get(CRED, follow=True)
        assert response.redirect_chain[0][0].startswith("/admin/login/")
        assert response.status_code == 403 and b"Access denied" in response.content
