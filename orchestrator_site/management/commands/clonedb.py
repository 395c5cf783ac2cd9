"""`manage.py clonedb`: a SQLite copy of OpenOrchestrator's database that OpenOrchestrator can use."""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from orchestrator_site import clone
from orchestrator_site.display import bytes_text


@contextlib.contextmanager
def _signals_interrupt():
    """Make SIGTERM (and SIGHUP: a closed terminal) stop the copy the way Ctrl+C does, so that the
    hidden temporary file is removed and the command exits non-zero with a message. Python's
    default for them is to die at once, leaving the temporary file behind."""

    def stop(signum, frame):
        # Ignore repeats: the clean-up that follows must not be cut short by a second signal.
        signal.signal(signum, signal.SIG_IGN)
        raise KeyboardInterrupt(f"Stopped by {signal.Signals(signum).name}")

    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {}
    try:
        for name in names:
            number = getattr(signal, name)
            previous[number] = signal.signal(number, stop)
    except ValueError:  # not the main thread (call_command from a worker): leave them alone
        pass
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class Command(BaseCommand):
    help = (
        "Copy every OpenOrchestrator table from the configured database (OpenOrchestratorSQL) into a "
        "new SQLite file with OpenOrchestrator 3.0's own schema and storage formats. Then run the "
        "console against it with OpenOrchestratorSQL=sqlite:///<file>."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=Path("pyorchestrator_test.db"),
            help="The SQLite file to create (default: %(default)s).",
        )
        parser.add_argument("--force", action="store_true", help="Replace an existing file.")
        parser.add_argument(
            "--tables",
            nargs="+",
            metavar="TABLE",
            help="Copy only these tables (names or a comma list); the others stay empty.",
        )
        parser.add_argument(
            "--since",
            type=int,
            metavar="DAYS",
            help="Copy only the last DAYS days of Logs, Queues and Jobs.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="Rows read and written per batch (default: %(default)s).",
        )
        parser.add_argument(
            "--exclude-credentials",
            nargs="?",
            const="skip",
            choices=["skip", "blank"],
            metavar="skip|blank",
            help="Leave Credentials out (skip, the default) or keep them with blanked passwords "
            "(blank: a token of the empty string under the configured key).",
        )
        parser.add_argument(
            "--with-indexes",
            dest="with_indexes",
            action="store_true",
            default=True,
            help="Create the console's recommended indexes in the copy (the default).",
        )
        parser.add_argument(
            "--no-indexes",
            dest="with_indexes",
            action="store_false",
            help="Copy OpenOrchestrator's schema only, without the console's indexes.",
        )

    def handle(self, *args, **options):
        self._tty = hasattr(self.stdout, "isatty") and self.stdout.isatty()
        self._last: tuple[str, int] | None = None
        settings_ = clone.CloneOptions(
            output=options["output"],
            force=options["force"],
            tables=options["tables"],
            since_days=options["since"],
            batch_size=options["batch_size"],
            credentials=options["exclude_credentials"] or "copy",
            with_indexes=options["with_indexes"],
        )
        try:
            with _signals_interrupt():
                result = clone.clone(settings_, progress=self._progress)
        except clone.CloneError as exc:
            if self._tty:
                self.stdout.write("")
            raise CommandError(str(exc)) from None
        except KeyboardInterrupt as exc:  # before the copy began: nothing to clean up
            raise CommandError(f"{str(exc) or 'Interrupted'}. Nothing was written.") from None
        for note in result.notes:
            self.stdout.write(note)
        width = max(len(table) for table in result.rows) if result.rows else 0
        for table, count in result.rows.items():
            self.stdout.write(f"  {table:<{width}}  {count:>12,}")
        if result.indexes:
            self.stdout.write(f"Indexes created in the copy: {', '.join(result.indexes)}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Copied {sum(result.rows.values()):,} rows in {len(result.rows)} tables to "
                f"{result.output} ({bytes_text(result.size_bytes)}) in {result.seconds:.1f}s, at revision "
                f"{result.revision}."
            )
        )
        self.stdout.write(f"Use it with: OpenOrchestratorSQL=sqlite:///{result.output}")

    def _progress(self, table: str, done: int, total: int) -> None:
        """One updating line on a terminal; otherwise a line per 10% (and at the end)."""
        line = f"{table} {done:,}/{total:,}"
        if self._tty:
            self.stdout.write(f"\r{line}", ending="\n" if done >= total else "")
            self.stdout.flush()
            return
        step = max(total // 10, 1)
        tenth = done // step
        if done >= total or self._last is None or self._last != (table, tenth):
            if done >= total and self._last == (table, -1):
                return
            self._last = (table, -1 if done >= total else tenth)
            self.stdout.write(line)
