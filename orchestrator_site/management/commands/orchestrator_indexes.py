"""`manage.py orchestrator_indexes`: show, create or drop the indexes the console's pages need."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from orchestrator_site import dbfaults, indexes


class Command(BaseCommand):
    help = (
        "Show the CREATE INDEX statements the console's pages need on OpenOrchestrator's tables "
        "for the configured backend, and which already exist. --apply creates the missing ones; "
        "--drop removes exactly the ones this command manages (named ix_console_*)."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--apply", action="store_true", help="Create the missing indexes.")
        group.add_argument(
            "--drop", action="store_true", help="Drop every ix_console_* index again."
        )

    def handle(self, *args, apply: bool, drop: bool, **options):
        connection = connections[settings.ORCHESTRATOR_DB]
        vendor = connection.vendor
        try:
            if drop:
                self._drop(vendor)
            elif apply:
                self._apply(vendor)
            else:
                self._show(vendor)
        except DatabaseError as exc:
            raise CommandError(dbfaults.explain(exc, alias=settings.ORCHESTRATOR_DB)) from None

    def _show(self, vendor: str) -> None:
        states = indexes.inspect()
        self.stdout.write(f"Recommended indexes for the {vendor} backend:")
        for state in states:
            spec = state.spec
            columns = ", ".join(spec.columns)
            if state.existing == spec.name:
                mark = "present"
            elif state.present:
                mark = f"served by existing index {state.existing}"
            elif state.outdated:
                mark = f"OUTDATED: {spec.name} has other columns; --apply rebuilds it"
            else:
                mark = "MISSING"
            self.stdout.write(f"\n-- {spec.table}({columns}): {mark}")
            self.stdout.write(f"--   speeds up {spec.speeds_up}")
            self.stdout.write(indexes.create_sql(spec, vendor) + ";")
        missing = [state for state in states if not state.present]
        self.stdout.write("")
        if missing:
            self.stdout.write(
                f"{len(missing)} of {len(states)} missing. Run with --apply to create them."
            )
            self.stdout.write(indexes.WARNING)
        else:
            self.stdout.write(self.style.SUCCESS(f"All {len(states)} recommended indexes exist."))

    def _apply(self, vendor: str) -> None:
        self.stdout.write(self.style.WARNING(indexes.WARNING))
        created = indexes.apply()
        if not created:
            self.stdout.write("Nothing to do: every recommended index already exists.")
            return
        for name in created:
            self.stdout.write(f"Created {name}")
        analyzed = " and refreshed the planner statistics" if indexes.analyze_sql(vendor) else ""
        self.stdout.write(self.style.SUCCESS(f"Created {len(created)} index(es){analyzed}."))

    def _drop(self, vendor: str) -> None:
        dropped = indexes.drop()
        for name in dropped:
            self.stdout.write(f"Dropped {name}")
        self.stdout.write(
            self.style.SUCCESS(f"Dropped {len(dropped)} ix_console_* index(es); nothing else.")
        )
