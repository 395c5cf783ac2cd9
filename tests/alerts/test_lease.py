"""Two copies of `manage.py alerts --once`, started as separate processes at the same moment on one
console database, send one alert: the lease in the database lets one of them work.

The SMTP server holds the first message it gets until the test opens its gate, so the copy that
sends keeps the lease while the other one tries: without the lease, the second copy would find
the same queued alert and send it too.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from OpenOrchestrator.database.triggers import TriggerStatus as OOTriggerStatus

from tests.helpers import oo_tx

ROOT = Path(__file__).resolve().parents[2]
CREATE_RULE = """
from alerts import services
services.create_rule(user=None, kind="trigger_problem", values=services.RuleValues(
    name="Any trigger", target="", threshold=1, minutes=15, email_to="ops@example.com",
    webhook_url="", webhook_format="json"))
"""


def copy_environment(folder: Path, smtp_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.alerts.copy_settings",
        "CONSOLE_TEST_ALERTS_DIR": str(folder),
        "CONSOLE_TEST_SMTP_PORT": str(smtp_port),
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def start_copy(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "alerts", "--once"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def first_to_end(copies: list[subprocess.Popen], timeout: float) -> subprocess.Popen:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for copy in copies:
            if copy.poll() is not None:
                return copy
        time.sleep(0.1)
    raise AssertionError("neither copy ended: both wait at the SMTP server?")


@oo_tx
def test_two_copies_at_once_send_one_alert(db_util, smtp_server, tmp_path):
    inbox, port = smtp_server
    env = copy_environment(tmp_path, port)
    for args in (("migrate", "--noinput", "-v0"), ("shell", "-c", CREATE_RULE)):
        done = manage(env, *args)
        assert done.returncode == 0, done.stderr
    trigger_id = db_util.create_single_trigger(
        "Nightly run", "Proc T", dt.datetime.now(), "C:/r/main.py", "", False, True, 0
    )
    db_util.set_trigger_status(trigger_id, OOTriggerStatus.FAILED)
    inbox.gate = threading.Event()

    copies = [start_copy(env), start_copy(env)]
    try:
        skipper = first_to_end(copies, timeout=120)
        skipped = skipper.communicate(timeout=30)[0]
        inbox.gate.set()
        (sender,) = [copy for copy in copies if copy is not skipper]
        sent = sender.communicate(timeout=120)[0]
    finally:
        inbox.gate.set()
        for copy in copies:
            if copy.poll() is None:
                copy.kill()
                copy.wait()

    assert skipper.returncode == 0 and "Skipped: another copy" in skipped, skipped
    assert "holds the lease until" in skipped
    assert sender.returncode == 0, sent
    assert "Sent alert by E-mail to ops@example.com: Trigger “Nightly run”: Failed" in sent
    assert len(inbox.messages) == 1

    later = manage(env, "alerts", "--once")  # the lease was given back; nothing is due
    assert later.returncode == 0 and "0 opened" in later.stdout and "0 sent" in later.stdout
    assert len(inbox.messages) == 1


# --- The lease itself, in one process -------------------------------------------------------------


@pytest.mark.no_orchestrator_db
@pytest.mark.django_db
def test_the_lease_is_one_holders_until_it_expires(monkeypatch):
    from alerts import lease

    now = [dt.datetime(2026, 11, 25, 10, 0)]
    monkeypatch.setattr("orchestrator_site.clock.now", lambda: now[0])
    assert lease.acquire("A", 120)
    assert not lease.acquire("B", 120)  # held
    assert lease.acquire("A", 120)  # the holder renews
    now[0] += dt.timedelta(seconds=119)
    assert not lease.acquire("B", 120)
    now[0] += dt.timedelta(seconds=2)  # expired: A stopped renewing (it crashed)
    assert lease.acquire("B", 120)
    assert not lease.renew("A", 120)  # A, back, learns that it lost it
    lease.release("A")  # giving back what one does not hold changes nothing
    assert lease.current().holder == "B"
    lease.release("B")
    assert lease.current() is None and lease.acquire("A", 120)


@oo_tx
def test_a_copy_that_loses_the_lease_mid_pass_stops_sending(db_util, inbox, clock, monkeypatch):
    from alerts import channels, engine
    from alerts.models import Lease
    from tests.alerts.conftest import make_rule

    for name in ("First", "Second"):
        make_rule("trigger_problem", name=name, email_to="ops@example.com")
    trigger_id = db_util.create_single_trigger(
        "Nightly run", "Proc T", clock.now(), "C:/r/main.py", "", False, True, 0
    )
    db_util.set_trigger_status(trigger_id, OOTriggerStatus.FAILED)
    send = channels.send_email

    def send_then_lose_the_lease(addresses, notice):
        send(addresses, notice)
        Lease.objects.update(holder="another copy")  # it stalled past the expiry meanwhile

    monkeypatch.setattr(channels, "send_email", send_then_lose_the_lease)
    report = engine.run_pass(holder="this copy", interval=60)

    assert report.sent == 1 and report.lost_lease
    assert "Stopped: another copy took the lease." in report.summary()
    assert len(inbox.messages) == 1
