"""Around this log: the process's lines within +/- N minutes, that line highlighted."""

from __future__ import annotations

import datetime as dt
import uuid

from django.urls import reverse

from logs.links import logs_around_url
from tests.helpers import NOW, make_log, oo_db


def messages_of(response) -> list[str]:
    return [row.record.log_message for row in response.context["table"].rows]


@oo_db
def test_it_shows_one_minute_around_by_default_with_the_line_highlighted(as_viewer):
    make_log(message="too early", at=NOW - dt.timedelta(seconds=61))
    make_log(message="before", at=NOW - dt.timedelta(seconds=59))
    target = make_log(message="the error", at=NOW)
    make_log(message="after", at=NOW + dt.timedelta(seconds=30))
    make_log(message="too late", at=NOW + dt.timedelta(seconds=61))
    make_log("Other process", message="elsewhere", at=NOW)
    response = as_viewer.get(logs_around_url(target))
    assert response.status_code == 200
    assert messages_of(response) == ["before", "the error", "after"]
    html = response.content.decode()
    assert html.count('class="highlight ') == 1  # tables2 adds even/odd after it
    assert 'id="this-log"' in html
    highlighted = html.split('class="highlight ')[1].split("</tr>")[0]
    assert "the error" in highlighted


@oo_db
def test_the_window_is_adjustable(as_viewer):
    make_log(message="five minutes before", at=NOW - dt.timedelta(minutes=5))
    target = make_log(message="the error", at=NOW)
    response = as_viewer.get(logs_around_url(target, minutes=5))
    assert messages_of(response) == ["five minutes before", "the error"]
    assert b'name="minutes"' in response.content


@oo_db
def test_bad_minutes_show_an_error_and_no_rows(as_viewer):
    target = make_log()
    for bad in ("abc", "0", "-3", "100000"):
        response = as_viewer.get(reverse("logs:around", args=[target.pk]), {"minutes": bad})
        assert response.status_code == 200 and messages_of(response) == []
        assert response.context["form"].errors


@oo_db
def test_an_unknown_or_malformed_id_is_404(as_viewer):
    assert as_viewer.get(reverse("logs:around", args=[uuid.uuid4()])).status_code == 404
    assert as_viewer.get("/logs/not-a-uuid/around/").status_code == 404


@oo_db
def test_it_bounds_the_rows_around_a_busy_line(as_viewer, monkeypatch):
    monkeypatch.setattr("logs.queries.AROUND_MAX_ROWS", 10)
    for i in range(1, 20):
        make_log(message=f"b{i}", at=NOW - dt.timedelta(seconds=i))
        make_log(message=f"a{i}", at=NOW + dt.timedelta(seconds=i))
    target = make_log(message="the error", at=NOW)
    response = as_viewer.get(logs_around_url(target))
    found = messages_of(response)
    assert len(found) == 10 and "the error" in found
    assert found[:5] == ["b5", "b4", "b3", "b2", "b1"]
    assert response.context["truncated"] is True


@oo_db
def test_it_escapes_and_requires_permission(as_viewer, as_outsider):
    target = make_log("<b>p</b>", message="<script>x()</script>")
    html = as_viewer.get(logs_around_url(target)).content.decode()
    assert "<script>x()" not in html and "&lt;script&gt;x()" in html and "<b>p</b>" not in html
    assert as_outsider.get(logs_around_url(target)).status_code == 403
