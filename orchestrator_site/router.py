"""Send OpenOrchestrator's tables to the `orchestrator` database and Django's to `default`."""

from __future__ import annotations

from django.conf import settings


def is_orchestrator_model(model) -> bool:
    return getattr(model, "orchestrator_table", False)


class OrchestratorRouter:
    def db_for_read(self, model, **hints):
        return settings.ORCHESTRATOR_DB if is_orchestrator_model(model) else "default"

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        return is_orchestrator_model(type(obj1)) == is_orchestrator_model(type(obj2))

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # OpenOrchestrator's alembic owns its schema: Django never migrates that database.
        if db == settings.ORCHESTRATOR_DB:
            return False
        model = hints.get("model")
        if model is not None and is_orchestrator_model(model):
            return False
        return None
