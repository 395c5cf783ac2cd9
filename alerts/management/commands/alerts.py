"""`manage.py alerts`: check the alert rules and send their notices, every --interval seconds (a
Windows service, e.g. under NSSM) or once (--once, e.g. from Task Scheduler every minute)."""

from __future__ import annotations

import argparse
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections
from django.utils import translation

from alerts import engine, lease
from orchestrator_site import clock, dbfaults

MAX_INTERVAL = 24 * 3600


def seconds(value: str) -> int:
    """An argparse type: whole seconds from 10 to a day."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of seconds") from None
    if not 10 <= number <= MAX_INTERVAL:
        raise argparse.ArgumentTypeError(f"{number} is not between 10 and {MAX_INTERVAL:,}")
    return number


class Command(BaseCommand):
    help = (
        "Check every alert rule against the OpenOrchestrator database (read only) and send the "
        "alerts and resolved notices that are due, then wait --interval seconds (default 60) and "
        "check again, until stopped. With --once: one pass, then exit; 1 when a delivery failed, a "
        "rule could not be checked or a database could not be read. "
        "Copies running at the same time share the work through a lease in the console's "
        "database: only the holder sends, so nothing is sent twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=seconds,
            default=60,
            help="Seconds between passes (10 to 86400; default 60).",
        )
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")

    def handle(self, *args, interval: int, once: bool, **options) -> None:
        if not settings.CONSOLE_BASE_URL:
            raise CommandError(
                "Set CONSOLE_BASE_URL to the console's address as people open it (for example "
                "https://rpa-console.corp.example): every alert links to its page there."
            )
        if not settings.EMAIL_HOST:
            self.stderr.write(
                "E-mail is not configured (CONSOLE_EMAIL_HOST): rules that send e-mail will "
                "record each e-mail as failed."
            )
        holder = lease.new_holder()
        with translation.override(settings.CONSOLE_ALERTS_LANGUAGE):
            if once:
                try:
                    ok = self.one_pass(holder, interval)
                finally:
                    self.let_go(holder)
                if not ok:
                    raise CommandError("Something failed in this pass (see above).")
                return
            self.loop(holder, interval)

    def loop(self, holder: str, interval: int) -> None:
        stop = threading.Event()

        def ask_to_stop(signum, frame) -> None:
            stop.set()

        for name in ("SIGTERM", "SIGBREAK", "SIGINT"):  # SIGBREAK: Ctrl+Break, NSSM on Windows
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), ask_to_stop)
        self.stdout.write(f"Checking alert rules every {interval} s as {holder}; stop with Ctrl+C.")
        try:
            while not stop.is_set():
                self.one_pass(holder, interval)
                stop.wait(interval)
        finally:
            self.let_go(holder)
            self.stdout.write("Stopped.")

    def one_pass(self, holder: str, interval: int) -> bool:
        """One pass, its lines and its summary on stdout; a database fault is reported (stderr)
        and the pass counts as failed, the loop goes on."""
        close_old_connections()
        started = clock.now()
        try:
            report = engine.run_pass(holder=holder, interval=interval)
        except DatabaseError as exc:
            self.stderr.write(f"{started:%Y-%m-%d %H:%M:%S} {dbfaults.explain(exc)}")
            return False
        for line in report.lines:
            self.stdout.write(f"{started:%Y-%m-%d %H:%M:%S} {line}")
        self.stdout.write(f"{started:%Y-%m-%d %H:%M:%S} {report.summary()}")
        return not report.failed

    def let_go(self, holder: str) -> None:
        try:
            lease.release(holder)
        except DatabaseError as exc:
            self.stderr.write(f"The lease could not be released: {dbfaults.explain(exc)}")
