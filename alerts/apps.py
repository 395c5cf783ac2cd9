from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from alerts import auditing
        from orchestrator_site import audit_targets

        audit_targets.register(*auditing.KINDS, actions=auditing.ACTIONS)
