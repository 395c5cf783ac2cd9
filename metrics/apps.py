from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"

    def ready(self) -> None:
        from metrics import windows
        from orchestrator_site import snapshots

        snapshots.register_warm_up(windows.CACHE_KEY, windows.count_windows)
