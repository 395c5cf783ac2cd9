"""ERROR lines by cause: the groups page and the narrowing the log search calls for `group`."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.urls import reverse

from logs import groups
from logs.models import Log, LogLevel, LogSignature
from logs.services import delete_logs
from orchestrator_site import groupstore
from orchestrator_site.signatures import signature
from tests.helpers import NOW, make_log, oo_db

URL = reverse("logs:error_groups")
UNCAUGHT = "An uncaught error ocurred during the process:\n"
TIMEOUT = "TimeoutError: The page did not load within 30 seconds."


def error(process: str = "Proc A", message: str = UNCAUGHT + TIMEOUT, hours: float = 1) -> Log:
    return make_log(
        process, level=LogLevel.ERROR, message=message, at=NOW - dt.timedelta(hours=hours)
    )


def shown(response) -> list[tuple[str, int]]:
    return [(item.group.text, item.group.count) for item in response.context["groups"]]


@oo_db
def test_error_lines_are_grouped_by_cause_per_process(as_viewer):
    error("Proc A", hours=1)
    error("Proc B", UNCAUGHT + TIMEOUT.replace("30", "60"), hours=2)
    error(
        "Proc B",
        "Scheduler couldn't launch the process:\nFileNotFoundError: C:\\Robots\\B\\main.py",
    )
    make_log("Proc A", message=TIMEOUT)  # INFO: not an error
    response = as_viewer.get(URL)
    assert shown(response) == [
        (signature(TIMEOUT).text, 2),
        ("Scheduler couldn't launch the process: FileNotFoundError: <path>", 1),
    ]
    assert shown(as_viewer.get(URL, {"process": "Proc A"})) == [(signature(TIMEOUT).text, 1)]
    item = response.context["groups"][0]
    assert item.link.startswith("/logs/search/?level=ERROR&group=" + signature(TIMEOUT).key)


@oo_db
def test_signatures_are_kept_once_and_narrow_a_queryset(as_viewer):
    lines = [error(hours=1), error(hours=2)]
    error(message="KeyError: 'x'")
    assert groupstore.fill(groups.SOURCE, NOW) == 3
    assert groupstore.fill(groups.SOURCE, NOW) == 0
    assert LogSignature.objects.count() == 3
    narrowed = groups.narrow_to_group(
        Log.objects.all(), signature(TIMEOUT).key, NOW - dt.timedelta(days=1), NOW
    )
    assert sorted(log.pk for log in narrowed) == sorted(log.pk for log in lines)


@oo_db
def test_deleted_lines_drop_out(as_admin):
    error(hours=1)
    gone = error(hours=2)
    assert shown(as_admin.get(URL)) == [(signature(TIMEOUT).text, 2)]
    delete_logs(user=get_user_model().objects.get(username="test\\ada"), ids=[gone.pk])
    assert shown(as_admin.get(URL)) == [(signature(TIMEOUT).text, 1)]


@oo_db
def test_hostile_text_and_bad_input(as_viewer):
    error("<i>Proc</i>", "<script>alert('x')</script>")
    page = as_viewer.get(URL).content.decode()
    assert "<script>alert" not in page and "<i>Proc</i>" not in page
    response = as_viewer.get(URL, {"until": "not a date"})
    assert response.status_code == 200 and response.context["form"].errors


@oo_db
def test_the_search_follows_a_group_link_to_exactly_its_lines(as_viewer):
    """The groups page's link lands on the search narrowed to that cause, which says so."""
    timeouts = {error("Proc A", hours=1).pk, error("Proc B", hours=3).pk}
    error("Proc A", "KeyError: 'beløb'", hours=2)
    make_log("Proc A", message=UNCAUGHT + TIMEOUT)  # INFO: not in an error group
    item = as_viewer.get(URL).context["groups"][0]
    response = as_viewer.get(item.link)
    assert response.status_code == 200
    found = {row.record.pk for row in response.context["table"].paginated_rows}
    assert found == timeouts
    page = response.content.decode()
    assert "Only the error group" in page and "Search without the group" in page


@oo_db
def test_a_malformed_group_is_a_form_error_not_every_line(as_viewer):
    error("Proc A", hours=1)
    response = as_viewer.get(reverse("logs:search"), {"level": "ERROR", "group": "zz'<x>"})
    assert response.status_code == 200
    assert not list(response.context["table"].paginated_rows)
    assert "Not a failure group" in response.content.decode()
