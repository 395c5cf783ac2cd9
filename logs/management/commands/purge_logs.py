"""Retention: delete logs older than N days, of one process or all. A dry run unless --commit."""

from __future__ import annotations

import datetime as dt
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from logs import services
from orchestrator_site import clock

PROGRESS_ROWS = 10_000
PROGRESS_SECONDS = 5


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise CommandError(f"--older-than takes a whole number of days, not {value!r}.") from None
    if number < 1:
        raise CommandError("--older-than must be at least 1 day.")
    return number


class Command(BaseCommand):
    help = (
        "Delete logs whose log_time is more than --older-than DAYS ago (optionally of one "
        "--process). Without --commit it only says how many would go. Deletes in batches of "
        "CONSOLE_BULK_BATCH_SIZE and writes one audit row (user 'system' unless --as-user)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=positive_int, required=True, metavar="DAYS")
        parser.add_argument("--process", metavar="NAME", help="Only this process (exact name).")
        parser.add_argument(
            "--commit", action="store_true", help="Really delete (default: dry run)."
        )
        parser.add_argument(
            "--as-user",
            metavar="USERNAME",
            help="Record the deletion as this console user (who must hold logs.delete_log).",
        )

    def handle(
        self,
        *args,
        older_than: int,
        process: str | None,
        commit: bool,
        as_user: str | None,
        **options,
    ) -> None:
        user = None
        if as_user:
            user = get_user_model().objects.filter(username=as_user).first()
            if user is None:
                raise CommandError(f"No console user named {as_user!r}.")
            if not user.has_perm("logs.delete_log"):
                raise CommandError(f"{as_user!r} may not delete logs (needs logs.delete_log).")
        cutoff = clock.now() - dt.timedelta(days=older_than)
        scope = f"of process {process!r}" if process is not None else "of all processes"
        described = f"logs {scope} older than {older_than} days (before {cutoff:%d-%m-%Y %H:%M:%S})"
        if not commit:
            count = services.purge_logs(
                user=user, older_than=cutoff, process_name=process, commit=False
            )
            self.stdout.write(
                f"Dry run: {count:,} {described} would be deleted. Add --commit to delete them."
            )
            return

        printed = [0, 0.0]

        def progress(done: int) -> None:
            # The first batch, then every PROGRESS_ROWS rows or PROGRESS_SECONDS, whichever first.
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
            user=user, older_than=cutoff, process_name=process, commit=True, progress=progress
        )
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted:,} {described}."))
