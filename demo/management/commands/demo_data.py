"""Create the demo OpenOrchestrator 3.0 SQLite database that `make run` serves."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from demo import builder
from orchestrator_site import clock, crypto
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
            "--if-missing", action="store_true", help="Do nothing when the file already exists."
        )
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, path: Path, force: bool, if_missing: bool, seed: int, **options):
        path = path.resolve()
        if path.exists():
            if if_missing:
                self.stdout.write(f"Demo database already exists: {path}")
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
            counts = builder.build(alias, now=clock.now(), seed=seed)
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
