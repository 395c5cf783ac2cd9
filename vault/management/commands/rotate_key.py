"""Re-encrypt every credential from the configured OpenOrchestratorKey to a new key."""

from __future__ import annotations

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.db import DatabaseError
from django.views.decorators.debug import sensitive_variables

from orchestrator_site import dbfaults
from vault import services

ROLLOUT = """\
Next steps (the database now holds tokens made with the NEW key):
  1. Set OpenOrchestratorKey to the new key for this console and restart it.
  2. On every Scheduler PC: Pause, wait for running jobs to end, Disconnect, set the
     OpenOrchestratorKey environment variable to the new key, restart the Scheduler and Connect.
     Robots get the key from their Scheduler, so a robot started with the old key fails to
     read credentials until its Scheduler uses the new one.
  3. Update the key in the OpenOrchestrator (NiceGUI) app and anywhere else it is kept."""


class CommandUser:
    """The audit trail's "who" for a command run from a shell (there is no signed-in user)."""

    pk = None

    def __init__(self) -> None:
        try:
            self.name = getpass.getuser()
        except (KeyError, OSError):
            self.name = "unknown"

    def get_username(self) -> str:
        return f"manage.py rotate_key ({self.name})"[:150]


class Command(BaseCommand):
    help = (
        "Re-encrypt every credential's password from the configured OpenOrchestratorKey to a new "
        "key, in one transaction. Dry run unless --commit is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--new-key",
            help='The new Fernet key, as --new-key=KEY (a key may start with "-"; visible in the process list).',
        )
        source.add_argument(
            "--new-key-file",
            type=Path,
            help="A file that holds the new key (keeps it out of shell history and process lists).",
        )
        parser.add_argument(
            "--commit",
            action="store_true",
            help="Write the re-encrypted tokens (default: dry run).",
        )
        parser.add_argument(
            "--skip-undecryptable",
            action="store_true",
            help="Commit even though some tokens do not decrypt with the current key; they are "
            "left as they are (and stay unreadable).",
        )

    @no_translations  # its output (and the words it shares with the pages) stays English
    @sensitive_variables("new_key", "options")
    def handle(self, *args, **options) -> None:
        new_key = options["new_key"]
        if options["new_key_file"] is not None:
            try:
                new_key = options["new_key_file"].read_text(encoding="ascii").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(
                    f"Cannot read the new key file: {exc.__class__.__name__}."
                ) from None
        commit = options["commit"]
        try:
            result = services.rotate_key(
                user=CommandUser(),
                new_key=new_key,
                commit=commit,
                skip_undecryptable=options["skip_undecryptable"],
            )
        except services.VaultError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:  # busy, unreachable, not a database: one line, no traceback
            raise CommandError(f"The rotation stopped. {dbfaults.explain(exc)}") from None

        out = self.stdout
        for warning in result.warnings:
            out.write(self.style.WARNING(warning))
        if commit:
            out.write(self.style.SUCCESS(result.message))
            out.write(ROLLOUT)
        else:
            out.write(result.message)
