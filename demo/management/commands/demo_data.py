"""Create the demo OpenOrchestrator 3.0 SQLite database that `make run` serves, or bring an
existing one up to the present (`--if-missing`)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from demo import builder, timeshift
from orchestrator_site import clock, crypto
from orchestrator_site.display import duration_text
from orchestrator_site.oo_schema import create_sqlite_schema


class Command(BaseCommand):
    help = "Create a realistic OpenOrchestrator 3.0 SQLite database with demo data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            type=Path,
            default=settings.ORCHESTRATOR_DEMO_PATH,
            help="Where to write it (default: %(default)s).",
        )
        parser.add_argument("--force", action="store_true", help="Replace an existing file.")
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="When the file already exists, build nothing: move the demo database's times "
            "forward instead, so that its newest event happens now.",
        )
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, path: Path, force: bool, if_missing: bool, seed: int, **options):
        path = path.resolve()
        if path.exists():
            if if_missing:
                self._catch_up(path)
                return
            if not force:
                raise CommandError(f"{path} already exists; pass --force to replace it.")
        if not crypto.vault_available():
            self.stderr.write("OpenOrchestratorKey is not set: the demo has no credentials.")
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".building")
        temporary.unlink(missing_ok=True)
        started = time.monotonic()
        create_sqlite_schema(temporary)
        alias = builder.sqlite_alias(str(temporary))
        try:
            now = clock.now()
            counts = builder.build(alias, now=now, seed=seed)
            timeshift.mark(alias, now)
        except BaseException:
            connections[alias].close()
            temporary.unlink(missing_ok=True)
            raise
        connections[alias].close()
        connections[settings.ORCHESTRATOR_DB].close()
        os.replace(temporary, path)
        summary = ", ".join(f"{table} {n:,}" for table, n in counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo database written to {path} in {time.monotonic() - started:.1f}s: {summary}."
            )
        )

    def _catch_up(self, path: Path) -> None:
        """Move an existing demo database's times to the present; leave any other file alone."""
        alias = builder.sqlite_alias(str(path), "demo_shift")
        try:
            shift = timeshift.catch_up(alias, clock.now())
        finally:
            connections[alias].close()
        if shift is None:
            self.stdout.write(
                f"{path} already exists and is not a demo database (it has no "
                f"{timeshift.MARKER_TABLE} table): left as it is. A demo database built before "
                "the console marked them is rebuilt with --force."
            )
        elif shift:
            self.stdout.write(
                f"Demo database already exists: {path}; its times moved by "
                f"{duration_text(shift)} so that its newest event happens now."
            )
        else:
            self.stdout.write(f"Demo database already exists and is current: {path}")
