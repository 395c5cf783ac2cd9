from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest

from logs.links import _window, logs_around_url, process_jobs_url, process_logs_url, window_query
from tests.helpers import make_log, oo_db


@oo_db
def test_links_point_at_the_logs_pages(as_viewer):
    log = make_log("Proc/Ø")
    assert logs_around_url(log) == f"/logs/{log.pk}/around/"
    assert logs_around_url(log, minutes=5) == f"/logs/{log.pk}/around/?minutes=5"
    start, end = dt.datetime(2026, 11, 25, 10, 0, 0, 5), dt.datetime(2026, 11, 25, 11, 0, 0, 9)
    url = process_logs_url("Proc/Ø", start, end)
    assert (
        url
        == "/logs/process/Proc/%C3%98/?start=2026-11-25T10%3A00%3A00&end=2026-11-25T11%3A00%3A00"
    )
    assert process_logs_url("Proc/Ø") == "/logs/process/Proc/%C3%98/"
    response = as_viewer.get(url)
    assert response.status_code == 200 and response.context["filter"].is_valid()
    assert [r.record.pk for r in response.context["table"].paginated_rows] == [log.pk]


def test_the_jobs_link_of_a_process():
    end = dt.datetime(2026, 11, 25, 9, 7, 0)
    assert process_jobs_url("Proc A", None, end) == (
        "/jobs/?process=Proc+A&end=2026-11-25T09%3A07%3A00"
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (None, None),
        (dt.datetime(2026, 11, 28, 9, 5, 7, 123456), None),
        (None, dt.datetime(2026, 1, 2, 23, 59, 59)),
        (dt.datetime(999, 1, 1), dt.datetime(9998, 12, 31, 23, 59, 59, 999999)),
    ],
)
def test_the_window_is_written_as_urlencode_writes_it(start, end):
    assert window_query(start, end) == urlencode(_window(start, end))
