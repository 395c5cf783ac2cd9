"""CSV export of the filtered elements: a POST with CSRF from the list's button, streamed, capped,
formula-safe, audited. A GET (a link or an image on any page) only shows the button."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from django.test import Client
from django.urls import reverse

from orchestrator_site import audit_targets
from orchestrator_site.identity import signed_in_environ
from orchestrator_site.models import AuditEntry
from queues.models import QueueStatus
from tests.conftest import PERSONAS
from tests.helpers import NOW, export_form, make_element, oo_db
from tests.queues.util import last_audit

URL = reverse("queues:export", args=["Queue A"])
LIST = reverse("queues:elements", args=["Queue A"])


def read(response) -> list[list[str]]:
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


def exports() -> int:
    return AuditEntry.objects.filter(action="queues.export").count()


@oo_db
def test_the_list_s_button_posts_its_filter_and_downloads_those_elements(as_viewer):
    make_element(status=QueueStatus.FAILED, reference="f1", data='{"a": "æ"}', message="boom")
    make_element(status=QueueStatus.DONE, reference="d1")
    make_element("Queue B", status=QueueStatus.FAILED, reference="other")
    page = as_viewer.get(LIST, {"status": "FAILED", "text": "boom", "page": "1"})
    action, fields = export_form(page.content.decode())
    assert action == URL
    assert ("status", "FAILED") in fields and ("text", "boom") in fields
    assert "page" not in dict(fields)  # only the filter travels

    response = as_viewer.post(action, dict(fields))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="queue-Queue_A-20261125-103015.csv"' in response["Content-Disposition"]
    rows = read(response)
    assert rows[0][:5] == ["id", "queue_name", "status", "reference", "data"]
    assert [r[3] for r in rows[1:]] == ["f1"]
    assert rows[1][4] == '{"a": "æ"}' and rows[1][8] == "boom"
    assert rows[1][5] == (NOW - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    entry = last_audit("queues.export")
    assert entry.target_ids == "Queue A" and entry.username == "test\\vera"
    assert "status=FAILED" in entry.filter_used


@oo_db
def test_several_values_of_a_filter_travel_with_the_button(as_viewer):
    for status, reference in ((QueueStatus.FAILED, "f"), (QueueStatus.DONE, "d"), ("NEW", "n")):
        make_element(status=status, reference=reference)
    page = as_viewer.get(LIST + "?status=FAILED&status=DONE")
    action, fields = export_form(page.content.decode())
    data = {"status": [v for k, v in fields if k == "status"]}
    assert sorted(r[3] for r in read(as_viewer.post(action, data))[1:]) == ["d", "f"]


@oo_db
def test_a_get_only_shows_the_button_and_writes_nothing(as_viewer):
    make_element(status=QueueStatus.FAILED, reference="f1")
    response = as_viewer.get(URL, {"status": "FAILED"})
    assert response.status_code == 200 and not response.streaming
    assert "text/html" in response["Content-Type"]
    action, fields = export_form(response.content.decode())
    assert action == URL and "csrfmiddlewaretoken" in dict(fields)
    assert [f for f in fields if f[0] != "csrfmiddlewaretoken"] == [("status", "FAILED")]
    assert "f1" not in response.content.decode()
    assert exports() == 0


@oo_db
def test_an_export_from_another_site_is_refused_without_the_csrf_token():
    make_element(status=QueueStatus.FAILED, reference="f1")
    browser = Client(enforce_csrf_checks=True, **signed_in_environ(PERSONAS["viewer"]))
    response = browser.post(URL, {"status": "FAILED"})
    assert response.status_code == 403 and not response.streaming
    assert exports() == 0


@oo_db
def test_it_stops_at_the_configured_row_limit(as_viewer, settings):
    settings.CONSOLE_CSV_MAX_ROWS = 3
    for i in range(5):
        make_element(reference=f"r{i}")
    assert len(read(as_viewer.post(URL))) == 1 + 3


@oo_db
def test_formulas_are_neutralised(as_viewer):
    make_element(reference='=HYPERLINK("http://x")', data="+1+1", message="@SUM(A1)")
    row = read(as_viewer.post(URL))[1]
    assert row[3].startswith("'=") and row[4] == "'+1+1" and row[8] == "'@SUM(A1)"


@oo_db
def test_a_bad_filter_goes_back_to_the_list_with_the_error(as_viewer):
    for method in (as_viewer.get, as_viewer.post):
        response = method(URL, {"status": "BOGUS"})
        assert response.status_code == 302
        assert response["Location"] == f"{LIST}?status=BOGUS"
    assert exports() == 0


@oo_db
def test_it_requires_the_view_permission(as_outsider):
    make_element(status=QueueStatus.FAILED)
    assert as_outsider.post(URL).status_code == 403
    assert as_outsider.get(URL).status_code == 403
    assert exports() == 0


@oo_db
def test_an_odd_queue_name_exports_exactly_that_queue(as_viewer):
    name = "Kø / 50% "
    make_element(name, reference="mine")
    make_element("Kø / 50%", reference="not mine")
    page = as_viewer.get(reverse("queues:elements", args=[name]))
    action, fields = export_form(page.content.decode())
    assert action == reverse("queues:export", args=[name])
    rows = read(as_viewer.post(action, dict(fields)))
    assert [(r[1], r[3]) for r in rows[1:]] == [(name, "mine")]
    # Stored with its "%" escaped (orchestrator_site.audit.join_ids), read back exactly.
    assert audit_targets.target_ids(last_audit("queues.export")) == [name]


def radios(page: str) -> dict[str, bool]:
    """The export form's format radios as a browser shows them: value -> checked."""
    found = re.findall(r'<input type="radio" name="dialect" value="(\w+)"([^>]*)>', page)
    return {value: "checked" in rest for value, rest in found}


@oo_db
def test_the_list_offers_excel_for_danish_and_the_file_opens_there(as_viewer):
    make_element(status=QueueStatus.FAILED, reference="f;1", data='Kø "1"\nlinje 2')
    page = as_viewer.get(LIST).content.decode()
    assert radios(page) == {"excel": False, "standard": True}
    assert "Excel (Danish)" in page and "Standard CSV" in page
    action, fields = export_form(page)
    response = as_viewer.post(action, {**dict(fields), "dialect": "excel"})
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeffid;queue_name;status;reference;data".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [(r[3], r[4]) for r in rows[1:]] == [("f;1", 'Kø "1"\nlinje 2')]
    assert 'filename="queue-Queue_A-20261125-103015.csv"' in response["Content-Disposition"]
    assert exports() == 1


@oo_db
def test_a_link_with_dialect_excel_preselects_it_and_an_unknown_one_goes_back(as_viewer):
    page = as_viewer.get(URL, {"status": "FAILED", "dialect": "excel"}).content.decode()
    assert radios(page) == {"excel": True, "standard": False}
    response = as_viewer.post(URL, {"status": "FAILED", "dialect": "lotus"})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?status=FAILED"
    assert exports() == 0


@oo_db
def test_dialect_excel_in_the_url_also_chooses_excel_for_the_download(as_viewer):
    make_element(reference="r1")
    raw = b"".join(as_viewer.post(f"{URL}?dialect=excel").streaming_content)
    assert raw.startswith("\ufeffid;queue_name;".encode())
