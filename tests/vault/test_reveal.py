"""Revealing a password (Vault keeper): key check, reason, audit first, no-store, lockout, memory."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError
from django.test import Client, override_settings

from orchestrator_site import audit
from orchestrator_site.identity import Identity, signed_in_environ
from orchestrator_site.models import AuditEntry
from tests.helpers import NOW, make_credential, oo_db
from tests.vault.conftest import KEY, OTHER_KEY, all_audit_text, audit_rows, reveal
from vault import services
from vault.models import Credential

URL = "/vault/credentials/Mail/reveal/"


@oo_db
def test_the_reveal_page_asks_for_key_and_reason(as_keeper):
    make_credential("Mail", "robot", "s3cret")
    page = as_keeper.get(URL)
    body = page.content.decode()
    assert page.status_code == 200 and 'name="key"' in body and 'name="reason"' in body
    assert "s3cret" not in body and KEY not in body
    assert "no-store" in page["Cache-Control"]


@oo_db
def test_a_keeper_reveals_with_the_key_and_a_reason(as_keeper, frozen_now):
    make_credential("Mail", "robot", "  s3cret ø ")
    response = reveal(as_keeper, "Mail", reason="SAP robot login fails")
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        '<span id="revealed-password" class="secret exact" data-hide-after="30">  s3cret ø </span>'
        in body
    )
    assert 'data-countdown-for="revealed-password"' in body
    assert "no-store" in response["Cache-Control"]
    assert KEY not in body
    entry = audit_rows("credential.reveal")[-1]
    assert entry.outcome == AuditEntry.Outcome.OK and entry.target_ids == "Mail"
    assert entry.reason == "SAP robot login fails" and entry.username == "test\\kim"
    assert entry.at == NOW


@oo_db
def test_no_audit_row_no_password(as_keeper, monkeypatch):
    make_credential("Mail", "robot", "s3cret")
    real = audit.record

    def failing(**kwargs):
        if kwargs["action"] == "credential.reveal":
            raise DatabaseError("audit database down")
        return real(**kwargs)

    monkeypatch.setattr(audit, "record", failing)
    as_keeper.raise_request_exception = False
    response = reveal(as_keeper, "Mail")
    assert response.status_code == 500 and b"s3cret" not in response.content


@oo_db
def test_a_reason_is_required(as_keeper):
    make_credential("Mail", "robot", "s3cret")
    response = reveal(as_keeper, "Mail", reason="")
    assert response.status_code == 200 and b"s3cret" not in response.content
    assert b"This field is required" in response.content
    assert not audit_rows("credential.reveal")


@oo_db
def test_a_reason_containing_the_key_is_refused_and_not_echoed(as_keeper):
    make_credential("Mail", "robot", "s3cret")
    response = reveal(as_keeper, "Mail", reason=f"key is {KEY}")
    body = response.content.decode()
    assert "must not contain the key" in body and KEY not in body and "s3cret" not in body
    assert KEY not in "".join(r.reason for r in AuditEntry.objects.all())


@oo_db
def test_a_wrong_key_is_refused_audited_and_counted(as_keeper, settings):
    settings.CONSOLE_REVEAL_MAX_FAILURES = 3
    make_credential("Mail", "robot", "s3cret")
    response = reveal(as_keeper, "Mail", key=OTHER_KEY)
    body = response.content.decode()
    assert response.status_code == 200 and "s3cret" not in body and OTHER_KEY not in body
    assert "not the installation&#x27;s key" in body and "2 attempts left" in body
    entry = audit_rows("credential.reveal_wrong_key")[-1]
    assert entry.outcome == AuditEntry.Outcome.REFUSED and entry.target_ids == "Mail"
    assert not audit_rows("credential.reveal")


@oo_db
def test_lockout_after_n_wrong_keys_even_with_the_right_key(as_keeper, settings, frozen_now):
    settings.CONSOLE_REVEAL_MAX_FAILURES = 3
    settings.CONSOLE_REVEAL_LOCKOUT_MINUTES = 15
    make_credential("Mail", "robot", "s3cret")
    for _ in range(3):
        frozen_now[0] += dt.timedelta(seconds=10)
        reveal(as_keeper, "Mail", key="wrong")
    body = reveal(as_keeper, "Mail", key=KEY).content.decode()
    assert "s3cret" not in body and "locked for you until 25-11-2026 10:45:25" in body
    assert audit_rows("credential.reveal_locked")[-1].outcome == AuditEntry.Outcome.REFUSED
    assert "Too many wrong keys" in as_keeper.get(URL).content.decode()
    # The lockout ends when the oldest counted failure leaves the window.
    frozen_now[0] = NOW + dt.timedelta(minutes=15, seconds=11)
    assert b"s3cret" in reveal(as_keeper, "Mail", key=KEY).content


@oo_db
def test_the_lockout_is_per_user(as_keeper, settings):
    settings.CONSOLE_REVEAL_MAX_FAILURES = 2
    make_credential("Mail", "robot", "s3cret")
    for _ in range(2):
        reveal(as_keeper, "Mail", key="wrong")
    assert b"s3cret" not in reveal(as_keeper, "Mail").content
    other_keeper = Client(**signed_in_environ(Identity("TEST\\Kai", ("TEST\\rpa-vault",))))
    assert b"s3cret" in reveal(other_keeper, "Mail").content


@oo_db
def test_a_successful_key_check_is_remembered_for_a_few_minutes(as_keeper, settings, frozen_now):
    settings.CONSOLE_VAULT_KEY_MEMORY_MINUTES = 5
    make_credential("Mail", "robot", "one")
    make_credential("SAP", "sap", "two")
    assert b"one" in reveal(as_keeper, "Mail").content
    session = as_keeper.session
    assert set(session.keys()) >= {"vault_key_checked_at"}
    assert KEY not in str(dict(session.items()))
    page = as_keeper.get("/vault/credentials/SAP/reveal/").content.decode()
    assert 'name="key"' not in page and "not asked again until 25-11-2026 10:35:15" in page
    frozen_now[0] = NOW + dt.timedelta(minutes=4)
    assert b"two" in reveal(as_keeper, "SAP", key=None).content
    assert len(audit_rows("credential.reveal")) == 2
    frozen_now[0] = NOW + dt.timedelta(minutes=5, seconds=1)
    response = reveal(as_keeper, "SAP", key=None)
    assert b"two" not in response.content and b"This field is required" in response.content


@oo_db
def test_the_remembered_check_can_be_forgotten(as_keeper):
    make_credential("Mail", "robot", "one")
    reveal(as_keeper, "Mail")
    assert as_keeper.post("/vault/credentials/forget-key/").status_code == 302
    assert "vault_key_checked_at" not in as_keeper.session
    assert b'name="key"' in as_keeper.get(URL).content


@oo_db
def test_memory_zero_minutes_always_asks(as_keeper, settings):
    settings.CONSOLE_VAULT_KEY_MEMORY_MINUTES = 0
    make_credential("Mail", "robot", "one")
    reveal(as_keeper, "Mail")
    assert b'name="key"' in as_keeper.get(URL).content


@oo_db
def test_a_token_made_with_another_key_says_exactly_that(as_keeper):
    from cryptography.fernet import Fernet

    token = Fernet(OTHER_KEY).encrypt(b"foreign").decode()
    Credential.objects.create(name="Mail", username="r", password=token, changed_at=NOW)
    body = reveal(as_keeper, "Mail").content.decode()
    assert "not encrypted with the configured OpenOrchestratorKey" in body
    assert "foreign" not in body
    entry = audit_rows("credential.reveal")[-1]
    assert entry.outcome == AuditEntry.Outcome.FAILED and "does not decrypt" in entry.detail
    # The key itself was right: it is remembered, and it is not a failure towards the lockout.
    assert "vault_key_checked_at" in as_keeper.session
    assert not audit_rows("credential.reveal_wrong_key")


@oo_db
@override_settings(OPENORCHESTRATOR_KEY="")
def test_without_a_key_reveal_says_encryption_is_unavailable(as_keeper):
    Credential.objects.create(name="Mail", username="r", password="gAAAAAxyz", changed_at=NOW)
    page = as_keeper.get(URL).content.decode()
    assert "Encryption is unavailable" in page and 'name="key"' not in page
    response = reveal(as_keeper, "Mail", key="anything")
    assert "OpenOrchestratorKey is not set" in response.content.decode()
    assert not audit_rows("credential.reveal_wrong_key")


@oo_db
@pytest.mark.parametrize("persona", ["viewer", "operator", "admin", "outsider"])
def test_only_keepers_may_reveal(request, persona):
    client = request.getfixturevalue(f"as_{persona}")
    make_credential("Mail", "robot", "s3cret")
    assert client.get(URL).status_code == 403
    response = reveal(client, "Mail")
    assert response.status_code == 403 and b"s3cret" not in response.content
    assert not audit_rows("credential.reveal")


@oo_db
def test_reveal_needs_csrf(as_keeper):
    from tests.conftest import PERSONAS

    make_credential("Mail", "robot", "s3cret")
    strict = Client(enforce_csrf_checks=True, **signed_in_environ(PERSONAS["keeper"]))
    response = reveal(strict, "Mail")
    assert response.status_code == 403 and b"s3cret" not in response.content
    assert not audit_rows("credential.reveal")


@oo_db
def test_the_password_is_never_in_a_url(as_keeper):
    make_credential("Mail", "robot", "s3cret")
    response = reveal(as_keeper, "Mail")
    assert response.status_code == 200  # rendered, not redirected with the password in a URL
    assert "s3cret" not in response.request["PATH_INFO"] + response.request.get("QUERY_STRING", "")


@oo_db
def test_the_service_refuses_without_proof_of_the_key(django_user_model):
    make_credential("Mail", "robot", "s3cret")
    user = django_user_model.objects.create(username="svc")
    with pytest.raises(services.RevealRefused):
        services.reveal_credential(user=user, name="Mail", reason="x", typed_key=None)
    with pytest.raises(services.RevealRefused):
        services.reveal_credential(user=user, name="Mail", reason="x", typed_key=f" {KEY}x")


@oo_db
def test_the_service_returns_the_password_as_the_results_value_only(django_user_model):
    make_credential("Mail", "robot", "s3cret")
    user = django_user_model.objects.create(username="svc")
    result = services.reveal_credential(user=user, name="Mail", reason="x", typed_key=KEY)
    assert (result.asked, result.changed, result.value) == (1, 1, "s3cret")
    assert "s3cret" not in result.message + repr(result)
    assert "s3cret" not in "".join(result.warnings) + all_audit_text()


@oo_db
def test_an_admin_who_is_also_a_keeper_may_edit_and_reveal():
    both = Client(
        **signed_in_environ(Identity("TEST\\Ana", ("TEST\\rpa-automation", "TEST\\rpa-vault")))
    )
    make_credential("Mail", "robot", "s3cret")
    assert b"s3cret" in reveal(both, "Mail").content
    assert both.get("/vault/credentials/Mail/edit/").status_code == 200
