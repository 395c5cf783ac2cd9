"""Admin for credentials and constants: read-only lists and pages that never show a password or a
token, and delete through vault.services (audited).

Creating and editing happen on the console's own pages (/vault/): their forms keep text exactly as
typed, write only what the person changed and refuse to overwrite a robot's change. A second set of
forms here would have to repeat all of that, and would put password inputs in the admin.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin
from django.utils.translation import gettext_lazy

from orchestrator_site.admin_base import ConsoleModelAdmin
from orchestrator_site.writes import WriteResult
from vault import services
from vault.models import Constant, Credential


class VaultAdmin(ConsoleModelAdmin):
    """Read-only; deleting (one row, or "delete selected") calls `delete_names`, a vault service."""

    writes = frozenset({"delete"})
    delete_names: Callable[..., WriteResult]  # staticmethod(services.delete_...)

    def delete_model(self, request, obj) -> None:
        self.delete_names(user=request.user, names=[obj.pk])

    def delete_queryset(self, request, queryset) -> None:
        self.delete_names(user=request.user, names=list(queryset.values_list("pk", flat=True)))


@admin.register(Credential)
class CredentialAdmin(VaultAdmin):
    delete_names = staticmethod(services.delete_credentials)
    audit_target_type = "credential"
    secret_fields = ("password",)  # the token: no list filters, searches or sorts by it
    list_display = ("name", "username", "changed_at", "stored_token")
    search_fields = ("name", "username")
    ordering = ("name",)
    fields = ("name", "username", "changed_at", "stored_token")
    readonly_fields = fields

    def get_queryset(self, request):
        return Credential.objects.without_tokens()

    @admin.display(
        description=gettext_lazy("Stored token")
    )  # not sortable: its length is the token's
    def stored_token(self, obj: Credential) -> str:
        return obj.token_size


@admin.register(Constant)
class ConstantAdmin(VaultAdmin):
    delete_names = staticmethod(services.delete_constants)
    audit_target_type = "constant"
    list_display = ("name", "value", "changed_at")
    search_fields = ("name", "value")
    ordering = ("name",)
    fields = ("name", "value", "changed_at")
    readonly_fields = fields
