"""Django's side of sign-in: REMOTE_USER from the identity adapter, roles from AD groups."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.middleware import LoginRequiredMiddleware, RemoteUserMiddleware
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.shortcuts import render

from orchestrator_site.identity import GROUPS_KEY, LOCAL_ROLE_PREFIX
from orchestrator_site.roles import ROLES, STAFF_ROLES

logger = logging.getLogger(__name__)
USERNAME_MAX_LENGTH = 150  # django.contrib.auth's User.username


@dataclass(frozen=True)
class WindowsName:
    """One identity, lower case (Windows names are case-insensitive): `TEST\\Ada` is `test\\ada`."""

    account: str
    domain: str = ""  # the Windows (NetBIOS) domain; "" when unknown
    suffix: str = ""  # a UPN's suffix that CONSOLE_UPN_SUFFIXES does not map to a domain

    def username(self, form: str) -> str | None:
        """The Django user name in CONSOLE_USERNAME_FORM: distinct identities never share one."""
        if self.suffix:
            # In "upn" form user@domain is a Windows identity's name; an unmapped UPN cannot have it.
            return None if form == "upn" else f"{self.account}@{self.suffix}"
        if not self.domain or form == "user":
            return self.account
        if form == "upn":
            return f"{self.account}@{self.domain}"
        return f"{self.domain}\\{self.account}"


def parse_identity(raw: str) -> WindowsName | None:
    """`DOMAIN\\user`, `user@suffix` (a UPN or Kerberos principal) or `user`; None when malformed.

    A UPN is a Windows domain's user only when CONSOLE_UPN_SUFFIXES names its whole suffix: the
    first label proves nothing (`ada@corp.evil.example` is not CORP\\ada).
    """
    raw = raw.strip().lower()
    if "\\" in raw:
        domain, account = (part.strip() for part in raw.split("\\", 1))
        name = WindowsName(account=account, domain=domain)
    elif "@" in raw:
        account, suffix = (part.strip() for part in raw.rsplit("@", 1))
        if "@" in account or not suffix:
            return None
        domain = settings.CONSOLE_UPN_SUFFIXES.get(suffix, "")
        name = WindowsName(account=account, domain=domain, suffix="" if domain else suffix)
    else:
        name = WindowsName(account=raw)
    if not name.account or "\\" in name.account:
        return None
    return name


def normalize_username(raw: str) -> str | None:
    """The Django user name of an identity, or None when it may not sign in.

    Outside CONSOLE_ALLOWED_DOMAINS (which then also refuses names without a known domain) and
    names too long for Django's user name (never cut short: two long names would become one).
    """
    name = parse_identity(raw)
    if name is None:
        return None
    allowed = {d.lower() for d in settings.CONSOLE_ALLOWED_DOMAINS}
    if allowed and name.domain not in allowed:
        return None
    username = name.username(settings.CONSOLE_USERNAME_FORM)
    if username is None or len(username) > USERNAME_MAX_LENGTH:
        return None
    return username


def roles_for(username: str, groups: tuple[str, ...]) -> set[str]:
    """The console roles an identity holds: from local mode directly, or from the AD mapping.

    Role names carried in the identity itself are honoured only in local mode: in IIS and
    remote-user mode roles come from CONSOLE_ROLE_* alone, whatever the groups are called.
    """
    if settings.CONSOLE_IDENTITY_MODE == "local":
        given = {
            g.removeprefix(LOCAL_ROLE_PREFIX) for g in groups if g.startswith(LOCAL_ROLE_PREFIX)
        }
        return given & set(ROLES)
    names = {g.lower() for g in groups} | {username.lower()}
    return {
        role
        for role, members in settings.CONSOLE_ROLE_GROUPS.items()
        if role in ROLES and any(member.lower() in names for member in members)
    }


def apply_roles(user, roles: set[str]) -> None:
    """Make the user's role groups exactly `roles`; never grants superuser (and removes it)."""
    current = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    if current != roles:
        user.groups.remove(*Group.objects.filter(name__in=current - roles))
        user.groups.add(*Group.objects.filter(name__in=roles - current))
        logger.info(
            "Roles of %s now %s (were %s).",
            user.get_username(),
            ", ".join(sorted(roles)) or "none",
            ", ".join(sorted(current)) or "none",
        )
    staff = bool(roles & STAFF_ROLES)
    # Windows signs people in: no password, so the admin offers no "Change password" (a 404).
    if user.is_staff != staff or user.is_superuser or user.has_usable_password():
        user.is_staff = staff
        user.is_superuser = False
        user.set_unusable_password()
        user.save(update_fields=["is_staff", "is_superuser", "password"])
    # Permissions are cached on the instance: drop them so this request sees the new roles.
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


class ConsoleRemoteUserBackend(RemoteUserBackend):
    """Creates a user on first visit, but only for identities that hold at least one role."""

    # The stubs mark Django's own RemoteUserBackend.authenticate as an incompatible override too:
    # it narrows ModelBackend's (username, password) to the one remote_user Django passes it.
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, remote_user: str | None
    ) -> AbstractBaseUser | None:
        if not remote_user or request is None:
            return None
        username = normalize_username(remote_user)
        if username is None:
            return None
        roles = roles_for(remote_user, request.META.get(GROUPS_KEY, ()))
        if not roles:
            return None  # refused: no user row is created
        user = super().authenticate(request, username)
        if user is not None:
            apply_roles(user, roles)
        return user

    def clean_username(self, username: str) -> str:
        return username  # already normalised in authenticate()


class ConsoleRemoteUserMiddleware(RemoteUserMiddleware):
    """Reads REMOTE_USER from the WSGI environment, where only the identity adapter can put it."""

    header = "REMOTE_USER"

    # The stubs type Django's attribute as Literal[True]; Django reads any bool (a sync-only subclass).
    async_capable = False  # type: ignore[assignment]

    def clean_username(self, username: str, request: HttpRequest) -> str:
        return normalize_username(username) or ""


class RoleSyncMiddleware:
    """Re-applies the AD group mapping on every request, so removal from a group takes effect now.

    The roles last applied are kept in the session, so an unchanged identity costs no query.
    """

    session_key = "console_roles"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            roles = roles_for(request.META.get("REMOTE_USER", ""), request.META.get(GROUPS_KEY, ()))
            if not roles:
                apply_roles(user, set())
                auth.logout(request)
            elif user.is_superuser or request.session.get(self.session_key) != sorted(roles):
                apply_roles(user, roles)
                request.session[self.session_key] = sorted(roles)
        return self.get_response(request)


class ConsoleLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Deny by default. There is no login form to send anyone to: say who they are and stop."""

    def handle_no_permission(self, request, view_func):
        return render(
            request,
            "orchestrator_site/denied.html",
            {"remote_user": request.META.get("REMOTE_USER", "")},
            status=403,
        )
