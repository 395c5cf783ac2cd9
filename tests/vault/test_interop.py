"""Round trips with OpenOrchestrator 3.0.0's own db_util and crypto_util, both ways."""

from __future__ import annotations

from OpenOrchestrator.common import crypto_util

from tests.helpers import oo_tx
from tests.vault.conftest import KEY, reveal
from vault.models import Constant, Credential

PASSWORD = "  pässwörd with spaces \t"


@oo_tx
def test_openorchestrator_decrypts_what_the_console_stored(db_util, as_admin):
    response = as_admin.post(
        "/vault/credentials/new/",
        {"name": "Mail", "username": "robot@x", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 302
    credential = db_util.get_credential("Mail")
    assert credential.username == "robot@x" and credential.password == PASSWORD
    assert credential.changed_at == Credential.objects.get(pk="Mail").changed_at


@oo_tx
def test_the_console_reveals_what_openorchestrator_stored(db_util, as_keeper):
    db_util.create_credential("Mail", "robot@x", PASSWORD)
    listing = as_keeper.get("/vault/credentials/").content.decode()
    assert "Mail" in listing and "robot@x" in listing and "(16-31 bytes)" in listing
    response = reveal(as_keeper, "Mail")
    assert f'data-hide-after="30">{PASSWORD}</span>' in response.content.decode()


@oo_tx
def test_a_robots_update_credential_stays_readable(db_util, as_admin, as_keeper):
    as_admin.post(
        "/vault/credentials/new/",
        {"name": "Mail", "username": "robot", "password": "first", "password_again": "first"},
    )
    db_util.update_credential("Mail", "robot", "rotated by robot ø")
    assert b"rotated by robot \xc3\xb8</span>" in reveal(as_keeper, "Mail").content
    # An edit of the username alone afterwards keeps the robot's password.
    as_admin.post(
        "/vault/credentials/Mail/edit/",
        {"username": "robot2", "password": "", "password_again": ""},
    )
    credential = db_util.get_credential("Mail")
    assert credential.username == "robot2" and credential.password == "rotated by robot ø"


@oo_tx
def test_constants_round_trip_both_ways(db_util, as_admin):
    db_util.create_constant("From OO", "  keep  ")
    body = as_admin.get("/vault/constants/", {"q": "From OO"}).content.decode()
    assert "From OO" in body and "  keep  " in body
    as_admin.post("/vault/constants/From%20OO/edit/", {"value": " edited\tø "})
    assert db_util.get_constant("From OO").value == " edited\tø "

    as_admin.post("/vault/constants/new/", {"name": "From console", "value": " v ø "})
    assert db_util.get_constant("From console").value == " v ø "
    db_util.update_constant("From console", "robot wrote this")
    assert Constant.objects.get(pk="From console").value == "robot wrote this"

    as_admin.post("/vault/constants/From%20console/delete/")
    assert {c.name for c in db_util.get_constants()} == {"From OO"}


@oo_tx
def test_console_delete_is_seen_by_openorchestrator(db_util, as_admin):
    db_util.create_credential("Mail", "robot", "pw")
    as_admin.post("/vault/credentials/Mail/delete/")
    assert db_util.get_credentials() == ()


@oo_tx
def test_the_console_uses_the_same_key_as_crypto_util(db_util):
    from orchestrator_site import crypto

    assert crypto_util.get_key() == KEY
    assert crypto_util.decrypt_string(crypto.encrypt("x ø")) == "x ø"
    assert crypto.decrypt(crypto_util.encrypt_string("y ø")) == "y ø"
