"""CSV export of the filtered logs: a POST with CSRF from the page's button, streamed, capped (the
cap said on the page), audited. A GET (a link or an image on any page) only shows the button."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.test import Client
from django.urls import reverse

from logs.models import LogLevel
from orchestrator_site.identity import signed_in_environ
from orchestrator_site.models import AuditEntry
from tests.conftest import PERSONAS
from tests.helpers import NOW, export_form, make_log, oo_db


def export(client, process="Proc A", **query):
    response = client.post(reverse("logs:export", args=[process]), query)
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode()
    return response, list(csv.reader(io.StringIO(text)))


def exports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="logs.export"))


@oo_db
def test_the_page_s_button_posts_its_filter_and_downloads_those_logs_newest_first(as_viewer):
    make_log(level=LogLevel.ERROR, message="line 1\nline 2, with comma", at=NOW)
    make_log(level=LogLevel.INFO, message="info", at=NOW - dt.timedelta(minutes=1))
    make_log(level=LogLevel.ERROR, message="older", at=NOW - dt.timedelta(minutes=2))
    make_log("Proc B", level=LogLevel.ERROR, message="other")
    page = as_viewer.get(reverse("logs:process", args=["Proc A"]), {"level": "ERROR"})
    action, fields = export_form(page.content.decode())
    assert action == reverse("logs:export", args=["Proc A"]) and ("level", "ERROR") in fields

    response = as_viewer.post(action, dict(fields))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["log_time", "log_level", "process_name", "job_id", "log_message"]
    assert [r[4] for r in rows[1:]] == ["line 1\nline 2, with comma", "older"]
    assert rows[1][0] == "2026-11-25 10:30:15.123456"
    [entry] = exports()
    assert entry.target_ids == "Proc A" and entry.username == "test\\vera"
    assert entry.filter_used == "level=ERROR"


@oo_db
def test_a_get_only_shows_the_button_and_writes_nothing(as_viewer):
    make_log(message="secret-ish line")
    url = reverse("logs:export", args=["Proc A"])
    response = as_viewer.get(url, {"level": "INFO"})
    assert response.status_code == 200 and not response.streaming
    body = response.content.decode()
    assert "secret-ish line" not in body
    action, fields = export_form(body)
    assert action == url and ("level", "INFO") in fields
    assert exports() == []


@oo_db
def test_an_export_from_another_site_is_refused_without_the_csrf_token():
    make_log(message="m")
    browser = Client(enforce_csrf_checks=True, **signed_in_environ(PERSONAS["viewer"]))
    response = browser.post(reverse("logs:export", args=["Proc A"]))
    assert response.status_code == 403 and not response.streaming
    assert exports() == []


@oo_db
def test_it_stops_at_the_row_cap_and_says_so(as_viewer, settings):
    settings.CONSOLE_CSV_MAX_ROWS = 3
    for i in range(5):
        make_log(message=f"m{i}", at=NOW - dt.timedelta(seconds=i))
    _, rows = export(as_viewer)
    assert [r[4] for r in rows[1:4]] == ["m0", "m1", "m2"]
    assert rows[4][0].startswith("(truncated: only the newest 3")
    page = as_viewer.get(reverse("logs:process", args=["Proc A"])).content.decode()
    assert "at most 3 rows" in page


@oo_db
def test_formula_like_cells_are_neutralised(as_viewer):
    make_log(message='=HYPERLINK("http://evil.example")')
    _, rows = export(as_viewer)
    assert rows[1][4] == '\'=HYPERLINK("http://evil.example")'


@oo_db
def test_an_invalid_filter_goes_back_to_the_page(as_viewer):
    url = reverse("logs:export", args=["Proc A"])
    for method in (as_viewer.get, as_viewer.post):
        response = method(url, {"start": "bad"})
        assert response.status_code == 302 and "start=bad" in response["Location"]
    assert exports() == []


@oo_db
def test_it_keeps_non_ascii_and_requires_permission(as_viewer, as_outsider):
    make_log("Robot æøå", message="Grüße 東京")
    _, rows = export(as_viewer, process="Robot æøå")
    assert rows[1][2:5:2] == ["Robot æøå", "Grüße 東京"]
    assert as_outsider.post(reverse("logs:export", args=["Proc A"])).status_code == 403


@oo_db
def test_excel_for_danish_and_the_file_name_pattern(as_viewer):
    make_log("Proc/Ø", message='fejl; "x"\nlinje 2 æøå', at=NOW)
    response = as_viewer.post(reverse("logs:export", args=["Proc/Ø"]), {"dialect": "excel"})
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufefflog_time;log_level;".encode()) and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[1][4] == 'fejl; "x"\nlinje 2 æøå'
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''logs-Proc_%C3%98-20261125-103015.csv"
    )
