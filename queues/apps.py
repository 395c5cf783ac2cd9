from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueuesConfig(AppConfig):
    name = "queues"
    verbose_name = _("Queues")  # the admin's heading of its queue elements

    def ready(self) -> None:
        from orchestrator_site import audit_targets, snapshots
        from queues import auditing, groups, models

        snapshots.register_warm_up(models.OVERVIEW_CACHE_KEY, models.count_queues)
        snapshots.register_warm_up(models.GROUPS_CACHE_KEY, groups.count_groups)
        snapshots.register_warm_up(models.RECENT_GROUPS_CACHE_KEY, groups.count_recent_groups)
        audit_targets.register(*auditing.KINDS, actions=auditing.ACTIONS)
