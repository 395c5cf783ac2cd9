"""The vault in Danish when the browser asks for it; its audit rows stay English."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from tests.helpers import make_constant, make_credential, oo_db
from tests.vault.conftest import KEY, audit_rows
from vault import services
from vault.models import Constant

DANISH = {"HTTP_ACCEPT_LANGUAGE": "da"}


@oo_db
def test_a_refusal_reads_danish_to_a_danish_reader_and_english_in_the_audit_trail():
    make_constant("Path", "changed by a robot")
    with translation.override("da"):
        with pytest.raises(services.Conflict) as refused:
            services.update_constant(user=None, name="Path", value="w", expected="v")
        shown = refused.value.shown
    assert shown.startswith("Værdien af “Path” blev ændret af en anden (eller en robot)")
    (entry,) = audit_rows("constant.change")
    assert entry.reason.startswith("The value of “Path” was changed by someone else")


@oo_db
def test_a_keeper_reveals_a_password_in_danish(as_keeper):
    make_credential("Mail", "robot", "s3cret")
    form = as_keeper.get("/vault/credentials/Mail/reveal/", **DANISH).content.decode()
    assert "Vis adgangskoden til “Mail”" in form and "Begrundelse" in form
    data = {"key": KEY, "reason": "robotten kan ikke logge ind"}
    shown = as_keeper.post("/vault/credentials/Mail/reveal/", data, **DANISH).content.decode()
    assert "Adgangskoden til “Mail”" in shown and "(6 tegn)" in shown
    assert "Skjules igen om" in shown


@oo_db
def test_a_wrong_key_says_the_attempts_left_in_danish(as_keeper, settings):
    settings.CONSOLE_REVEAL_MAX_FAILURES = 3
    make_credential("Mail")
    data = {"key": "wrong", "reason": "robotten kan ikke logge ind"}
    page = as_keeper.post("/vault/credentials/Mail/reveal/", data, **DANISH).content.decode()
    assert "Det er ikke installationens nøgle. 2 forsøg tilbage." in page


@oo_db
@override_settings(OPENORCHESTRATOR_KEY="")
def test_a_missing_key_is_explained_in_danish(as_admin):
    page = as_admin.get("/vault/credentials/", **DANISH).content.decode()
    assert "Kryptering er ikke tilgængelig." in page
    assert "OpenOrchestratorKey er ikke sat på konsollens server" in page


@oo_db
def test_deleting_a_constant_is_confirmed_and_reported_in_danish(as_admin):
    make_constant("Feriedage", "25")
    url = "/vault/constants/Feriedage/delete/"
    page = as_admin.get(url, **DANISH).content.decode()
    assert "Slet konstanten “Feriedage”?" in page and "Slet “Feriedage”" in page
    response = as_admin.post(url, follow=True, **DANISH)
    assert not Constant.objects.filter(name="Feriedage").exists()
    assert "Konstanten “Feriedage” er slettet." in response.content.decode()


@oo_db
def test_the_row_links_name_their_row_in_danish(as_admin):
    make_constant("Feriedage")
    page = as_admin.get("/vault/constants/", **DANISH).content.decode()
    assert 'aria-label="Redigér Feriedage"' in page and 'aria-label="Slet Feriedage"' in page


@oo_db
def test_the_credential_admin_is_danish_and_never_shows_the_token(as_admin):
    make_credential("Mail", "robot", "s3cret")
    page = as_admin.get(reverse("admin:vault_credential_changelist"), **DANISH).content.decode()
    assert "Loginoplysninger" in page and "Gemt token" in page and "Brugernavn" in page
    assert "s3cret" not in page and "gAAAA" not in page
