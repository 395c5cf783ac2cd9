"""How the audit trail names and links credentials and constants (orchestrator_site.audit_targets),
and the actions vault.services audits; registered in VaultConfig.ready()."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from orchestrator_site.audit_targets import Target, TargetKind
from vault import guard
from vault.models import Constant, Credential


def _finder(model):
    def find(names: list[str]) -> dict[str, Target]:
        # values_list: never the credential's token
        found = model.objects.filter(pk__in=names).values_list("pk", flat=True)
        return {name: Target(id=name, name=name) for name in found}

    return find


def _list_url(route: str):
    """The vault's list searched for the name: it has no page per credential or constant."""
    return lambda target: f"{reverse(route)}?{urlencode({'q': target.id})}"


KINDS = (
    TargetKind(
        "credential",
        "credential",
        "credentials",
        url=_list_url("vault:credentials"),
        find=_finder(Credential),
        id_is_name=True,
    ),
    TargetKind(
        "constant",
        "constant",
        "constants",
        url=_list_url("vault:constants"),
        find=_finder(Constant),
        id_is_name=True,
    ),
)
ACTIONS = (
    "credential.create",
    "credential.change",
    "credential.delete",
    guard.REVEAL,
    guard.WRONG_KEY,
    guard.LOCKED,
    "credential.rotate_key",
    "credential.rotate_key_dry_run",
    "constant.create",
    "constant.change",
    "constant.delete",
)
