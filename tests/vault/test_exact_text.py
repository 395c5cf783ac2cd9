"""Constants and credentials keep their text exactly, and an edit writes only what was changed.

Rows are written and read back by OpenOrchestrator's own db_util; forms are submitted as a browser
sends them (tests.formdata): a textarea's line breaks arrive as CRLF, password boxes arrive empty.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.formdata import browser_data
from tests.helpers import oo_tx
from tests.vault.conftest import audit_rows

VALUES = ["  spaces\n\ttab ø  ", "robot wrote\r\nCRLF ", "   "]
USERNAME = " bruger\tø "


def edit_page(client, kind: str, name: str) -> tuple[str, dict]:
    url = reverse(f"vault:{kind}_edit", args=[name])
    return url, browser_data(client.get(url).content.decode(), containing="loaded")


@oo_tx
@pytest.mark.parametrize("value", VALUES)
def test_saving_an_untouched_constant_writes_nothing(as_admin, db_util, value):
    db_util.create_constant(" Navn ø", value)
    before = db_util.get_constant(" Navn ø")
    url, data = edit_page(as_admin, "constant", " Navn ø")
    response = as_admin.post(url, data, follow=True)
    assert "is unchanged" in response.content.decode()
    after = db_util.get_constant(" Navn ø")
    assert (after.value, after.changed_at) == (value, before.changed_at)
    assert not audit_rows("constant.change")


@oo_tx
@pytest.mark.parametrize("stored", VALUES)
def test_a_changed_constant_is_stored_as_typed(as_admin, db_util, stored):
    db_util.create_constant("C", stored)
    url, data = edit_page(as_admin, "constant", "C")
    typed = " ny\tværdi\nø "
    line_end = "\r\n" if "\r\n" in stored else "\n"  # the stored text's own line ends stay
    data["value"] = typed.replace("\n", "\r\n")  # what the browser sends for what was typed
    assert as_admin.post(url, data).status_code == 302
    assert db_util.get_constant("C").value == typed.replace("\n", line_end)


@oo_tx
def test_a_constant_a_robot_changed_meanwhile_is_never_overwritten(as_admin, db_util):
    db_util.create_constant("C", "first")
    url, untouched = edit_page(as_admin, "constant", "C")
    db_util.update_constant("C", "robot's")

    as_admin.post(url, untouched)  # nothing changed by the person: nothing written
    assert db_util.get_constant("C").value == "robot's"

    response = as_admin.post(url, {**untouched, "value": "mine"})
    assert response.status_code == 200
    assert "was changed by someone else (or a robot) while you edited it" in (
        response.content.decode()
    )
    assert db_util.get_constant("C").value == "robot's"


@oo_tx
def test_a_new_password_leaves_the_username_byte_identical(as_admin, db_util):
    db_util.create_credential("Mail", USERNAME, "old")
    url, data = edit_page(as_admin, "credential", "Mail")
    assert data["password"] == "" and data["username"] == USERNAME
    data.update(password=" new ", password_again=" new ")
    assert as_admin.post(url, data).status_code == 302
    stored = db_util.get_credential("Mail")
    assert (stored.username, stored.password) == (USERNAME, " new ")


@oo_tx
def test_a_new_username_leaves_the_password_token_untouched(as_admin, db_util):
    db_util.create_credential("Mail", USERNAME, "old")
    token = db_util.get_credential("Mail", decrypt_password=False).password
    url, data = edit_page(as_admin, "credential", "Mail")
    data["username"] = " ny\tbruger "
    assert as_admin.post(url, data).status_code == 302
    stored = db_util.get_credential("Mail", decrypt_password=False)
    assert (stored.username, stored.password) == (" ny\tbruger ", token)


@oo_tx
def test_saving_an_untouched_credential_writes_nothing(as_admin, db_util):
    db_util.create_credential("Mail", "   ", "old")  # a username of only spaces, as stored
    before = db_util.get_credential("Mail", decrypt_password=False)
    url, data = edit_page(as_admin, "credential", "Mail")
    response = as_admin.post(url, data, follow=True)
    assert "is unchanged" in response.content.decode()
    after = db_util.get_credential("Mail", decrypt_password=False)
    assert (after.username, after.password, after.changed_at) == (
        before.username,
        before.password,
        before.changed_at,
    )


@oo_tx
def test_names_are_kept_exactly_and_only_spaces_is_refused_when_typed(as_admin, db_util):
    response = as_admin.post(reverse("vault:constant_create"), {"name": " A ø ", "value": " v "})
    assert response.status_code == 302
    assert db_util.get_constant(" A ø ").value == " v "
    for kind, data in (
        ("constant_create", {"name": "  ", "value": "v"}),
        (
            "credential_create",
            {"name": "  ", "username": "u", "password": "p", "password_again": "p"},
        ),
        (
            "credential_create",
            {"name": "N", "username": "  ", "password": "p", "password_again": "p"},
        ),
    ):
        response = as_admin.post(reverse(f"vault:{kind}"), data)
        assert response.status_code == 200 and "only spaces" in response.content.decode()
    assert [c.name for c in db_util.get_credentials()] == []
