from __future__ import annotations

import django_tables2 as tables
from django.template.loader import render_to_string

from orchestrator_site.tables import ConsoleTable, TimeColumn
from vault.models import Constant, Credential, token_size_label


class CredentialTable(ConsoleTable):
    """Never has the token: the list query selects its length only."""

    name = tables.Column()
    username = tables.Column()
    changed_at = TimeColumn(verbose_name="Changed at")
    token_length = tables.Column(verbose_name="Stored token", attrs={"td": {"class": "nowrap"}})
    actions = tables.Column(empty_values=(), orderable=False, verbose_name="")

    class Meta:
        model = Credential
        fields = ("name", "username", "changed_at", "token_length")
        order_by = ("name",)
        attrs = {"class": "table"}
        empty_text = "No credentials match."

    def __init__(self, *args, perms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.perms = perms or set()

    def render_token_length(self, value) -> str:
        return token_size_label(value)

    def render_actions(self, record):
        return render_to_string(
            "vault/_credential_actions.html", {"name": record.name, "perms": self.perms}
        )


class ConstantTable(ConsoleTable):
    name = tables.Column()
    value = tables.Column(attrs={"td": {"class": "msgcell exact"}})
    changed_at = TimeColumn(verbose_name="Changed at")
    actions = tables.Column(empty_values=(), orderable=False, verbose_name="")

    class Meta:
        model = Constant
        fields = ("name", "value", "changed_at")
        order_by = ("name",)
        attrs = {"class": "table"}
        empty_text = "No constants match."

    def __init__(self, *args, perms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.perms = perms or set()

    def render_actions(self, record):
        return render_to_string(
            "vault/_constant_actions.html", {"name": record.name, "perms": self.perms}
        )
