from django.apps import AppConfig


class LogsConfig(AppConfig):
    name = "logs"

    def ready(self) -> None:
        from logs import auditing, groups, queries
        from orchestrator_site import audit_targets, snapshots

        snapshots.register_warm_up(queries.OVERVIEW_CACHE_KEY, queries.count_processes)
        snapshots.register_warm_up(queries.GROUPS_CACHE_KEY, groups.count_groups)
        audit_targets.register(*auditing.KINDS, actions=auditing.ACTIONS)
