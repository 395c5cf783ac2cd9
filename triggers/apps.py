from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriggersConfig(AppConfig):
    name = "triggers"
    verbose_name = _("Triggers")  # the admin's heading of its triggers, jobs and Schedulers

    def ready(self) -> None:
        from orchestrator_site import audit_targets
        from triggers import auditing

        audit_targets.register(*auditing.KINDS, actions=auditing.ACTIONS)
