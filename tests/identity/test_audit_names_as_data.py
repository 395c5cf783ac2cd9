"""Names are data in the audit trail's links too: a credential, constant, process or queue named
with a line break, a slash, a trailing space, URL characters or markup is linked to its own page,
and that page is about exactly that name."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from orchestrator_site import audit, audit_targets
from orchestrator_site.models import AuditEntry
from tests.helpers import make_constant, make_credential, make_element, make_log, oo_db
from tests.rowcontrols import Controls

NAMES = [
    "Line\nbreak",
    "with/slash",
    "trailing ",
    "a?b#c&d=e%20+f",
    "<b>markup</b> & 'quotes\"",
]


def _row(target_type: str, name: str, action: str) -> AuditEntry:
    """As the services write it."""
    return audit.record(
        user=None, action=action, target_type=target_type, targets=[name], names={name: name}
    )


def _link_to(client, name: str) -> str:
    """The trail's link whose text is `name` (the parser trims what a person reads, so the
    whitespace at the ends is checked in the HTML itself)."""
    body = client.get(reverse("audit")).content.decode()
    assert f">{escape(name)}</a>" in body
    found = [a["href"] for a in Controls(body).links if a.get("text") == name.strip()]
    assert len(found) == 1, f"{name!r}: {found}"
    return found[0]


@oo_db
@pytest.mark.parametrize("name", NAMES)
def test_a_process_link_opens_that_process(as_viewer, name):
    make_log(name, message="one line")
    make_log(name.strip() + "-other", message="another process")
    _row("process", name, "logs.export")
    response = as_viewer.get(_link_to(as_viewer, name))
    assert response.status_code == 200
    assert response.context["process_name"] == name
    assert [row.record.log_message for row in response.context["table"].page.object_list] == [
        "one line"
    ]


@oo_db
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("kind", "make", "action", "page"),
    [
        ("credential", make_credential, "credential.change", "vault:credentials"),
        ("constant", make_constant, "constant.change", "vault:constants"),
    ],
)
def test_a_vault_link_finds_that_entry(as_admin, name, kind, make, action, page):
    make(name)
    make("unrelated")
    _row(kind, name, action)
    href = _link_to(as_admin, name)
    assert href.startswith(reverse(page) + "?")
    response = as_admin.get(href)
    shown = [row.record.name for row in response.context["table"].page.object_list]
    assert name in shown and "unrelated" not in shown


@oo_db
@pytest.mark.parametrize("name", NAMES)
def test_a_queue_link_opens_that_queue(as_viewer, name):
    make_element(name, reference="mine")
    make_element(name.strip() + "-other", reference="theirs")
    _row("queue", name, "queues.export")
    response = as_viewer.get(_link_to(as_viewer, name))
    assert response.status_code == 200
    assert response.context["queue_name"] == name
    refs = [row.record.reference for row in response.context["table"].page.object_list]
    assert refs == ["mine"]


def test_the_names_are_hostile_enough():
    assert any("\n" in n for n in NAMES) and any(n != n.strip() for n in NAMES)
    assert any(html.escape(n) != n for n in NAMES) and any(re.search(r"[?#&%/]", n) for n in NAMES)


@pytest.mark.parametrize(
    "ids",
    [
        ["Line\nbreak", "plain"],
        ["%0A", "%25", "50% off", "%250A\n%"],
        ["trailing ", " leading", ""],
        ["DOMAIN\\user", "C:\\new\\path"],
    ],
)
def test_ids_round_trip_through_the_row_exactly(ids):
    assert audit.split_ids(audit.join_ids(ids)) == ids


@oo_db
def test_rows_written_before_ids_were_escaped_read_as_they_were(as_viewer):
    old = AuditEntry.objects.create(
        at=audit.clock.now(),
        username="x",
        action="logs.export",
        target_type="process",
        target_ids="Robot %0A\nOther",
        ids_escaped=False,
    )
    assert audit_targets.target_ids(old) == ["Robot %0A", "Other"]
    new = _row("process", "Robot %0A\nOther", "logs.export")
    assert audit_targets.target_ids(new) == ["Robot %0A\nOther"]


@oo_db
@pytest.mark.parametrize("name", ["Line\nbreak", "trailing ", "50% off"])
def test_the_target_filter_finds_exactly_that_name(as_viewer, name):
    """The admin's "Audit trail" link of one object filters by its id: a credential's is its name."""
    mine = _row("credential", name, "credential.change")
    _row("credential", name.strip() + "x", "credential.change")
    response = as_viewer.get(reverse("audit"), {"target_type": "credential", "target": name})
    assert [row.record.pk for row in response.context["table"].page.object_list] == [mine.pk]
    found = as_viewer.get(reverse("audit"), {"target_name": name.strip()})
    assert mine.pk in [row.record.pk for row in found.context["table"].page.object_list]
