from django.apps import AppConfig


class OrchestratorSiteConfig(AppConfig):
    name = "orchestrator_site"
    verbose_name = "Console"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from orchestrator_site import crypto, roles

        crypto.validate_configured_key()
        post_migrate.connect(roles.sync_roles_after_migrate, sender=self)
