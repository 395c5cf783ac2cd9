from django.apps import AppConfig


class LogsConfig(AppConfig):
    name = "logs"

    def ready(self) -> None:
        from logs import groups, queries
        from orchestrator_site import snapshots

        snapshots.register_warm_up(queries.OVERVIEW_CACHE_KEY, queries.count_processes)
        snapshots.register_warm_up(queries.GROUPS_CACHE_KEY, groups.count_groups)
