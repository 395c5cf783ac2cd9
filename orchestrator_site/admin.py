"""Admin for the console's own records: the audit trail (read-only) and users (block or unblock).

Users come from Windows and their roles from AD groups on every request, so the admin never
creates users, never edits roles and never grants superuser: the one thing it changes is
`is_active`, which blocks a user at once (and is itself audited).
"""

from __future__ import annotations

from typing import NoReturn

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orchestrator_site.admin_base import ConsoleModelAdmin
from orchestrator_site.models import AuditEntry
from orchestrator_site.paging import CappedPaginator
from orchestrator_site.reporting import report_result
from orchestrator_site.roles import role_label
from orchestrator_site.views import denied
from orchestrator_site.writes import CONSOLE, WriteResult, write

User = get_user_model()

# There is no password sign-in: the admin's login form would only confuse people, and it must not
# answer 200 to someone the console refuses. Anyone the admin sends to its login page (not signed
# in, or signed in without staff status) gets the console's 403 page instead. The views are replaced
# on the default site itself (mypy forbids assigning to a method): every app registers with it, and
# a custom AdminSite would have to become the default site for these three views.
admin.site.login = lambda request, extra_context=None: denied(request)  # type: ignore[method-assign]


def _no_password(request: HttpRequest, extra_context=None) -> NoReturn:
    """Nobody has a console password (Windows signs people in): there is none to change."""
    raise Http404(_("There is no password to change: Windows signs you in."))


admin.site.password_change = _no_password  # type: ignore[method-assign]
admin.site.password_change_done = _no_password  # type: ignore[method-assign]


@admin.register(AuditEntry)
class AuditEntryAdmin(ConsoleModelAdmin):
    list_display = ("at", "username", "action", "target_type", "count", "outcome", "reason")
    list_filter = ("outcome", "action", "target_type")
    search_fields = ("username", "action", "target_ids", "reason")
    date_hierarchy = "at"
    show_full_result_count = False
    paginator = CappedPaginator  # the trail grows with every change, reveal and export
    list_per_page = 100
    fields = (
        "at",
        "username",
        "action",
        "target_type",
        "target_ids",
        "filter_used",
        "count",
        "outcome",
        "reason",
        "detail",
    )
    readonly_fields = fields


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class ConsoleUserAdmin(ConsoleModelAdmin):
    # Users are created on their first visit, only when AD gives them a role, and a deleted user
    # would come back on the next visit: the admin only changes is_active (block instead).
    writes = frozenset({"change"})
    secret_fields = ("password",)
    list_display = ("username", "is_active", "roles", "is_staff", "last_login", "date_joined")
    list_filter = ("is_active", "is_staff", "groups")
    search_fields = ("username",)
    ordering = ("username",)
    fields = (
        "username",
        "is_active",
        "roles",
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
    )
    readonly_fields = ("username", "roles", "is_staff", "is_superuser", "last_login", "date_joined")
    actions = ["block_users", "unblock_users"]

    @admin.display(description=gettext_lazy("Roles (from AD groups)"))
    def roles(self, user) -> str:
        return ", ".join(role_label(g.name) for g in user.groups.all()) or _("none")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("groups")

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if "is_active" in form.changed_data:
            set_active(request, User.objects.filter(pk=obj.pk), active=obj.is_active)

    @admin.action(description=gettext_lazy("Block the selected users"), permissions=["change"])
    def block_users(self, request: HttpRequest, queryset) -> None:
        report_result(request, set_active(request, queryset, active=False))

    @admin.action(description=gettext_lazy("Unblock the selected users"), permissions=["change"])
    def unblock_users(self, request: HttpRequest, queryset) -> None:
        report_result(request, set_active(request, queryset, active=True))


def set_active(request: HttpRequest, queryset, *, active: bool) -> WriteResult:
    """Block or unblock users with one conditional update, in one audited write."""
    selected = queryset.count()
    warnings = []
    if not active and queryset.filter(pk=request.user.pk).exists():
        queryset = queryset.exclude(pk=request.user.pk)
        warnings.append(_("You were left unblocked: nobody can lock themselves out."))
    action = "user.unblock" if active else "user.block"
    with write(action, user=request.user, target_type="user", using=(CONSOLE,)) as w:
        w.targets = list(queryset.exclude(is_active=active).values_list("username", flat=True))
        w.result.asked = len(w.targets)
        w.result.changed = queryset.filter(username__in=w.targets).update(is_active=active)
        if active:
            text = _("Unblocked %(changed)d of %(selected)d users.")
        else:
            text = _("Blocked %(changed)d of %(selected)d users.")
        w.result.message = text % {"changed": w.result.changed, "selected": selected}
        w.result.warnings = warnings
    return w.result


@admin.register(Group)
class RoleAdmin(ConsoleModelAdmin):
    """The roles are defined in orchestrator_site/roles.py and applied by every migrate: read-only."""

    list_display = ("name", "permission_list")
    fields = ("name", "permission_list")
    readonly_fields = fields

    @admin.display(description=gettext_lazy("Permissions"))
    def permission_list(self, group) -> str:
        return ", ".join(
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type").order_by("codename")
        )
