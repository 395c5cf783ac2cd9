from __future__ import annotations

import django_tables2 as tables
from django.utils.safestring import SafeString

from orchestrator_site import rowactions
from orchestrator_site.reversing import name_url
from orchestrator_site.tables import ConsoleTable, TimeColumn
from orchestrator_site.templatetags.console_format import name_label
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

    def render_actions(self, record: Credential) -> SafeString:
        name, shown, may = record.name, name_label(record.name), self.perms
        buttons = []
        if "reveal" in may:
            url = name_url("vault:credential_reveal", name)
            buttons.append(rowactions.link(url, f"Reveal {shown}", text="Reveal", kind="primary"))
        if "change" in may:
            url = name_url("vault:credential_edit", name)
            buttons.append(rowactions.link(url, f"Edit {shown}", text="Edit"))
        if "delete" in may:
            url = name_url("vault:credential_delete", name)
            buttons.append(rowactions.link(url, f"Delete {shown}", text="Delete", kind="danger"))
        return rowactions.actions(buttons)


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

    def render_actions(self, record: Constant) -> SafeString:
        name, shown, may = record.name, name_label(record.name), self.perms
        buttons = []
        if "change" in may:
            url = name_url("vault:constant_edit", name)
            buttons.append(rowactions.link(url, f"Edit {shown}", text="Edit"))
        if "delete" in may:
            url = name_url("vault:constant_delete", name)
            buttons.append(rowactions.link(url, f"Delete {shown}", text="Delete", kind="danger"))
        return rowactions.actions(buttons)
