"""The one rule for the line a list shows of a log message (orchestrator_site.errorline)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.urls import reverse

from orchestrator_site.errorline import summary_line
from tests.helpers import oo_tx

GENERIC = "An uncaught error ocurred during the process:\n"
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "C:\\Robots\\main.py", line 88, in process\n'
    "    amount = row['beløb']\n"
    "             ~~~^^^^^^^^^\n"
)


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("plain message", "plain message"),
        ("plain message\nmore", "plain message"),
        ("  padded  \n", "padded"),
        ("", ""),
        (None, ""),
        ("\n\n", ""),
        ("Windows line\r\nnext", "Windows line"),
        # OpenOrchestrator's generic line: the exception line itself, without the generic line.
        (GENERIC + "TimeoutError: The page did not load", "TimeoutError: The page did not load"),
        (GENERIC + "\n\nValueError: CPR mangler\n", "ValueError: CPR mangler"),
        (GENERIC + TRACEBACK + "KeyError: 'beløb'\n", "KeyError: 'beløb'"),
        # The demo's message: a line, then a traceback ending in the same exception.
        (GENERIC + "KeyError: 'beløb'\n" + TRACEBACK + "KeyError: 'beløb'", "KeyError: 'beløb'"),
        # An exception whose text spans lines (Playwright): its first line, not the call log.
        (
            GENERIC
            + TRACEBACK
            + "playwright._impl._errors.TimeoutError: Page.goto: Timeout 30000ms exceeded.\n"
            'Call log:\n  - navigating to "https://example.org/"\n',
            "playwright._impl._errors.TimeoutError: Page.goto: Timeout 30000ms exceeded.",
        ),
        # Chained exceptions: the last traceback's exception is the one that ended the robot.
        (
            GENERIC + TRACEBACK + "KeyError: 'a'\n\nDuring handling of the above exception, "
            "another exception occurred:\n\n" + TRACEBACK + "RuntimeError: giving up",
            "RuntimeError: giving up",
        ),
        # Warnings on stderr before the traceback do not hide the error.
        (
            GENERIC + "DeprecationWarning: old API\n" + TRACEBACK + "OSError: disk full",
            "OSError: disk full",
        ),
        # A traceback cut off after its frames (only the end is missing): its last line.
        (GENERIC + TRACEBACK.rstrip("\n"), "~~~^^^^^^^^^"),
        # The generic line alone (the robot wrote nothing to stderr).
        (GENERIC, "An uncaught error ocurred during the process:"),
        # OpenOrchestrator's launch failure: the announcing line, the exception's name and text.
        (
            "Scheduler couldn't launch the process:\nFileNotFoundError:\n[Errno 2] No such file",
            "Scheduler couldn't launch the process: FileNotFoundError: [Errno 2] No such file",
        ),
        ("Some step failed:\ndetails here\nmore", "Some step failed: details here"),
        # A similar but different first line is not OpenOrchestrator's: kept.
        (
            "An uncaught error occurred during the process:\nValueError: x",
            "An uncaught error occurred during the process: ValueError: x",
        ),
    ],
)
def test_it_shows_the_line_that_says_what_went_wrong(message, shown):
    assert summary_line(message) == shown


def test_the_template_filter_is_the_same_rule():
    from orchestrator_site.templatetags.console_format import summary_line as template_filter

    message = GENERIC + TRACEBACK + "KeyError: 'beløb'"
    assert template_filter(message) == summary_line(message) == "KeyError: 'beløb'"


@oo_tx
def test_a_job_failed_by_openorchestrators_scheduler_shows_the_robots_exception(as_viewer, db_util):
    """A real robot's stderr, logged by OpenOrchestrator 3.0.0's own runner.fail_job."""
    from OpenOrchestrator.database.triggers import TriggerStatus as OOTriggerStatus
    from OpenOrchestrator.scheduler import runner

    trigger_id = db_util.create_single_trigger(
        "Robot T", "Robot T", dt.datetime.now(), "robot.py", "", False, False, 0
    )
    trigger = db_util.get_trigger(trigger_id)
    job = db_util.start_job("Robot T", "SCHED-1")
    robot = subprocess.Popen(  # noqa: S603 - a fixed command line
        [
            sys.executable,
            "-c",
            "def step():\n    raise TimeoutError('The page did not load')\nstep()",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    runner.fail_job(SimpleNamespace(process=robot, trigger=trigger, job=job, process_folder=None))
    assert db_util.get_trigger(trigger.id).process_status == OOTriggerStatus.FAILED

    html = as_viewer.get(reverse("logs:process", args=["Robot T"])).content.decode()
    assert "<summary>TimeoutError: The page did not load</summary>" in html
    assert "Traceback (most recent call last):" in html  # the whole text, one click away
