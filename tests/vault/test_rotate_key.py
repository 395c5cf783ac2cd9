"""manage.py rotate_key: dry run by default, one transaction, audited, readable by OpenOrchestrator."""

from __future__ import annotations

import base64
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.test import override_settings
from OpenOrchestrator.common import crypto_util

from orchestrator_site.models import AuditEntry
from tests.helpers import NOW, make_credential, oo_db, oo_tx
from tests.vault.conftest import KEY, OTHER_KEY, all_audit_text, audit_rows, reveal
from vault.models import Credential

NEW_KEY = Fernet.generate_key().decode()


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_key", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def tokens() -> dict[str, str]:
    return dict(Credential.objects.values_list("name", "password"))


@oo_tx
def test_rotation_keeps_every_credential_readable_by_openorchestrator(db_util, as_keeper):
    db_util.create_credential("From OO", "u1", "pw one ø")
    make_credential("From console", "u2", "  pw two ")
    db_util.update_credential("From OO", "u1", "pw one updated")
    try:
        output = rotate(f"--new-key={NEW_KEY}", "--commit")
        assert "Re-encrypted 2 of 2 credentials" in output and "Scheduler" in output
        assert NEW_KEY not in output and KEY not in output

        crypto_util.set_key(NEW_KEY)
        assert db_util.get_credential("From OO").password == "pw one updated"
        assert db_util.get_credential("From console").password == "  pw two "
        with override_settings(OPENORCHESTRATOR_KEY=NEW_KEY):
            body = reveal(as_keeper, "From console", key=NEW_KEY).content.decode()
            assert 'data-hide-after="30">  pw two </span>' in body
        # The old key no longer opens them.
        crypto_util.set_key(KEY)
        with pytest.raises(Exception):  # noqa: B017 - InvalidToken, not wrapped by crypto_util
            db_util.get_credential("From OO")
    finally:
        crypto_util.set_key(KEY)
    entry = audit_rows("credential.rotate_key")[-1]
    assert entry.outcome == AuditEntry.Outcome.OK and entry.count == 2
    assert entry.target_ids.splitlines() == ["From OO", "From console"]
    assert entry.username.startswith("manage.py rotate_key")
    assert NEW_KEY not in all_audit_text() and KEY not in all_audit_text()


@oo_db
def test_a_dry_run_changes_nothing_and_says_how_many(frozen_now):
    make_credential("A", "u", "a")
    make_credential("B", "u", "b")
    before = tokens()
    output = rotate(f"--new-key={NEW_KEY}")
    assert "Dry run: 2 of 2 credentials would be re-encrypted" in output
    assert tokens() == before
    entry = audit_rows("credential.rotate_key_dry_run")[-1]
    assert entry.count == 0 and "would re-encrypt 2 of 2" in entry.detail


@oo_db
def test_tokens_that_do_not_decrypt_are_listed_and_block_the_commit(frozen_now):
    make_credential("Good", "u", "a")
    foreign = Fernet(OTHER_KEY).encrypt(b"x").decode()
    Credential.objects.create(name="Foreign", username="u", password=foreign, changed_at=NOW)
    before = tokens()
    output = rotate(f"--new-key={NEW_KEY}")
    assert "1 of 2 credentials do not decrypt with the current key" in output
    assert "  Foreign" in output
    with pytest.raises(CommandError, match="Foreign.*Nothing was changed.*--skip-undecryptable"):
        rotate(f"--new-key={NEW_KEY}", "--commit")
    assert tokens() == before
    assert audit_rows("credential.rotate_key")[-1].outcome == AuditEntry.Outcome.REFUSED

    output = rotate(f"--new-key={NEW_KEY}", "--commit", "--skip-undecryptable")
    assert "Re-encrypted 1 of 2" in output
    after = tokens()
    assert after["Foreign"] == foreign and after["Good"] != before["Good"]
    assert Fernet(NEW_KEY).decrypt(after["Good"].encode()) == b"a"
    assert audit_rows("credential.rotate_key")[-1].outcome == AuditEntry.Outcome.PARTIAL


@oo_db
def test_bad_new_keys_are_refused():
    make_credential("A", "u", "a")
    with pytest.raises(CommandError, match="not a valid Fernet key"):
        rotate("--new-key=short")
    with pytest.raises(CommandError, match="already configured"):
        rotate(f"--new-key={KEY}", "--commit")
    with pytest.raises(CommandError):
        rotate()  # one of --new-key / --new-key-file is required


@oo_db
def test_the_new_key_can_come_from_a_file(tmp_path):
    make_credential("A", "u", "a")
    key_file = tmp_path / "new.key"
    key_file.write_text(NEW_KEY + "\n")
    assert "Re-encrypted 1 of 1" in rotate("--new-key-file", str(key_file), "--commit")
    assert Fernet(NEW_KEY).decrypt(tokens()["A"].encode()) == b"a"


@oo_db
@override_settings(OPENORCHESTRATOR_KEY="")
def test_rotation_needs_the_current_key():
    with pytest.raises(CommandError, match="OpenOrchestratorKey is not set"):
        rotate(f"--new-key={NEW_KEY}")


@oo_db
def test_a_concurrent_change_aborts_the_whole_rotation(monkeypatch):
    make_credential("A", "u", "a")
    make_credential("B", "u", "b")
    before = tokens()
    from vault import services

    real_encrypt = Fernet.encrypt

    def encrypt_and_meddle(self, data):
        # A robot rewrites B between the read and the write.
        Credential.objects.filter(pk="B").update(password="gAAAAA-robot")
        return real_encrypt(self, data)

    monkeypatch.setattr(Fernet, "encrypt", encrypt_and_meddle)
    with pytest.raises(services.RotationRefused, match="changed while rotating"):
        services.rotate_key(user=None, new_key=NEW_KEY, commit=True)
    after = tokens()
    # Everything rolled back, including the meddling done inside the transaction.
    assert after == before


@oo_db
def test_a_new_key_that_starts_with_a_dash_is_accepted(tmp_path):
    # One Fernet key in 64 starts with "-" (url-safe base64): the file form and --new-key=KEY take it.
    dashed = base64.urlsafe_b64encode(b"\xf8" + bytes(range(31))).decode()
    assert dashed.startswith("-")
    Fernet(dashed)  # a valid key
    make_credential("Mail", "robot", "pw")
    assert "Dry run: 1 of 1 credentials would be re-encrypted" in rotate(f"--new-key={dashed}")
    key_file = tmp_path / "new.key"
    key_file.write_text(dashed + "\n")
    assert "Re-encrypted 1 of 1" in rotate("--new-key-file", str(key_file), "--commit")
