from django.apps import AppConfig


class OrchestratorSiteConfig(AppConfig):
    name = "orchestrator_site"
    verbose_name = "Console"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate
        from django.urls import register_converter

        from orchestrator_site import audit_targets, crypto, roles, sqlitefiles
        from orchestrator_site.converters import NameConverter

        crypto.validate_configured_key()
        sqlitefiles.connect()
        post_migrate.connect(roles.sync_roles_after_migrate, sender=self)
        # Every app's name routes (<name:...>) use it; registered before any URLconf is read.
        register_converter(NameConverter, "name")
        # Users are blocked and unblocked in the admin (orchestrator_site.admin), by username.
        audit_targets.register(
            audit_targets.TargetKind("user", "user", "users", id_is_name=True),
            actions=("user.block", "user.unblock"),
        )
