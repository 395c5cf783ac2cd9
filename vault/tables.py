from __future__ import annotations

from typing import TYPE_CHECKING

import django_tables2 as tables
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from orchestrator_site import rowactions
from orchestrator_site.reversing import name_url
from orchestrator_site.tables import ConsoleTable, TimeColumn
from orchestrator_site.templatetags.console_format import name_label
from vault.models import Constant, Credential, token_size_label

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    Link = tuple[str, str, StrOrPromise, StrOrPromise, str]

# A row's links: (permission, URL name, text, its label naming the row, button kind), in order.
CREDENTIAL_LINKS = (
    ("reveal", "vault:credential_reveal", _("Reveal"), _("Reveal %(name)s"), "primary"),
    ("change", "vault:credential_edit", _("Edit"), _("Edit %(name)s"), ""),
    ("delete", "vault:credential_delete", _("Delete"), _("Delete %(name)s"), "danger"),
)
CONSTANT_LINKS = (
    ("change", "vault:constant_edit", _("Edit"), _("Edit %(name)s"), ""),
    ("delete", "vault:constant_delete", _("Delete"), _("Delete %(name)s"), "danger"),
)


def row_links(name: str, links: list[tuple[str, str, str, str]]) -> SafeString:
    """A vault row's links (from VaultTable.links), each labelled with the row's name."""
    shown = name_label(name)
    return rowactions.actions(
        rowactions.link(name_url(route, name), label % {"name": shown}, text=text, kind=kind)
        for route, text, label, kind in links
    )


class VaultLinks:
    """The row links of a credential or constant list: `perms` are the person's vault
    permissions, LINKS the links a row may have."""

    LINKS: tuple[Link, ...] = ()

    def __init__(self, *args, perms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.perms = perms or set()

    @cached_property
    def links(self) -> list[tuple[str, str, str, str]]:
        """(URL name, text, label, kind) of the links the person may follow, translated once per
        page rather than per row."""
        return [
            (route, str(text), str(label), kind)
            for permission, route, text, label, kind in self.LINKS
            if permission in self.perms
        ]

    def render_actions(self, record: Credential | Constant) -> SafeString:
        return row_links(record.name, self.links)


class CredentialTable(VaultLinks, ConsoleTable):
    """Never has the token: the list query selects its length only."""

    LINKS = CREDENTIAL_LINKS

    region_label = _("Credentials")

    name = tables.Column(verbose_name=_("Name"))
    username = tables.Column(verbose_name=_("Username"))
    changed_at = TimeColumn(verbose_name=_("Changed at"))
    token_length = tables.Column(verbose_name=_("Stored token"), attrs={"td": {"class": "nowrap"}})
    actions = tables.Column(empty_values=(), orderable=False, verbose_name="")

    class Meta:
        model = Credential
        fields = ("name", "username", "changed_at", "token_length")
        order_by = ("name",)
        attrs = {"class": "table"}
        empty_text = _("No credentials match.")

    def render_token_length(self, value) -> str:
        if value not in self._sizes:  # a page shows a few lengths
            self._sizes[value] = token_size_label(value)
        return self._sizes[value]

    @cached_property
    def _sizes(self) -> dict[int | None, str]:
        return {}


class ConstantTable(VaultLinks, ConsoleTable):
    LINKS = CONSTANT_LINKS
    region_label = _("Constants")
    name = tables.Column(verbose_name=_("Name"))
    value = tables.Column(verbose_name=_("Value"), attrs={"td": {"class": "msgcell exact"}})
    changed_at = TimeColumn(verbose_name=_("Changed at"))
    actions = tables.Column(empty_values=(), orderable=False, verbose_name="")

    class Meta:
        model = Constant
        fields = ("name", "value", "changed_at")
        order_by = ("name",)
        attrs = {"class": "table"}
        empty_text = _("No constants match.")
