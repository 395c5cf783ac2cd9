"""User names keep the whole identity: one Django user per domain + account, case-insensitively.

`ada@other.example`, `OTHER\\ada` and `TEST\\ada` are three people; `TEST\\Ada` and `test\\ada` are one.
A UPN is a domain's user only through the documented CONSOLE_UPN_SUFFIXES mapping.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from orchestrator_site.auth import normalize_username
from orchestrator_site.identity import (
    GROUPS_KEY,
    Identity,
    IdentityAdapter,
    signed_in_environ,
    upn_suffixes,
    username_form,
)
from tests.helpers import oo_db
from tests.identity.test_adapter import Recorder, call, resolver

VIEWERS = "TEST\\rpa-viewers"


def signed_in_as(username: str, *groups: str) -> str | None:
    """Who the console signs this identity in as (None: refused)."""
    response = Client(**signed_in_environ(Identity(username, groups or (VIEWERS,)))).get("/audit/")
    if response.status_code != 200:
        assert response.status_code == 403
        return None
    return response.wsgi_request.user.username


def usernames() -> set[str]:
    return set(User.objects.values_list("username", flat=True))


@pytest.fixture
def any_domain(settings):
    """CONSOLE_ALLOWED_DOMAINS empty: every domain may sign in (its users still never merge)."""
    settings.CONSOLE_ALLOWED_DOMAINS = []
    settings.CONSOLE_ROLE_GROUPS = {**settings.CONSOLE_ROLE_GROUPS, "Viewer": ["rpa-viewers"]}
    return "rpa-viewers"


@oo_db
def test_a_upn_of_another_domain_is_not_the_domain_user_of_the_same_name():
    assert signed_in_as("TEST\\ada") == "test\\ada"
    assert signed_in_as("ada@other.example") is None  # not an allowed domain
    assert signed_in_as("ada@test.other.example") is None  # the first label proves nothing
    assert signed_in_as("ada@test") is None
    assert usernames() == {"test\\ada"}


@oo_db
def test_with_every_domain_allowed_each_identity_is_its_own_user(any_domain):
    seen = {
        raw: signed_in_as(raw, any_domain)
        for raw in ("TEST\\ada", "OTHER\\ada", "ada@other.example", "ada@test.example", "ada")
    }
    assert seen == {
        "TEST\\ada": "test\\ada",
        "OTHER\\ada": "other\\ada",
        "ada@other.example": "ada@other.example",
        "ada@test.example": "ada@test.example",
        "ada": "ada",
    }
    assert len(usernames()) == 5


@oo_db
def test_a_mapped_upn_suffix_is_that_domain_s_user(settings):
    settings.CONSOLE_UPN_SUFFIXES = upn_suffixes(["test.example=TEST"], ["TEST"])
    assert signed_in_as("TEST\\Ada") == "test\\ada"
    assert signed_in_as("Ada@TEST.EXAMPLE") == "test\\ada"
    assert signed_in_as("ada@sub.test.example") is None  # only the suffix named, not below it
    assert signed_in_as("ada@other.example") is None
    assert usernames() == {"test\\ada"}


@oo_db
def test_windows_names_are_one_user_whatever_their_case_or_spacing():
    for raw in ("TEST\\Ada", "test\\ADA", " Test\\ada ", "TEST \\ ada"):
        assert signed_in_as(raw) == "test\\ada", raw
    assert usernames() == {"test\\ada"}


@oo_db
@pytest.mark.parametrize(
    "raw", ["TEST\\", "\\ada", "TEST\\a\\b", "ada@", "a@b@test.example", "", "   "]
)
def test_a_malformed_name_is_refused(raw):
    assert signed_in_as(raw) is None
    assert not User.objects.exists()


@oo_db
def test_a_name_too_long_for_a_user_name_is_refused_not_cut_short():
    stem = "TEST\\" + "a" * 150
    assert signed_in_as(stem + "x") is None
    assert signed_in_as(stem + "y") is None
    assert not User.objects.exists()


@oo_db
def test_in_user_form_the_single_allowed_domain_is_implied(settings):
    settings.CONSOLE_USERNAME_FORM = username_form("user", ["TEST"])
    assert signed_in_as("TEST\\Ada") == "ada"
    assert signed_in_as("ada") is None  # no domain: not known to be TEST's
    assert signed_in_as("ada@test.example") is None  # unmapped UPN
    settings.CONSOLE_UPN_SUFFIXES = {"test.example": "test"}
    assert signed_in_as("ada@test.example") == "ada"
    assert usernames() == {"ada"}


@oo_db
def test_in_upn_form_an_unmapped_upn_never_takes_a_domain_user_s_name(settings, any_domain):
    settings.CONSOLE_USERNAME_FORM = "upn"
    assert signed_in_as("TEST\\Ada", any_domain) == "ada@test"
    assert signed_in_as("ada@test", any_domain) is None
    assert signed_in_as("ada@test.example", any_domain) is None
    settings.CONSOLE_UPN_SUFFIXES = {"test.example": "test"}
    assert signed_in_as("ada@test.example", any_domain) == "ada@test"
    assert usernames() == {"ada@test"}


def test_user_form_needs_exactly_one_allowed_domain():
    assert username_form(" USER ", ["TEST"]) == "user"
    for allowed in ([], ["TEST", "OTHER"]):
        with pytest.raises(ImproperlyConfigured, match="exactly one domain"):
            username_form("user", allowed)
    with pytest.raises(ImproperlyConfigured, match="must be one of"):
        username_form("email", ["TEST"])


def test_upn_suffixes_name_one_allowed_domain_each():
    assert upn_suffixes(["Test.Example=test", "corp.test=TEST"], ["TEST"]) == {
        "test.example": "test",
        "corp.test": "test",
    }
    with pytest.raises(ImproperlyConfigured, match="not in CONSOLE_ALLOWED_DOMAINS"):
        upn_suffixes(["other.example=OTHER"], ["TEST"])
    with pytest.raises(ImproperlyConfigured, match="both TEST and OTHER"):
        upn_suffixes(["x.example=TEST", "X.example=OTHER"], [])
    for entry in ("test.example", "=TEST", "test.example=", "a@b=TEST", "x=TE\\ST"):
        with pytest.raises(ImproperlyConfigured, match="suffix=DOMAIN"):
            upn_suffixes([entry], [])


def sign_in_through(adapter: IdentityAdapter, environ: dict) -> str | None:
    """What the adapter hands Django, then who Django signs in: the whole path but the socket."""
    recorder = Recorder()
    adapter.app = recorder
    if call(adapter, environ) != "200 OK":
        return None
    passed = {"REMOTE_USER": recorder.environ["REMOTE_USER"]}
    passed[GROUPS_KEY] = recorder.environ[GROUPS_KEY]
    response = Client(**passed).get("/audit/")
    return response.wsgi_request.user.username if response.status_code == 200 else None


@oo_db
def test_iis_mode_keeps_each_resolved_domain_user_apart(settings):
    settings.CONSOLE_ALLOWED_DOMAINS = ["TEST", "OTHER"]
    tokens = {
        "0x1": Identity("TEST\\Ada", (VIEWERS,)),
        "0x2": Identity("test\\ADA", (VIEWERS,)),
        "0x3": Identity("OTHER\\ada", (VIEWERS,)),
    }
    adapter = IdentityAdapter(
        Recorder(), mode="iis", pairing_secret="s3", resolver=resolver(tokens)
    )
    seen = [
        sign_in_through(
            adapter, {"HTTP_X_CONSOLE_PAIRING": "s3", "HTTP_X_IIS_WINDOWSAUTHTOKEN": token}
        )
        for token in tokens
    ]
    assert seen == ["test\\ada", "test\\ada", "other\\ada"]
    assert usernames() == {"test\\ada", "other\\ada"}


@oo_db
def test_remote_user_mode_keeps_a_upn_apart_from_the_domain_user(settings):
    settings.CONSOLE_ALLOWED_DOMAINS = ["TEST", "OTHER"]
    adapter = IdentityAdapter(Recorder(), mode="remote-user")

    def as_(remote_user: str) -> str | None:
        return sign_in_through(adapter, {"REMOTE_USER": remote_user, "REMOTE_GROUPS": VIEWERS})

    assert as_("TEST\\Ada") == "test\\ada"
    assert as_("ada@other.example") is None
    assert as_("ada@TEST.EXAMPLE") is None
    settings.CONSOLE_UPN_SUFFIXES = {"test.example": "test", "other.example": "other"}
    assert as_("ada@TEST.EXAMPLE") == "test\\ada"
    assert as_("ada@other.example") == "other\\ada"
    assert usernames() == {"test\\ada", "other\\ada"}


def test_normalize_username_is_the_whole_identity_in_lower_case():
    assert normalize_username("TEST\\Ada") == "test\\ada"
    assert normalize_username("OTHER\\Ada") is None  # tests allow TEST only
