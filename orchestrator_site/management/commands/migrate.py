"""`migrate`, refusing the OpenOrchestrator database: its schema belongs to OpenOrchestrator's alembic."""

from django.conf import settings
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
        return super().handle(*args, **options)
