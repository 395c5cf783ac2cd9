"""Constants: list, search, create, edit value (name fixed), delete with confirmation."""

from __future__ import annotations

import pytest
from django.db import connections

from tests.helpers import NOW, make_constant, oo_db
from tests.vault.conftest import audit_rows
from vault.models import Constant

LIST = "/vault/constants/"
NEW = "/vault/constants/new/"


@oo_db
def test_the_list_shows_name_value_and_changed_at_escaped(as_viewer):
    make_constant("Mail server", "<b>smtp.example</b>")
    body = as_viewer.get(LIST).content.decode()
    assert "Mail server" in body and "&lt;b&gt;smtp.example&lt;/b&gt;" in body
    assert "25-11-2026 10:30:15" in body
    assert "New constant" not in body and "/edit/" not in body


@oo_db
def test_the_list_searches_name_and_value(as_viewer):
    make_constant("Mail server", "smtp.example")
    make_constant("Share", r"\\fs\robots")
    body = as_viewer.get(LIST, {"q": "SMTP"}).content.decode()
    assert "Mail server" in body and "Share" not in body
    body = as_viewer.get(LIST, {"q": "share"}).content.decode()
    assert "Share" in body and "Mail server" not in body


@oo_db
def test_the_list_needs_a_bounded_number_of_queries(as_admin, django_assert_max_num_queries):
    for i in range(30):
        make_constant(f"K{i:02}", "v")
    as_admin.get(LIST)
    # Session, user, groups and permissions on the console's DB; one query on OpenOrchestrator's.
    orchestrator = connections["orchestrator"]
    with (
        django_assert_max_num_queries(6),
        django_assert_max_num_queries(1, connection=orchestrator),
    ):
        assert as_admin.get(LIST, {"sort": "-changed_at"}).status_code == 200


@oo_db
def test_an_admin_creates_a_constant_byte_for_byte(as_admin, frozen_now):
    value = "  leading and trailing  \n\ttab ø "
    # A browser sends a textarea's line breaks as CRLF; the value typed has LF, as NiceGUI stores.
    sent = value.replace("\n", "\r\n")
    response = as_admin.post(NEW, {"name": "Path", "value": sent})
    assert response.status_code == 302 and response["Location"] == LIST
    row = Constant.objects.get(pk="Path")
    assert row.value == value and row.changed_at == NOW
    entry = audit_rows("constant.create")[-1]
    assert entry.target_ids == "Path" and entry.count == 1 and value not in entry.detail


@oo_db
def test_a_duplicate_constant_name_is_a_form_error(as_admin):
    make_constant("Path", "v")
    response = as_admin.post(NEW, {"name": "Path", "value": "w"})
    assert "A constant with that name already exists." in response.content.decode()
    assert Constant.objects.get(pk="Path").value == "v"


@oo_db
def test_a_refused_change_is_audited_as_refused_with_its_reason(as_admin):
    from vault import services

    make_constant("Path", "changed by a robot")
    with pytest.raises(services.Conflict):
        services.update_constant(user=None, name="Path", value="w", expected="v")
    (entry,) = audit_rows("constant.change")
    assert (entry.outcome, entry.count, entry.target_ids) == ("refused", 0, "Path")
    assert entry.reason.startswith("The value of “Path” was changed by someone else")
    assert Constant.objects.get(pk="Path").value == "changed by a robot"


@oo_db
def test_an_over_long_value_is_refused_with_the_limit(as_admin):
    response = as_admin.post(NEW, {"name": "Path", "value": "x" * 1001})
    assert "at most 1000 characters (it has 1001)" in response.content.decode()
    assert not Constant.objects.exists()
    assert as_admin.post(NEW, {"name": "Path", "value": "x" * 1000}).status_code == 302


@oo_db
def test_editing_changes_the_value_only(as_admin, frozen_now):
    make_constant("Path", "old")
    page = as_admin.get("/vault/constants/Path/edit/").content.decode()
    assert "old</textarea>" in page and 'name="name"' not in page
    response = as_admin.post(
        "/vault/constants/Path/edit/", {"name": "Renamed", "value": " new value "}
    )
    assert response.status_code == 302
    assert list(Constant.objects.values_list("name", "value")) == [("Path", " new value ")]
    assert Constant.objects.get(pk="Path").changed_at == NOW
    assert audit_rows("constant.change")[-1].target_ids == "Path"


@oo_db
def test_delete_asks_for_confirmation_showing_the_name(as_admin):
    make_constant("Path", "v")
    page = as_admin.get("/vault/constants/Path/delete/")
    assert "Delete the constant “Path”?" in page.content.decode()
    assert Constant.objects.exists()
    assert as_admin.post("/vault/constants/Path/delete/").status_code == 302
    assert not Constant.objects.exists()
    entry = audit_rows("constant.delete")[-1]
    assert entry.target_ids == "Path" and entry.count == 1


@oo_db
def test_unknown_constants_are_404(as_admin):
    assert as_admin.get("/vault/constants/nope/edit/").status_code == 404
    assert as_admin.post("/vault/constants/nope/delete/").status_code == 404


@oo_db
@pytest.mark.parametrize(
    ("persona", "list_status", "write_status"),
    [
        ("viewer", 200, 403),
        ("operator", 200, 403),
        ("keeper", 200, 403),  # the keeper persona is also a viewer
        ("admin", 200, None),
        ("outsider", 403, 403),
    ],
)
def test_role_matrix_for_constant_pages(request, persona, list_status, write_status):
    client = request.getfixturevalue(f"as_{persona}")
    make_constant("Path", "v")
    assert client.get(LIST).status_code == list_status
    for url in (NEW, "/vault/constants/Path/edit/", "/vault/constants/Path/delete/"):
        assert client.get(url).status_code == (write_status or 200), url
    if write_status:
        assert client.post(NEW, {"name": "Other", "value": "v"}).status_code == write_status
        assert client.post("/vault/constants/Path/edit/", {"value": "w"}).status_code == 403
        assert client.post("/vault/constants/Path/delete/").status_code == write_status
        assert list(Constant.objects.values_list("name", "value")) == [("Path", "v")]
        assert not audit_rows()


@oo_db
def test_wrong_methods_on_constants_are_405(as_admin):
    make_constant("Path", "v")
    assert as_admin.post(LIST).status_code == 405
    assert as_admin.put("/vault/constants/Path/edit/").status_code == 405
    assert as_admin.patch("/vault/constants/Path/delete/").status_code == 405
