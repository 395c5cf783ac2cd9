"""report_result: one rule for the level of a write's message, the same on pages and in the admin."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from orchestrator_site.reporting import report_result
from orchestrator_site.writes import WriteResult


def reported(result: WriteResult) -> list[tuple[int, str]]:
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)
    report_result(request, result)
    return [(m.level, m.message) for m in request._messages]


@pytest.mark.parametrize(
    "asked, changed, level",
    [
        (1, 0, messages.ERROR),  # asked and nothing changed
        (5, 0, messages.ERROR),
        (5, 3, messages.WARNING),  # some were skipped
        (5, 5, messages.SUCCESS),
        (0, 0, messages.SUCCESS),  # nothing was asked: nothing to fault
    ],
)
def test_the_level_follows_the_counts(asked, changed, level):
    result = WriteResult(asked=asked, changed=changed, message="What happened.")
    assert reported(result) == [(level, "What happened.")]


def test_the_warnings_follow_the_message():
    result = WriteResult(asked=2, changed=2, message="Done.", warnings=["Mind this.", "And this."])
    assert reported(result) == [
        (messages.SUCCESS, "Done."),
        (messages.WARNING, "Mind this."),
        (messages.WARNING, "And this."),
    ]


def test_a_revealed_value_is_never_shown_by_the_result():
    result = WriteResult(asked=1, changed=1, message="Revealed.", value="s3cret")
    assert "s3cret" not in repr(result)
    assert all("s3cret" not in text for _level, text in reported(result))
