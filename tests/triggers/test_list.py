"""The triggers list: filters, search, declared sorts, state in the URL, one query for the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from orchestrator_site import health
from tests.helpers import make_trigger, oo_db
from triggers.models import TriggerStatus, TriggerType

LIST = "/triggers/"


def names(response) -> list[str]:
    return [row.record.trigger_name for row in response.context["table"].paginated_rows]


@pytest.fixture
def triggers():
    later = dt.datetime.now() + dt.timedelta(days=1)
    return {
        "a": make_trigger(
            TriggerType.SINGLE, name="Alpha", process="Invoices", priority=5, next_run=later
        ),
        "b": make_trigger(
            TriggerType.SCHEDULED,
            name="Beta",
            process="Payroll",
            status=TriggerStatus.PAUSED,
            cron="*/5 * * * *",
            next_run=dt.datetime.now() - dt.timedelta(hours=1),
            is_git_repo=True,
            git_branch="dev",
            process_path="https://git.example/robot.git",
        ),
        "c": make_trigger(
            TriggerType.QUEUE,
            name="Gamma",
            process="Mail",
            queue_name="Inbox æ",
            status=TriggerStatus.RUNNING,
            priority=-1,
            scheduler_whitelist=["PC-1"],
        ),
    }


@oo_db
def test_it_lists_every_column(as_viewer, triggers):
    response = as_viewer.get(LIST)
    assert response.status_code == 200
    assert names(response) == ["Alpha", "Beta", "Gamma"]
    page = response.content.decode()
    for text in (
        "badge-PAUSED",
        "badge-RUNNING",
        "badge-IDLE",
        "*/5 * * * *",
        "Inbox æ",
        "overdue",
        "PC-1",
        "git dev",
        "blocking",
        "Payroll",
        "on queue",
    ):
        assert text in page, text
    assert page.count("badge-overdue") == 1  # only Beta's next run is in the past


@oo_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=QUEUE", ["Gamma"]),
        ("status=PAUSED&status=RUNNING", ["Beta", "Gamma"]),
        ("q=payroll", ["Beta"]),
        ("q=git.example", ["Beta"]),
        ("q=inbox", ["Gamma"]),
        ("q=alp", ["Alpha"]),
        ("sort=-priority", ["Alpha", "Beta", "Gamma"]),
        ("sort=priority", ["Gamma", "Beta", "Alpha"]),
        ("sort=next_run_at", ["Gamma", "Beta", "Alpha"]),
        ("sort=-trigger_name", ["Gamma", "Beta", "Alpha"]),
    ],
)
def test_filters_search_and_sorts(as_viewer, triggers, query, expected):
    response = as_viewer.get(f"{LIST}?{query}")
    assert response.status_code == 200
    got = names(response)
    if query == "sort=next_run_at":  # NULL (queue) placement differs by backend
        got = [n for n in got if n != "Gamma"]
        expected = [n for n in expected if n != "Gamma"]
    assert got == expected


@oo_db
def test_filter_state_stays_in_the_links(as_operator, triggers):
    page = as_operator.get(f"{LIST}?type=SCHEDULED&sort=-priority").content.decode()
    assert 'name="next" value="/triggers/?type=SCHEDULED&amp;sort=-priority"' in page
    # Beta is paused and overdue: resuming needs a choice, so the button opens the resume page.
    assert f'href="/triggers/{triggers["b"].pk}/resume/?next=' in page


@oo_db
@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("type=BOGUS", "Select a valid choice. BOGUS is not one of the available choices."),
        ("status=nope", "Select a valid choice. nope is not one of the available choices."),
        ("sort=process_path", "This list can only be sorted by a column heading."),
        ("page=x", "Page must be a whole number from 1 to 10,000."),
    ],
)
def test_invalid_filters_show_errors_and_no_rows(as_viewer, triggers, query, error):
    response = as_viewer.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert names(response) == []
    assert error in response.content.decode()


@oo_db
def test_rows_come_from_one_query(as_viewer, triggers):
    for i in range(30):
        make_trigger(TriggerType.SCHEDULED if i % 2 else TriggerType.QUEUE, name=f"T{i:02}")
    health.schema_status()  # kept per process, as in a running server; each test starts without it
    with CaptureQueriesContext(connections["orchestrator"]) as queries:
        response = as_viewer.get(LIST)
    assert len(names(response)) == 33
    on_triggers = [q["sql"] for q in queries if '"Triggers"' in q["sql"]]
    assert len(on_triggers) == 1 and "COUNT" not in on_triggers[0]
    # Besides: at most the header's Scheduler summary and the schema check (both cached).
    assert len(queries) <= 3


@oo_db
def test_buttons_follow_permissions(as_viewer, as_operator, as_admin, triggers):
    viewer = as_viewer.get(LIST).content.decode()
    assert "/pause/" not in viewer and "/edit/" not in viewer
    operator = as_operator.get(LIST).content.decode()
    assert "/pause/" in operator and "/kill/" in operator and "/edit/" not in operator
    admin = as_admin.get(LIST).content.decode()
    assert "/edit/" in admin and f"/triggers/{triggers['a'].pk}/delete/" in admin
    assert f"/triggers/{triggers['c'].pk}/delete/" not in admin  # running: no delete button


@oo_db
def test_it_requires_the_viewer_role(as_outsider):
    assert as_outsider.get(LIST).status_code == 403
