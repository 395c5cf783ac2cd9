from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo database that `make run` serves (`manage.py demo_data`). An app of its own because
    it writes through every feature app's models, which the core app may not import."""

    name = "demo"
    verbose_name = "Demo data"
