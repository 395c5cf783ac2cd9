from django.apps import AppConfig


class TriggersConfig(AppConfig):
    name = "triggers"

    def ready(self) -> None:
        from orchestrator_site import audit_targets
        from triggers import auditing

        audit_targets.register(*auditing.KINDS, actions=auditing.ACTIONS)
