"""Adding elements: one by form (created_by = the user), many by CSV (preview, all or nothing)."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.urls import reverse

from orchestrator_site.models import AuditEntry
from queues import forms
from queues.models import QueueElement, QueueStatus
from tests.helpers import NOW, make_trigger, oo_db, oo_tx
from tests.queues.util import last_audit, messages_of
from triggers.models import TriggerType

CREATE = reverse("queues:create")
UPLOAD = reverse("queues:upload")
# What the confirmation page re-posts when the person goes on into a queue that does not exist yet.
NEW_QUEUE_OK = {"confirmed": ["new_queue"]}


def csv_file(content: bytes | str, name: str = "elements.csv") -> io.BytesIO:
    upload = io.BytesIO(content.encode("utf-8") if isinstance(content, str) else content)
    upload.name = name
    return upload


@oo_db
def test_it_creates_one_new_element_as_the_user(as_operator):
    response = as_operator.post(
        CREATE,
        {"queue_name": "Queue A", "reference": "INV-1", "data": ' {"a": 1} ', **NEW_QUEUE_OK},
        follow=True,
    )
    element = QueueElement.objects.get()
    assert element.status == QueueStatus.NEW and element.created_by == "test\\otto"
    assert element.created_date == NOW and element.data == ' {"a": 1} '
    assert element.start_date is None and element.end_date is None and element.message is None
    assert response.redirect_chain[-1][0] == reverse("queues:element", args=[element.pk])
    assert any("Added element" in m for m in messages_of(response))
    entry = last_audit("queues.create")
    assert entry.target_ids == str(element.pk) and entry.count == 1


@oo_db
def test_empty_reference_and_data_are_stored_as_null(as_operator):
    as_operator.post(CREATE, {"queue_name": "Queue A", "reference": "", "data": "", **NEW_QUEUE_OK})
    element = QueueElement.objects.get()
    assert element.reference is None and element.data is None


@oo_db
def test_it_warns_when_the_new_element_reaches_the_trigger_batch_size(as_operator):
    make_trigger(TriggerType.QUEUE, name="Q robot", queue_name="Queue A", min_batch_size=1)
    response = as_operator.post(CREATE, {"queue_name": "Queue A"}, follow=True)
    assert any("Q robot" in m for m in messages_of(response))


@oo_db
@pytest.mark.parametrize(
    "data, field",
    [
        ({"queue_name": "", "reference": "r"}, "queue_name"),
        ({"queue_name": "q" * 101}, "queue_name"),
        ({"queue_name": "Q", "reference": "r" * 101}, "reference"),
        ({"queue_name": "Q", "data": "d" * 2001}, "data"),
    ],
)
def test_too_long_or_missing_values_are_form_errors(as_operator, data, field):
    response = as_operator.post(CREATE, data)
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not QueueElement.objects.exists()


# Queue names as robots may write them: trailing space, empty, tab, URL characters, line break.
ODD_QUEUES = ["Kø ", "", " tab\there/ø?&#+%", "line\nbreak"]


def link_on(page: str, text: str) -> str:
    """The href of the link labelled `text`, as a browser reads it."""
    return html.unescape(re.search(rf'href="([^"]*)">{text}</a>', page).group(1))


def queue_page(client, queue_name: str) -> str:
    response = client.get(reverse("queues:elements", args=[queue_name]))
    assert response.status_code == 200
    return response.content.decode()


def names_in_queues(db_util, *queue_names: str) -> dict[str, list[str | None]]:
    return {
        name: sorted(e.reference or "" for e in db_util.get_queue_elements(name, limit=None))
        for name in queue_names
    }


@oo_tx
@pytest.mark.parametrize("queue_name", ODD_QUEUES)
def test_add_an_element_from_a_queue_page_writes_into_exactly_that_queue(
    as_operator, db_util, queue_name
):
    db_util.create_queue_element(queue_name, reference="robot's")
    db_util.create_queue_element(queue_name.strip() + "x", reference="neighbour")
    link = link_on(queue_page(as_operator, queue_name), "Add an element")
    form_page = as_operator.get(link)
    assert form_page.status_code == 200 and "queue_name" not in form_page.context["form"].fields
    assert f"“{queue_name}”" in html.unescape(form_page.content.decode())

    # The form has no action: a browser posts it back to its own URL, query string included.
    response = as_operator.post(link, {"reference": " ref ø ", "data": "x\r\ny"})
    assert response.status_code == 302
    assert names_in_queues(db_util, queue_name, queue_name.strip() + "x") == {
        queue_name: [" ref ø ", "robot's"],
        queue_name.strip() + "x": ["neighbour"],
    }
    [added] = db_util.get_queue_elements(queue_name, reference=" ref ø ")
    assert added.data == "x\ny"  # the line break typed, not the CRLF the browser sent


@oo_tx
@pytest.mark.parametrize("queue_name", ODD_QUEUES)
def test_upload_a_csv_from_a_queue_page_writes_into_exactly_that_queue(
    as_operator, db_util, queue_name
):
    db_util.create_queue_element(queue_name, reference="robot's")
    link = link_on(queue_page(as_operator, queue_name), "Upload a CSV")
    assert as_operator.get(link).status_code == 200
    content = "reference,data\n r1 ,\td1 ø\n"
    response = as_operator.post(link, {"file": csv_file(content)})
    assert response.status_code == 200 and response.context["queue_name"] == queue_name
    token = response.context["confirm"].initial["token"]
    response = as_operator.post(UPLOAD, {"token": token}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("queues:elements", args=[queue_name])
    assert names_in_queues(db_util, queue_name) == {queue_name: [" r1 ", "robot's"]}
    [added] = db_util.get_queue_elements(queue_name, reference=" r1 ")
    assert added.data == "\td1 ø"


@oo_db
@pytest.mark.parametrize("queue_name", [" Kø\t", "   "])
def test_a_typed_queue_name_is_kept_exactly(as_operator, queue_name):
    assert as_operator.post(CREATE, {"queue_name": queue_name, **NEW_QUEUE_OK}).status_code == 302
    assert QueueElement.objects.get().queue_name == queue_name


@oo_db
def test_a_queue_name_too_long_for_any_queue_is_refused_not_cut(as_operator):
    response = as_operator.post(f"{CREATE}?queue={'q' * 101}", {"reference": "r"})
    assert response.status_code == 200 and "at most 100 characters" in response.content.decode()
    assert not QueueElement.objects.exists()


@oo_db
def test_upload_previews_then_adds_all_rows_in_file_order(as_operator):
    content = 'reference,data\nr1,"{""a"": 1}"\nr2,plain æøå\n,no reference\n'
    response = as_operator.post(UPLOAD, {"queue_name": "Queue A", "file": csv_file(content)})
    assert response.status_code == 200 and response.context["total"] == 3
    assert "r2" in response.content.decode()
    assert not QueueElement.objects.exists()
    token = response.context["confirm"].initial["token"]
    response = as_operator.post(UPLOAD, {"token": token}, follow=True)
    rows = list(
        QueueElement.objects.order_by("created_date").values_list("reference", "data", "created_by")
    )
    assert rows == [
        ("r1", '{"a": 1}', "test\\otto"),
        ("r2", "plain æøå", "test\\otto"),
        (None, "no reference", "test\\otto"),
    ]
    assert "Added 3 elements to “Queue A”." in messages_of(response)
    entry = last_audit("queues.upload")
    assert entry.count == 3 and len(entry.target_ids.splitlines()) == 3
    # The token is single-use.
    response = as_operator.post(UPLOAD, {"token": token}, follow=True)
    assert QueueElement.objects.count() == 3
    assert any("expired" in m for m in messages_of(response))


@oo_db
def test_semicolons_and_a_byte_order_mark_are_accepted(as_operator):
    content = "\ufeffReference;Data\nr1;d1\n".encode()
    response = as_operator.post(UPLOAD, {"queue_name": "Q", "file": csv_file(content)})
    assert response.context["preview"] == [("r1", "d1")]


@oo_db
@pytest.mark.parametrize(
    "content, error",
    [
        ("reference,data\nok,1\n" + "r" * 101 + ",x\n", "Row 3: the reference is 101 characters"),
        ("reference,data\nok,1\nr," + "d" * 2001 + "\n", "Row 3: data is 2,001 characters"),
        ("reference,data\nr1,d1,extra\n", "Row 2: expected 2 values, found 3"),
        ("ref,payload\nr1,d1\n", "the columns must be exactly “reference,data”"),
        ("reference\nr1\n", "the columns must be exactly"),
        ("reference,data\n", "no rows"),
        ('reference,data\nr1,"unterminated\n', "cannot be read"),
        ("reference,data\nåå,d\n".encode("latin-1"), "not UTF-8"),
        (b"\x00\x01binary", "NUL characters"),
    ],
)
def test_bad_files_say_which_row_and_add_nothing(as_operator, content, error):
    response = as_operator.post(UPLOAD, {"queue_name": "Queue A", "file": csv_file(content)})
    assert response.status_code == 400
    errors = response.context["row_errors"]
    assert any(error in e for e in errors), errors
    assert "Nothing was added" in response.content.decode()
    assert not QueueElement.objects.exists()
    assert not AuditEntry.objects.filter(action="queues.upload").exists()


@oo_db
def test_an_empty_file_is_a_form_error(as_operator):
    response = as_operator.post(UPLOAD, {"queue_name": "Q", "file": csv_file(b"")})
    assert "file" in response.context["form"].errors
    assert not QueueElement.objects.exists()


@oo_db
def test_every_bad_row_is_listed(as_operator):
    content = "reference,data\n" + "r" * 101 + ",x\nok,y\n" + "s" * 102 + ",z\n"
    response = as_operator.post(UPLOAD, {"queue_name": "Q", "file": csv_file(content)})
    errors = response.context["row_errors"]
    assert [e.split(":")[0] for e in errors] == ["Row 2", "Row 4"]


@oo_db
def test_the_row_limit(as_operator, monkeypatch):
    monkeypatch.setattr(forms, "UPLOAD_MAX_ROWS", 5)
    content = "reference,data\n" + "".join(f"r{i},d\n" for i in range(6))
    response = as_operator.post(UPLOAD, {"queue_name": "Q", "file": csv_file(content)})
    assert any("more than 5 rows" in e for e in response.context["row_errors"])
    assert not QueueElement.objects.exists()


@oo_db
def test_an_oversized_file_is_refused_before_reading(as_operator, monkeypatch):
    monkeypatch.setattr(forms, "UPLOAD_MAX_BYTES", 100)
    content = "reference,data\n" + "r,d\n" * 50
    response = as_operator.post(UPLOAD, {"queue_name": "Q", "file": csv_file(content)})
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert "at most 100 are accepted" in response.content.decode()
    assert not QueueElement.objects.exists()


@oo_db
def test_a_database_failure_inserts_nothing(as_operator, monkeypatch):
    content = "reference,data\nr1,d1\nr2,d2\n"
    response = as_operator.post(UPLOAD, {"queue_name": "Q", "file": csv_file(content)})
    token = response.context["confirm"].initial["token"]
    original = QueueElement.objects.bulk_create

    def fail_after_first(objs, **kwargs):
        objs = list(objs)
        original(objs[:1], **kwargs)
        raise RuntimeError("connection lost")

    monkeypatch.setattr(QueueElement.objects, "bulk_create", fail_after_first)
    with pytest.raises(RuntimeError):
        as_operator.post(UPLOAD, {"token": token})
    assert not QueueElement.objects.exists()
