"""`migrate`, refusing the OpenOrchestrator database: its schema belongs to OpenOrchestrator's alembic.

It also makes the table of the database cache that the server processes share (CACHES["shared"]),
so `make run`, the deployment and the tests need no separate `createcachetable` step.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        if options["database"] == settings.ORCHESTRATOR_DB:
            raise CommandError(
                "The console never migrates the OpenOrchestrator database: its schema is created and "
                'upgraded by OpenOrchestrator itself (python -m OpenOrchestrator upgrade "<connection '
                "string>\"). Run plain `manage.py migrate` for the console's own database."
            )
        super().handle(*args, **options)
        if not (options["plan"] or options["check_unapplied"] or options["prune"]):
            # Idempotent: an existing table is left alone.
            call_command(
                "createcachetable", database=options["database"], verbosity=options["verbosity"]
            )
