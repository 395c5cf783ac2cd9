"""Credentials list, create, edit and delete (Automation admin)."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import connections
from django.test import override_settings
from django.urls import reverse

from orchestrator_site import crypto
from orchestrator_site.audit import change_text
from tests.helpers import NOW, make_credential, oo_db
from tests.vault.conftest import audit_rows
from vault.models import Credential

LIST = "/vault/credentials/"
NEW = "/vault/credentials/new/"


def reported(response) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in get_messages(response.wsgi_request)]


def create(client, name="Cred", username="robot", password=" pässword ", again=None):
    return client.post(
        NEW,
        {
            "name": name,
            "username": username,
            "password": password,
            "password_again": password if again is None else again,
        },
    )


# --- List ----------------------------------------------------------------------------------------


@oo_db
def test_the_list_shows_names_usernames_and_token_size_but_never_the_token(as_viewer):
    credential = make_credential("Mail", "robot@x", "secret")
    response = as_viewer.get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mail" in body and "robot@x" in body and "100 characters (0-15 bytes)" in body
    assert credential.password not in body and "secret" not in body
    assert "Reveal" not in body and "New credential" not in body


@oo_db
def test_the_list_searches_name_and_username(as_viewer):
    make_credential("Mail", "robot@x")
    make_credential("SAP", "sap-user")
    body = as_viewer.get(LIST, {"q": "sap"}).content.decode()
    assert "SAP" in body and "Mail" not in body
    body = as_viewer.get(LIST, {"q": "robot@"}).content.decode()
    assert "Mail" in body and "sap-user" not in body


@oo_db
def test_the_list_sorts_by_declared_columns_only(as_viewer):
    make_credential("A", "zed")
    make_credential("B", "amy")
    body = as_viewer.get(LIST, {"sort": "username"}).content.decode()
    assert body.index("amy") < body.index("zed")
    body = as_viewer.get(LIST, {"sort": "-name"}).content.decode()
    assert body.index(">B<") < body.index(">A<")
    assert as_viewer.get(LIST, {"sort": "password"}).status_code == 200


@oo_db
def test_an_invalid_filter_shows_errors_and_no_rows(as_viewer):
    make_credential("Mail")
    response = as_viewer.get(LIST, {"q": "x" * 101})
    assert response.status_code == 200
    assert b"Mail" not in response.content and b"errorlist" in response.content


@oo_db
def test_the_list_needs_a_bounded_number_of_queries(as_admin, django_assert_max_num_queries):
    for i in range(30):
        make_credential(f"C{i:02}")
    as_admin.get(LIST)  # sign-in and role sync happen on the first request
    # Session, user, groups and permissions on the console's DB; one query on OpenOrchestrator's.
    orchestrator = connections["orchestrator"]
    with (
        django_assert_max_num_queries(6),
        django_assert_max_num_queries(1, connection=orchestrator),
    ):
        response = as_admin.get(LIST)
    assert response.status_code == 200 and b"C29" in response.content


@oo_db
def test_each_role_sees_only_the_actions_it_may_use(as_admin, as_keeper):
    make_credential("Mail")
    admin_body = as_admin.get(LIST).content.decode()
    assert "/vault/credentials/Mail/edit/" in admin_body
    assert "/vault/credentials/Mail/delete/" in admin_body
    assert "/vault/credentials/Mail/reveal/" not in admin_body
    keeper_body = as_keeper.get(LIST).content.decode()
    assert "/vault/credentials/Mail/reveal/" in keeper_body
    assert "/edit/" not in keeper_body and "/delete/" not in keeper_body


# --- Create --------------------------------------------------------------------------------------


@oo_db
def test_an_admin_creates_a_credential_encrypted_and_untrimmed(as_admin, frozen_now):
    response = create(as_admin, "Mail", " robot ", "  pw with spaces\t")
    assert response.status_code == 302 and response["Location"] == LIST
    row = Credential.objects.get(pk="Mail")
    assert row.username == " robot " and row.changed_at == NOW
    assert row.password.startswith("gAAAAA")
    assert crypto.decrypt(row.password) == "  pw with spaces\t"
    assert reported(response) == [(messages.SUCCESS, "Created the credential “Mail”.")]
    entry = audit_rows("credential.create")[-1]
    assert entry.target_ids == "Mail" and entry.username == "test\\ada" and entry.count == 1


@oo_db
def test_a_duplicate_name_is_a_form_error(as_admin):
    make_credential("Mail")
    response = create(as_admin, "Mail")
    assert response.status_code == 200
    assert "A credential with that name already exists." in response.content.decode()
    assert Credential.objects.count() == 1


@oo_db
def test_the_passwords_must_match(as_admin):
    response = create(as_admin, "Mail", password="one", again="two")
    assert "The two passwords differ." in response.content.decode()
    assert not Credential.objects.exists()


@oo_db
def test_an_over_long_password_is_refused_with_the_limit(as_admin):
    # 344 two-byte characters = 688 bytes: one more than fits.
    response = create(as_admin, "Mail", password="ø" * 344)
    body = response.content.decode()
    assert "At most 687 bytes" in body and "688 bytes" in body
    assert not Credential.objects.exists()
    assert create(as_admin, "Mail", password="ø" * 343 + "x").status_code == 302
    token = Credential.objects.get(pk="Mail").password
    assert len(token) <= 1000 and crypto.decrypt(token) == "ø" * 343 + "x"


@oo_db
def test_over_long_username_and_name_are_refused_with_the_limit(as_admin):
    body = create(as_admin, "N" * 101, "u" * 251).content.decode()
    assert "at most 100 characters" in body and "at most 250 characters" in body
    assert not Credential.objects.exists()


@oo_db
def test_the_password_is_never_rendered_back(as_admin):
    response = create(as_admin, "Mail", password="hunter2-secret", again="other")
    assert b"hunter2-secret" not in response.content


@oo_db
@override_settings(OPENORCHESTRATOR_KEY="")
def test_without_a_key_creating_says_encryption_is_unavailable_but_listing_works(as_admin):
    Credential.objects.create(name="Old", username="u", password="gAAAAAxyz", changed_at=NOW)
    listing = as_admin.get(LIST).content.decode()
    assert "Encryption is unavailable" in listing and "OpenOrchestratorKey is not set" in listing
    assert "Old" in listing
    response = create(as_admin, "Mail")
    assert (
        response.status_code == 200
        and "OpenOrchestratorKey is not set" in response.content.decode()
    )
    assert not Credential.objects.filter(pk="Mail").exists()


@oo_db
@override_settings(OPENORCHESTRATOR_KEY="not-a-fernet-key")
def test_a_malformed_key_says_why(as_admin):
    body = as_admin.get(NEW).content.decode()
    assert "not a valid Fernet key" in body and "not-a-fernet-key" not in body


# --- Edit ----------------------------------------------------------------------------------------


@oo_db
def test_editing_without_a_new_password_keeps_the_token(as_admin, frozen_now):
    old = make_credential("Mail", "robot", "secret")
    page = as_admin.get("/vault/credentials/Mail/edit/")
    assert page.status_code == 200 and old.password not in page.content.decode()
    assert b'value="robot"' in page.content
    response = as_admin.post(
        "/vault/credentials/Mail/edit/",
        {"username": "robot2", "password": "", "password_again": ""},
    )
    assert response.status_code == 302
    row = Credential.objects.get(pk="Mail")
    assert row.username == "robot2" and row.password == old.password and row.changed_at == NOW
    assert reported(response) == [
        (messages.SUCCESS, "Saved the credential “Mail”. The password was kept.")
    ]
    entry = audit_rows("credential.change")[-1]
    assert entry.target_ids == "Mail"
    assert [change_text(c) for c in entry.changes] == ["username: “robot” → “robot2”"]


@oo_db
def test_editing_with_a_new_password_re_encrypts_it(as_admin, frozen_now):
    make_credential("Mail", "robot", "secret")
    as_admin.post(
        "/vault/credentials/Mail/edit/",
        {"username": "robot", "password": " new ", "password_again": " new "},
    )
    assert crypto.decrypt(Credential.objects.get(pk="Mail").password) == " new "
    changes = audit_rows("credential.change")[-1].changes
    assert [change_text(c) for c in changes] == ["password: changed"]


@oo_db
def test_the_name_cannot_be_changed(as_admin):
    make_credential("Mail")
    as_admin.post(
        "/vault/credentials/Mail/edit/",
        {"name": "Renamed", "username": "u", "password": "", "password_again": ""},
    )
    assert list(Credential.objects.values_list("name", flat=True)) == ["Mail"]


@oo_db
def test_names_with_spaces_slashes_and_non_ascii_work_in_urls(as_admin):
    make_credential("Drift / æøå 50%", "robot")
    body = as_admin.get(LIST).content.decode()
    # "%" travels encoded (orchestrator_site.converters); the old percent-encoded URL still works.
    link = reverse("vault:credential_edit", args=["Drift / æøå 50%"])
    assert link in body
    for url in (link, "/vault/credentials/Drift%20/%20%C3%A6%C3%B8%C3%A5%2050%25/edit/"):
        assert as_admin.get(url).context["credential"].name == "Drift / æøå 50%"


@oo_db
def test_an_unknown_credential_is_404(as_admin, as_keeper):
    assert as_admin.get("/vault/credentials/nope/edit/").status_code == 404
    assert as_admin.get("/vault/credentials/nope/delete/").status_code == 404
    assert as_keeper.get("/vault/credentials/nope/reveal/").status_code == 404


# --- Delete --------------------------------------------------------------------------------------


@oo_db
def test_delete_asks_for_confirmation_showing_the_name_then_deletes(as_admin):
    make_credential("Mail")
    page = as_admin.get("/vault/credentials/Mail/delete/")
    assert page.status_code == 200 and "Delete the credential “Mail”?" in page.content.decode()
    assert Credential.objects.filter(pk="Mail").exists()
    response = as_admin.post("/vault/credentials/Mail/delete/")
    assert response.status_code == 302 and not Credential.objects.filter(pk="Mail").exists()
    assert reported(response) == [(messages.SUCCESS, "Deleted the credential “Mail”.")]
    entry = audit_rows("credential.delete")[-1]
    assert entry.target_ids == "Mail" and entry.count == 1


# --- Role matrix ---------------------------------------------------------------------------------


@oo_db
@pytest.mark.parametrize(
    ("persona", "list_status", "write_status"),
    [
        ("viewer", 200, 403),
        ("operator", 200, 403),
        ("keeper", 200, 403),
        ("admin", 200, None),
        ("outsider", 403, 403),
    ],
)
def test_role_matrix_for_credential_pages(request, persona, list_status, write_status):
    client = request.getfixturevalue(f"as_{persona}")
    make_credential("Mail")
    assert client.get(LIST).status_code == list_status
    urls = [NEW, "/vault/credentials/Mail/edit/", "/vault/credentials/Mail/delete/"]
    for url in urls:
        status = client.get(url).status_code
        assert status == (write_status or 200), url
    if write_status:
        assert create(client, "Other").status_code == write_status
        assert client.post("/vault/credentials/Mail/delete/").status_code == write_status
        assert Credential.objects.filter(pk="Mail").exists()
        assert not Credential.objects.filter(pk="Other").exists()


@oo_db
def test_wrong_methods_are_405(as_admin, as_keeper):
    make_credential("Mail")
    assert as_admin.post(LIST).status_code == 405
    assert as_admin.put("/vault/credentials/Mail/edit/").status_code == 405
    assert as_admin.delete("/vault/credentials/Mail/delete/").status_code == 405
    assert as_keeper.get("/vault/credentials/forget-key/").status_code == 405


@oo_db
@override_settings(OPENORCHESTRATOR_KEY="")
def test_without_a_key_the_username_can_still_be_edited_keeping_the_token(as_admin):
    Credential.objects.create(name="Old", username="u", password="gAAAAAxyz", changed_at=NOW)
    response = as_admin.post(
        "/vault/credentials/Old/edit/", {"username": "u2", "password": "", "password_again": ""}
    )
    assert response.status_code == 302
    assert list(Credential.objects.values_list("username", "password")) == [("u2", "gAAAAAxyz")]
    response = as_admin.post(
        "/vault/credentials/Old/edit/", {"username": "u3", "password": "p", "password_again": "p"}
    )
    assert "OpenOrchestratorKey is not set" in response.content.decode()
    assert Credential.objects.get(pk="Old").username == "u2"
