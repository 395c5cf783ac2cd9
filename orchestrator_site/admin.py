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
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from orchestrator_site import audit, audit_targets
from orchestrator_site.admin_base import ConsoleModelAdmin
from orchestrator_site.models import AuditEntry
from orchestrator_site.nexturl import safe_next
from orchestrator_site.paging import CappedPaginator
from orchestrator_site.reporting import report_result
from orchestrator_site.views import denied
from orchestrator_site.writes import CONSOLE, WriteResult, write

User = get_user_model()

# There is no password sign-in: the admin's login form would only confuse people, and it must not
# answer 200 to someone the console refuses. The views are replaced on the default site itself
# (mypy forbids assigning to a method): every app registers with it, and a custom AdminSite would
# have to become the default site for these views. templates/admin/base_site.html drops their links.


def _login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """Nobody signs in here. Someone the admin serves (already signed in by Windows, with a staff
    role) goes on to the page they asked for; anyone else gets the console's 403 page."""
    if admin.site.has_permission(request):
        return redirect(safe_next(request, request.GET.get("next"), reverse("admin:index")))
    return denied(request)


def _no_password(request: HttpRequest, extra_context=None) -> NoReturn:
    """Nobody has a console password (Windows signs people in): there is none to change."""
    raise Http404("There is no password to change: Windows signs you in.")


def _no_logout(request: HttpRequest, extra_context=None) -> NoReturn:
    """Windows signs people in on every request: signing out of the console alone would last until
    the next click."""
    raise Http404("There is no signing out: Windows signs you in.")


admin.site.login = _login  # type: ignore[method-assign]
admin.site.logout = _no_logout  # type: ignore[method-assign]
admin.site.password_change = _no_password  # type: ignore[method-assign]
admin.site.password_change_done = _no_password  # type: ignore[method-assign]


@admin.register(AuditEntry)
class AuditEntryAdmin(ConsoleModelAdmin):
    list_display = ("at", "username", "action", "targets", "count", "outcome", "reason")
    list_filter = ("outcome", "action", "target_type")
    search_fields = ("username", "action", "target_ids", "target_names", "reason")
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
        "names",
        "filter_used",
        "count",
        "outcome",
        "reason",
        "what",
    )
    readonly_fields = fields

    @admin.display(description="Targets")
    def targets(self, entry: AuditEntry) -> str:
        """The target type and how many: the trail's page names and links them."""
        count = len(audit_targets.target_ids(entry))
        return f"{entry.target_type} ×{count}" if count > 1 else entry.target_type

    @admin.display(description="Names when written")
    def names(self, entry: AuditEntry) -> str:
        shown = []
        for name in audit.recorded_names(entry):
            if isinstance(name, tuple):
                shown.append(f"{name[0] or '(no reference)'} in {name[1]}")
            else:
                shown.append("(not recorded)" if name is None else name)
        return "\n".join(shown)

    @admin.display(description="What")
    def what(self, entry: AuditEntry) -> str:
        """Each changed field, old and new (in full), then the detail."""
        return "\n".join(audit.what_lines(entry))


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class ConsoleUserAdmin(ConsoleModelAdmin):
    # Users are created on their first visit, only when AD gives them a role, and a deleted user
    # would come back on the next visit: the admin only changes is_active (block instead).
    writes = frozenset({"change"})
    secret_fields = ("password",)
    audit_target_type = "user"
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

    def audit_target_id(self, obj) -> str:
        return obj.get_username()

    @admin.display(description="Roles (from AD groups)")
    def roles(self, user) -> str:
        return ", ".join(g.name for g in user.groups.all()) or "none"

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("groups")

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if "is_active" in form.changed_data:
            set_active(request, User.objects.filter(pk=obj.pk), active=obj.is_active)

    @admin.action(description="Block the selected users", permissions=["change"])
    def block_users(self, request: HttpRequest, queryset) -> None:
        report_result(request, set_active(request, queryset, active=False))

    @admin.action(description="Unblock the selected users", permissions=["change"])
    def unblock_users(self, request: HttpRequest, queryset) -> None:
        report_result(request, set_active(request, queryset, active=True))


def set_active(request: HttpRequest, queryset, *, active: bool) -> WriteResult:
    """Block or unblock users with one conditional update, in one audited write."""
    selected = queryset.count()
    warnings = []
    if not active and queryset.filter(pk=request.user.pk).exists():
        queryset = queryset.exclude(pk=request.user.pk)
        warnings.append("You were left unblocked: nobody can lock themselves out.")
    action = "user.unblock" if active else "user.block"
    with write(action, user=request.user, target_type="user", using=(CONSOLE,)) as w:
        w.targets = list(queryset.exclude(is_active=active).values_list("username", flat=True))
        w.result.asked = len(w.targets)
        w.result.changed = queryset.filter(username__in=w.targets).update(is_active=active)
        verb = "Unblocked" if active else "Blocked"
        w.result.message = f"{verb} {w.result.changed} of {selected} users."
        w.result.warnings = warnings
    return w.result


@admin.register(Group)
class RoleAdmin(ConsoleModelAdmin):
    """The roles are defined in orchestrator_site/roles.py and applied by every migrate: read-only."""

    list_display = ("name", "permission_list")
    fields = ("name", "permission_list")
    readonly_fields = fields

    @admin.display(description="Permissions")
    def permission_list(self, group) -> str:
        return ", ".join(
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type").order_by("codename")
        )
