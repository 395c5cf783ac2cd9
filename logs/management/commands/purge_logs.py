"""Retention: delete logs older than N days, of one process or all. A dry run unless --commit."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.db import DatabaseError

from logs import services
from orchestrator_site import clock, dbfaults
from orchestrator_site.forms import EARLIEST_YEAR, LATEST_YEAR

PROGRESS_ROWS = 10_000
PROGRESS_SECONDS = 5
# A century: every backend can store the cutoff (SQL Server's DATETIME starts in 1753).
MAX_DAYS = 36_500


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high]. Bad input is a usage error, no traceback."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{number} is not between {low:,} and {high:,}")
        return number

    return parse


def a_date(value: str) -> dt.date:
    """An argparse type: a date YYYY-MM-DD within the years every backend stores."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-10-01") from None
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise argparse.ArgumentTypeError(f"give a year from {EARLIEST_YEAR} to {LATEST_YEAR}")
    return day


class Command(BaseCommand):
    help = (
        "Delete logs older than --older-than-days DAYS (e.g. 7, 30 or 90) or written before "
        "--before DATE (optionally of one --process). Without --commit it only says how many would "
        "go. Deletes in batches of --batch-size rows, each its own short transaction, and writes "
        "one audit row (user 'system' unless --as-user)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        age = parser.add_mutually_exclusive_group(required=True)
        age.add_argument(
            "--older-than-days",
            "--older-than",
            dest="older_than",
            type=whole_number(1, MAX_DAYS),
            metavar="DAYS",
            help=f"Days to keep: 1 to {MAX_DAYS:,} (the console offers 7, 30 and 90).",
        )
        age.add_argument(
            "--before",
            type=a_date,
            metavar="DATE",
            help="Delete what was written before this date (YYYY-MM-DD, from its midnight).",
        )
        parser.add_argument("--process", metavar="NAME", help="Only this process (exact name).")
        parser.add_argument(
            "--commit", action="store_true", help="Really delete (default: dry run)."
        )
        parser.add_argument(
            "--as-user",
            metavar="USERNAME",
            help="Record the deletion as this console user (who must hold logs.delete_log).",
        )
        parser.add_argument(
            "--batch-size",
            type=whole_number(1, 100_000),
            default=services.DELETE_BATCH_ROWS,
            metavar="ROWS",
            help="Rows deleted per transaction (default: %(default)s); robots writing logs wait "
            "for one batch at most.",
        )

    @no_translations  # its output (and the words it shares with the pages) stays English
    def handle(self, *args, **options) -> None:
        self._deleted = 0
        try:
            self._purge(**options)
        except DatabaseError as exc:
            # One line, no traceback: busy, unreachable, not a database, or the schema.
            done = f"Stopped after deleting {self._deleted:,} logs. " if self._deleted else ""
            raise CommandError(f"{done}{dbfaults.explain(exc)}") from None

    def _purge(
        self,
        *,
        older_than: int | None,
        before: dt.date | None,
        process: str | None,
        commit: bool,
        as_user: str | None,
        batch_size: int,
        **options,
    ) -> None:
        user = None
        if as_user:
            user = get_user_model().objects.filter(username=as_user).first()
            if user is None:
                raise CommandError(f"No console user named {as_user!r}.")
            if not user.has_perm("logs.delete_log"):
                raise CommandError(f"{as_user!r} may not delete logs (needs logs.delete_log).")
        cutoff = services.retention_cutoff(now=clock.now(), days=older_than, before=before)
        scope = f"of process {process!r}" if process is not None else "of all processes"
        described = f"logs {scope} {services.retention_text(cutoff, days=older_than)}"
        if not commit:
            count = services.purge_logs(
                user=user, older_than=cutoff, process_name=process, commit=False
            ).asked
            self.stdout.write(
                f"Dry run: {count:,} {described} would be deleted. Add --commit to delete them."
            )
            return

        printed = [0, 0.0]

        def progress(done: int) -> None:
            # The first batch, then every PROGRESS_ROWS rows or PROGRESS_SECONDS, whichever first.
            self._deleted = done
            now = time.monotonic()
            if (
                printed[0]
                and done - printed[0] < PROGRESS_ROWS
                and now - printed[1] < PROGRESS_SECONDS
            ):
                return
            printed[:] = [done, now]
            self.stdout.write(f"  deleted {done:,} so far…")

        deleted = services.purge_logs(
            user=user,
            older_than=cutoff,
            process_name=process,
            commit=True,
            batch_size=batch_size,
            progress=progress,
        ).changed
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted:,} {described}."))
