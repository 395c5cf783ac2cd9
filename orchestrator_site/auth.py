"""Who is asking: REMOTE_USER from the identity adapter on every request, roles from AD groups."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.middleware import AuthenticationMiddleware, LoginRequiredMiddleware
from django.contrib.auth.models import AnonymousUser, Group
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone

from orchestrator_site import userrow
from orchestrator_site.identity import GROUPS_KEY, LOCAL_ROLE_PREFIX
from orchestrator_site.roles import ROLE_PERMISSIONS, ROLES, STAFF_ROLES

logger = logging.getLogger(__name__)
USERNAME_MAX_LENGTH = 150  # django.contrib.auth's User.username
LAST_SEEN_EVERY = dt.timedelta(minutes=15)
# The session entry that says whose data a session holds (a user's primary key).
SESSION_OWNER_KEY = "console_owner"


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


def _row_out_of_date(user, staff: bool) -> bool:
    """The user row disagrees with its roles: staff flag, superuser, or a usable password (Windows
    signs people in: no password, so the admin offers no "Change password", a 404)."""
    return user.is_staff != staff or user.is_superuser or user.has_usable_password()


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
    if _row_out_of_date(user, staff):
        user.is_staff = staff
        user.is_superuser = False
        user.set_unusable_password()
        user.save(update_fields=["is_staff", "is_superuser", "password"])
    # Permissions are cached on the instance: drop them so this request sees the new roles.
    user.__dict__.pop("_console_perm_cache", None)


def permissions_of(roles: Iterable[str]) -> frozenset[str]:
    """Every permission the roles grant, from ROLE_PERMISSIONS: the same table `sync_roles` writes."""
    return frozenset(perm for role in roles for perm in ROLE_PERMISSIONS.get(role, ()))


class ConsoleRoleBackend(BaseBackend):
    """Permissions are the roles' permissions, read from the code rather than from four tables.

    The identity middleware puts the request's roles on the user (`console_roles`), so checking a
    permission costs no query. A user row loaded any other way (the admin's user list, a test)
    falls back to its role groups. Nobody is given permissions one by one: roles come from AD.
    """

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        return set(self._permissions(user_obj, obj))

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        return perm in self._permissions(user_obj, obj)

    @staticmethod
    def _permissions(user_obj, obj=None) -> frozenset[str]:
        """The user's permissions, worked out once per request (checked dozens of times a page)."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return frozenset()
        if not hasattr(user_obj, "_console_perm_cache"):
            roles = getattr(user_obj, "console_roles", None)
            if roles is None:
                roles = user_obj.groups.values_list("name", flat=True)
            user_obj._console_perm_cache = permissions_of(roles)
        return user_obj._console_perm_cache

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        prefix = f"{app_label}."
        return any(perm.startswith(prefix) for perm in self._permissions(user_obj))

    def get_user(self, user_id):
        return get_user_model()._default_manager.filter(pk=user_id).first()


# The roles this process last wrote to each user's groups, and when, so an unchanged identity costs
# no query. Permissions and is_staff never depend on it (they come from the request and the row);
# only the role groups the admin's user list shows could lag behind another process, for at most
# ROLES_RECHECK_SECONDS.
_applied_roles: dict[tuple[object, str], tuple[frozenset[str], float]] = {}
_APPLIED_ROLES_MAX = 10_000
ROLES_RECHECK_SECONDS = 300.0


def forget_applied_roles() -> None:
    """Check every user's role groups again on their next request (tests roll the rows back)."""
    _applied_roles.clear()


def _sync_roles(user, roles: frozenset[str]) -> None:
    stale_row = _row_out_of_date(user, bool(roles & STAFF_ROLES))
    key = (user.pk, user.get_username())
    applied, at = _applied_roles.get(key, (None, 0.0))
    if stale_row or applied != roles or time.monotonic() - at > ROLES_RECHECK_SECONDS:
        apply_roles(user, set(roles))
        if len(_applied_roles) >= _APPLIED_ROLES_MAX:
            _applied_roles.clear()
        _applied_roles[key] = (roles, time.monotonic())


def _withdraw_roles(username: str) -> None:
    """An identity whose AD groups no longer map to a role: its row keeps no role group either."""
    user = get_user_model()._default_manager.filter(username=username).first()
    if user is not None:
        _sync_roles(user, frozenset())


def _touch_last_login(user) -> None:
    """last_login says when the person was last seen, to within LAST_SEEN_EVERY (one small UPDATE)."""
    now = timezone.now()
    if user.last_login is None or now - user.last_login > LAST_SEEN_EVERY:
        user.last_login = now
        type(user)._default_manager.filter(pk=user.pk).update(last_login=now)


def identify(request: HttpRequest):
    """The user this request is from, or AnonymousUser: REMOTE_USER and its groups, every time.

    Windows authentication proves who is asking on every request, so nothing about the identity is
    kept between requests: one query reads the user row (so blocking someone takes effect at once,
    in every process), the roles come from the groups, and a new identity holding a role gets a
    row on its first visit. Identities holding no role get no row.
    """
    raw = request.META.get("REMOTE_USER", "")
    username = normalize_username(raw) if raw else None
    if username is None:
        return AnonymousUser()
    roles = frozenset(roles_for(raw, request.META.get(GROUPS_KEY, ())))
    if not roles:
        _withdraw_roles(username)
        return AnonymousUser()
    user = userrow.read(username)
    if user is None:
        user, _ = get_user_model()._default_manager.get_or_create(username=username)
    if not user.is_active:
        return AnonymousUser()
    _sync_roles(user, roles)
    # The roles of this request, in ROLES order: ConsoleRoleBackend's permissions, the header's names.
    user.console_roles = tuple(role for role in ROLES if role in roles)  # type: ignore[attr-defined]
    _touch_last_login(user)
    return user


class ConsoleIdentityMiddleware(AuthenticationMiddleware):
    """Sets request.user from the identity on every request, with no sign-in kept in the session.

    The session only holds what a page stores in it (a CSV upload between its two steps, when the
    vault key was last proved). That data belongs to the identity that stored it: a request from
    anyone else with the same session cookie starts from an empty session, which also makes a
    planted session cookie worthless. A browser gets a session cookie only once a page stores data.
    """

    def process_request(self, request: HttpRequest) -> None:
        user = identify(request)
        request.user = user

        async def auser():
            return user

        request.auser = auser
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            if request.session.get(SESSION_OWNER_KEY) != user.pk:
                request.session.flush()

    def process_response(self, request: HttpRequest, response):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and session.modified and user is not None and user.pk:
            if not session.is_empty() and session.get(SESSION_OWNER_KEY) != user.pk:
                session[SESSION_OWNER_KEY] = user.pk
        return response


class ConsoleLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Deny by default. There is no login form to send anyone to: say who they are and stop."""

    def handle_no_permission(self, request, view_func):
        return render(
            request,
            "orchestrator_site/denied.html",
            {"remote_user": request.META.get("REMOTE_USER", "")},
            status=403,
        )
