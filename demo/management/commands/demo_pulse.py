"""Keep the demo database alive while `make run` serves it (demo.pulse, one beat every 30 s)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from demo import builder, pulse, timeshift
from orchestrator_site import clock


class Command(BaseCommand):
    help = (
        "Play the demo database's live Schedulers: every --every seconds they ping, their jobs "
        "progress or end, and they start due triggers, as OpenOrchestrator's Scheduler would. "
        "Writes only to a demo database built by demo_data; stops with its parent (make run)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            type=Path,
            default=settings.ORCHESTRATOR_DEMO_PATH,
            help="The demo database (default: %(default)s).",
        )
        parser.add_argument("--every", type=int, default=30, help="Seconds between beats.")
        parser.add_argument("--once", action="store_true", help="One beat, then stop.")

    def handle(self, *args, path: Path, every: int, once: bool, **options):
        if every < 1:
            raise CommandError("--every must be at least 1 second.")
        path = path.resolve()
        if not path.is_file():
            raise CommandError(f"{path} does not exist; build it with `manage.py demo_data`.")
        alias = builder.sqlite_alias(str(path), "demo_pulse")
        if not timeshift.is_demo(alias):
            connections[alias].close()
            raise CommandError(
                f"{path} is not a demo database (no {timeshift.MARKER_TABLE} table): "
                "demo_pulse writes only to databases that demo_data built."
            )
        try:
            beats = self._run(alias, every=every, once=once, verbosity=options["verbosity"])
        finally:
            connections[alias].close()
        self.stdout.write(f"Demo pulse stopped after {beats} beat{'s' if beats != 1 else ''}.")

    def _run(self, alias: str, *, every: int, once: bool, verbosity: int) -> int:
        """Beat until stopped (Ctrl+C, SIGTERM) or orphaned: a pulse whose `make run` is gone
        would keep a database alive that nobody serves."""
        parent = os.getppid()
        if not once:
            live = ", ".join(builder.LIVE_SCHEDULERS)
            self.stdout.write(f"Demo pulse: {live} ping every {every} s.")
        beats = 0
        try:
            while True:
                self._beat(alias, say=once or verbosity >= 2)
                beats += 1
                if once:
                    return beats
                time.sleep(every)
                if os.getppid() != parent:
                    return beats
        except KeyboardInterrupt:
            return beats

    def _beat(self, alias: str, *, say: bool) -> None:
        try:
            done = pulse.beat(alias, clock.now())
        except DatabaseError as exc:
            # The console may hold the file a moment too long (a big delete): try next beat.
            self.stderr.write(f"Demo pulse skipped a beat: {exc}")
            connections[alias].close()
            return
        if say:
            self.stdout.write(
                f"Demo pulse: pinged {', '.join(done.pinged)}; started {len(done.started)}, "
                f"ended {len(done.finished)}, killed {len(done.killed)}, "
                f"new elements {len(done.arrived)}."
            )
