"""Who may do what: every mutating URL, for every persona; GET on POST-only URLs is 405."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from queues.models import QueueElement, QueueStatus
from tests.helpers import make_element, oo_db

PERSONAS = ("as_viewer", "as_operator", "as_admin", "as_keeper", "as_outsider")
OPERATORS = {"as_operator", "as_admin"}
VIEWERS = {"as_viewer", "as_operator", "as_admin", "as_keeper"}  # the keeper is a viewer too


def _csv():
    upload = io.BytesIO(b"reference,data\nr1,d1\n")
    upload.name = "e.csv"
    return upload


def mutations(element):
    ids = [str(element.pk)]
    return {
        "retry": (reverse("queues:retry"), {"ids": ids, "confirmed": "True"}),
        "delete": (reverse("queues:delete"), {"ids": ids, "delete_confirmed": "True"}),
        "acknowledge": (reverse("queues:acknowledge"), {"ids": ids, "confirmed": "True"}),
        "bulk-retry": (reverse("queues:bulk", args=["Queue A"]), {"action": "retry"}),
        "bulk-delete": (reverse("queues:bulk", args=["Queue A"]), {"action": "delete"}),
        "bulk-acknowledge": (
            reverse("queues:bulk", args=["Queue A"]),
            {"action": "acknowledge"},
        ),
        "create": (
            reverse("queues:create"),
            {"queue_name": "Queue A", "reference": "x", "data": ""},
        ),
        "upload": (reverse("queues:upload"), {"queue_name": "Queue A", "file": _csv()}),
    }


def changed(name, element) -> bool:
    row = QueueElement.objects.filter(pk=element.pk).first()
    if name.endswith("retry"):
        return row.status == QueueStatus.NEW
    if name.endswith("delete"):
        return row is None
    if name.endswith("acknowledge"):
        from queues.models import Acknowledgement

        return Acknowledgement.objects.filter(element_id=element.pk).exists()
    return QueueElement.objects.filter(reference__in=["x", "r1"]).exists()


@oo_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "action",
    [
        "retry",
        "delete",
        "acknowledge",
        "bulk-retry",
        "bulk-delete",
        "bulk-acknowledge",
        "create",
        "upload",
    ],
)
def test_only_operators_change_elements(request, persona, action):
    client = request.getfixturevalue(persona)
    element = make_element(status=QueueStatus.FAILED)
    url, data = mutations(element)[action]
    response = client.post(url, data)
    if persona in OPERATORS:
        # The upload shows its preview first; every other change is done and redirects.
        assert response.status_code == (200 if action == "upload" else 302)
        if action == "upload":
            token = response.context["confirm"].initial["token"]
            response = client.post(url, {"token": token})
            assert response.status_code == 302
        assert changed(action, element)
    else:
        assert response.status_code == 403
        assert not changed(action, element)


@oo_db
@pytest.mark.parametrize("name", ["retry", "delete", "acknowledge"])
def test_post_only_urls_refuse_get(as_operator, name):
    assert as_operator.get(reverse(f"queues:{name}")).status_code == 405


@oo_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_reading_needs_the_view_permission(request, persona):
    client = request.getfixturevalue(persona)
    element = make_element(status=QueueStatus.FAILED)
    urls = [
        reverse("queues:overview"),
        reverse("queues:elements", args=["Queue A"]),
        reverse("queues:failed"),
        reverse("queues:element", args=[element.pk]),
        reverse("queues:export", args=["Queue A"]),
        reverse("queues:bulk", args=["Queue A"]),
    ]
    for url in urls:
        expected = 200 if persona in VIEWERS else 403
        assert client.get(url).status_code == expected, url


@oo_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_adding_pages_need_the_add_permission(request, persona):
    client = request.getfixturevalue(persona)
    for url in (reverse("queues:create"), reverse("queues:upload")):
        assert client.get(url).status_code == (200 if persona in OPERATORS else 403)


@oo_db
def test_viewers_see_no_action_buttons(as_viewer, as_operator):
    make_element(status=QueueStatus.FAILED)
    url = reverse("queues:elements", args=["Queue A"])
    assert "Retry selected" not in as_viewer.get(url).content.decode()
    assert "Retry selected" in as_operator.get(url).content.decode()
