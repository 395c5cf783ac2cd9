"""Adding elements asks first when the queue name is new (a typing mistake, usually) or a reference
repeats, in the file or in the queue; nothing is written before the person goes on."""

from __future__ import annotations

import html
import io
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.urls import reverse

from orchestrator_site.models import AuditEntry
from queues.models import QueueElement
from tests.helpers import make_element, make_trigger, oo_db, oo_tx
from tests.queues.util import last_audit, messages_of
from triggers.models import TriggerType

CREATE = reverse("queues:create")
UPLOAD = reverse("queues:upload")


class Forms(HTMLParser):
    """The page's POST forms as a browser submits them: action, inputs, and the buttons."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.button: dict | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self.forms.append({"action": attrs.get("action"), "fields": [], "buttons": []})
        elif tag == "input" and self.forms and attrs.get("type") == "hidden":
            self.forms[-1]["fields"].append((attrs["name"], attrs.get("value") or ""))
        elif tag == "button" and self.forms:
            self.button = {"name": attrs.get("name"), "value": attrs.get("value"), "label": ""}
            self.forms[-1]["buttons"].append(self.button)

    def handle_endtag(self, tag):
        if tag == "button":
            self.button = None

    def handle_data(self, data):
        if self.button is not None:
            self.button["label"] += data

    def submit(self, label: str) -> tuple[str | None, dict[str, list[str]]]:
        """What clicking the button labelled `label` posts: (action, data)."""
        for form in self.forms:
            for button in form["buttons"]:
                if " ".join(button["label"].split()) == label:
                    data: dict[str, list[str]] = {}
                    for name, value in form["fields"]:
                        data.setdefault(name, []).append(value)
                    if button["name"]:
                        data[button["name"]] = [button["value"]]
                    return form["action"], data
        raise AssertionError(f"no button {label!r}")


def click(client, url: str, page, label: str):
    action, data = Forms(page.content.decode()).submit(label)
    return client.post(action or url, data, follow=True)


def nothing_written() -> bool:
    return (
        not QueueElement.objects.exists()
        and not AuditEntry.objects.filter(action__in=["queues.create", "queues.upload"]).exists()
    )


def csv_file(content: str) -> io.BytesIO:
    upload = io.BytesIO(content.encode())
    upload.name = "elements.csv"
    return upload


@oo_db
def test_a_new_queue_name_asks_first_and_writes_only_after_the_person_goes_on(as_operator):
    page = as_operator.post(CREATE, {"queue_name": "Fakturaer", "reference": "F-1", "data": "x"})
    assert page.status_code == 200
    body = html.unescape(page.content.decode())
    assert "There is no queue “Fakturaer”" in body and "no queue trigger names it" in body
    assert nothing_written()

    response = click(as_operator, CREATE, page, "Create the queue and add")
    element = QueueElement.objects.get()
    assert (element.queue_name, element.reference, element.data) == ("Fakturaer", "F-1", "x")
    assert response.redirect_chain[-1][0] == reverse("queues:element", args=[element.pk])
    assert "confirmed: new queue" in last_audit("queues.create").detail


@oo_db
def test_a_misspelt_queue_name_offers_the_existing_one_in_one_click(as_operator):
    make_element("Faktura ind", reference="old")
    page = as_operator.post(CREATE, {"queue_name": "faktura ind ", "reference": "F-2"})
    assert "Did you mean" in page.content.decode()
    click(as_operator, CREATE, page, "Add to “Faktura ind” instead")
    assert sorted(QueueElement.objects.values_list("queue_name", "reference")) == [
        ("Faktura ind", "F-2"),
        ("Faktura ind", "old"),
    ]


@oo_db
def test_change_goes_back_to_the_form_with_the_values_and_writes_nothing(as_operator):
    page = as_operator.post(CREATE, {"queue_name": "Fakturaer", "reference": "F-1", "data": "a\nb"})
    response = click(as_operator, CREATE, page, "Change")
    assert response.status_code == 200 and "queue_name" in response.context["form"].fields
    assert response.context["form"]["reference"].value() == "F-1"
    assert nothing_written()


@oo_db
def test_a_queue_named_only_by_a_queue_trigger_is_not_new(as_operator):
    make_trigger(TriggerType.QUEUE, name="Q robot", queue_name="Tom kø", min_batch_size=5)
    response = as_operator.post(CREATE, {"queue_name": "Tom kø", "reference": "r"})
    assert response.status_code == 302 and QueueElement.objects.get().queue_name == "Tom kø"
    assert "confirmed" not in last_audit("queues.create").detail


@oo_db
def test_a_reference_already_in_the_queue_asks_and_may_be_added_again(as_operator):
    make_element("Queue A", reference="INV-1")
    page = as_operator.post(CREATE, {"queue_name": "Queue A", "reference": "INV-1"})
    assert "is already in “Queue A”" in html.unescape(page.content.decode())
    assert QueueElement.objects.count() == 1
    click(as_operator, CREATE, page, "Add anyway")
    assert list(QueueElement.objects.values_list("reference", flat=True)) == ["INV-1", "INV-1"]
    assert "1 references already in the queue" in last_audit("queues.create").detail


@oo_db
def test_going_on_past_one_warning_does_not_cover_another(as_operator):
    make_element("Queue A", reference="INV-1")
    response = as_operator.post(
        CREATE, {"queue_name": "Queue A", "reference": "INV-1", "confirmed": ["new_queue"]}
    )
    assert response.status_code == 200 and "is already in" in response.content.decode()
    assert QueueElement.objects.count() == 1


@oo_db
def test_bad_input_with_a_confirmation_is_still_a_form_error(as_operator):
    response = as_operator.post(
        CREATE, {"queue_name": "Q", "reference": "r" * 101, "confirmed": ["new_queue"]}
    )
    assert response.status_code == 200 and "reference" in response.context["form"].errors
    assert nothing_written()


@oo_db
def test_the_queue_field_offers_the_existing_queue_names(as_operator):
    make_element("Queue B")
    make_element("Queue A")
    make_element("")  # a robot may write an empty name; it is no choice to offer
    make_trigger(TriggerType.QUEUE, name="Q robot", queue_name="Only a trigger")
    for url in (CREATE, UPLOAD):
        page = as_operator.get(url).content.decode()
        assert 'list="queue-names"' in page
        datalist = page.split('<datalist id="queue-names">')[1].split("</datalist>")[0]
        assert datalist == "".join(
            f'<option value="{name}"></option>' for name in ("Only a trigger", "Queue A", "Queue B")
        )


@oo_db
def test_an_upload_reports_references_repeated_in_the_file_and_already_in_the_queue(as_operator):
    make_element("Queue A", reference="INV-9")
    content = "reference,data\nINV-1,a\nINV-2,b\n\nINV-1,c\nINV-9,d\n,e\n,f\n"
    page = as_operator.post(UPLOAD, {"queue_name": "Queue A", "file": csv_file(content)})
    body = html.unescape(page.content.decode())
    # Row numbers as a spreadsheet shows them (the blank line 4 counts); empty references are fine.
    assert "“INV-1”: rows 2, 5" in body
    assert "1 reference is already in “Queue A”" in body and "“INV-9”" in body
    assert "There is no queue" not in body
    assert QueueElement.objects.count() == 1

    response = click(as_operator, UPLOAD, page, "Add anyway: 6 elements")
    assert "Added 6 elements to “Queue A”." in messages_of(response)
    assert QueueElement.objects.filter(reference="INV-1").count() == 2
    detail = last_audit("queues.upload").detail
    assert "1 references repeated in the file, 1 references already in the queue" in detail


@oo_db
def test_an_upload_into_a_new_queue_says_so_and_suggests_the_close_name(as_operator):
    make_element("Faktura ind")
    page = as_operator.post(
        UPLOAD, {"queue_name": "Faktura in", "file": csv_file("reference,data\nr,d\n")}
    )
    body = html.unescape(page.content.decode())
    assert "There is no queue “Faktura in”" in body
    assert f'href="{UPLOAD}?queue=Faktura%20ind"' in body
    assert QueueElement.objects.count() == 1
    click(as_operator, UPLOAD, page, "Create the queue and add 1 element")
    assert QueueElement.objects.filter(queue_name="Faktura in").count() == 1
    assert "confirmed: new queue" in last_audit("queues.upload").detail


@oo_db
def test_a_clean_upload_into_a_known_queue_shows_no_warning(as_operator):
    make_element("Queue A", reference="old")
    page = as_operator.post(
        UPLOAD, {"queue_name": "Queue A", "file": csv_file("reference,data\nnew,d\n")}
    )
    assert 'role="alert"' not in page.content.decode()
    click(as_operator, UPLOAD, page, "Add 1 element")
    assert "confirmed" not in last_audit("queues.upload").detail


@oo_tx
@pytest.mark.parametrize("queue_name", ["Ny kø", "line\nbreak"])
def test_openorchestrator_reads_elements_added_after_confirming(as_operator, db_util, queue_name):
    url = f"{CREATE}?queue={quote(queue_name)}"
    page = as_operator.post(url, {"reference": "dup", "data": "første"})
    assert "There is no queue" in page.content.decode()
    assert not db_util.get_queue_elements(queue_name, limit=None)
    click(as_operator, url, page, "Create the queue and add")
    upload = as_operator.post(
        f"{UPLOAD}?queue={quote(queue_name)}", {"file": csv_file("reference,data\ndup,anden\n")}
    )
    assert "1 reference is already in" in html.unescape(upload.content.decode())
    click(as_operator, UPLOAD, upload, "Add anyway: 1 element")
    theirs = db_util.get_queue_elements(queue_name, reference="dup", limit=None)
    assert sorted(e.data for e in theirs) == ["anden", "første"]
    assert {e.created_by for e in theirs} == {"test\\otto"}
