"""The notice administrators see on every page while recommended indexes are missing."""

from __future__ import annotations

import pytest

from orchestrator_site import health, indexes
from tests.helpers import oo_tx

NOTICE = "recommended database indexes missing"
PAGE = "/logs/"


@pytest.fixture(autouse=True)
def no_console_indexes():
    health.forget_status()
    indexes.forget()
    yield
    indexes.drop()
    indexes.forget()


@oo_tx
@pytest.mark.parametrize("persona", ["as_admin", "as_operator"])  # operators are staff
def test_administrators_see_the_missing_indexes_and_how_to_create_them(persona, request):
    response = request.getfixturevalue(persona).get(PAGE)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"{len(indexes.RECOMMENDED)} {NOTICE}" in text
    assert "manage.py orchestrator_indexes --apply" in text
    assert "<code>Logs(process_name, log_time)</code>" in text
    assert "?dismiss-index-notice=1" in text


@oo_tx
@pytest.mark.parametrize("persona", ["as_viewer", "as_keeper"])
def test_others_do_not_see_it(persona, request):
    response = request.getfixturevalue(persona).get(PAGE)
    assert response.status_code == 200
    assert NOTICE not in response.content.decode()


@oo_tx
def test_it_can_be_dismissed_for_the_session(as_admin):
    response = as_admin.get(f"{PAGE}?dismiss-index-notice=1")
    assert response.status_code == 200 and NOTICE not in response.content.decode()
    assert NOTICE not in as_admin.get(PAGE).content.decode()


@oo_tx
def test_it_disappears_once_the_indexes_exist(as_admin):
    assert NOTICE in as_admin.get(PAGE).content.decode()
    indexes.apply()
    assert NOTICE not in as_admin.get(PAGE).content.decode()
