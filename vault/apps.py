from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "vault"

    def ready(self) -> None:
        from orchestrator_site import audit_targets
        from vault import auditing

        audit_targets.register(*auditing.KINDS, actions=auditing.ACTIONS)
