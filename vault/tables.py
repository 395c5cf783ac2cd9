from __future__ import annotations

import django_tables2 as tables
from django.utils.safestring import SafeString

from orchestrator_site import rowactions
from orchestrator_site.reversing import name_url
from orchestrator_site.tables import ConsoleTable, TimeColumn
from orchestrator_site.templatetags.console_format import name_label
from vault.models import Constant, Credential, token_size_label

# A row's links: (permission, URL name, text, button kind), in the order they are shown.
CREDENTIAL_LINKS = (
    ("reveal", "vault:credential_reveal", "Reveal", "primary"),
    ("change", "vault:credential_edit", "Edit", ""),
    ("delete", "vault:credential_delete", "Delete", "danger"),
)
CONSTANT_LINKS = (
    ("change", "vault:constant_edit", "Edit", ""),
    ("delete", "vault:constant_delete", "Delete", "danger"),
)


def row_links(name: str, may: set[str], links: tuple[tuple[str, str, str, str], ...]) -> SafeString:
    """The links of a vault row that the user may follow, each labelled with the row's name."""
    shown = name_label(name)
    return rowactions.actions(
        rowactions.link(name_url(route, name), f"{text} {shown}", text=text, kind=kind)
        for permission, route, text, kind in links
        if permission in may
    )


class CredentialTable(ConsoleTable):
    """Never has the token: the list query selects its length only."""

    region_label = "Credentials"

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
        return row_links(record.name, self.perms, CREDENTIAL_LINKS)


class ConstantTable(ConsoleTable):
    region_label = "Constants"
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
        return row_links(record.name, self.perms, CONSTANT_LINKS)
