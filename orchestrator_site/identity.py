"""The identity adapter: a WSGI layer in front of Django that decides who the request is from.

Behind IIS, HttpPlatformHandler forwards a Windows token *handle* in `X-IIS-WindowsAuthToken`.
Anyone who reaches waitress's port directly could send that header, so the adapter first checks a
pairing secret that only IIS adds (a URL Rewrite rule), then asks a resolver for the user and group
SIDs behind the handle, and hands Django `REMOTE_USER` plus the groups. Nothing from the client
reaches Django as an identity: incoming `REMOTE_USER`-like values are always removed.
"""

from __future__ import annotations

import hmac
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

TOKEN_KEY = "HTTP_X_IIS_WINDOWSAUTHTOKEN"  # noqa: S105 - a header name
GROUPS_KEY = "console.identity_groups"
LOCAL_ROLE_PREFIX = "local-role:"
MODES = ("iis", "remote-user", "local")
USERNAME_FORMS = ("domain\\user", "user", "upn")
# Paths whose view checks a bearer token of its own (/metrics, for a Prometheus scraper, which has no
# Windows identity): with CONSOLE_METRICS_TOKEN set, a request for exactly one of them that comes
# without an identity reaches Django as nobody, and the view demands the token. In IIS mode it must
# still come through IIS (the pairing secret).
TOKEN_PATHS = ("/metrics",)
# Client-supplied spellings of a user name that some servers honour; we never do.
_FORGEABLE = ("REMOTE_USER", "HTTP_REMOTE_USER", "HTTP_X_REMOTE_USER", "HTTP_X_FORWARDED_USER")


@dataclass(frozen=True)
class Identity:
    username: str  # as Windows says it: DOMAIN\user
    groups: tuple[str, ...] = field(default_factory=tuple)  # SIDs and DOMAIN\group names


class TokenResolver(Protocol):
    def __call__(self, token: str) -> Identity | None: ...


# TOKEN_GROUPS attributes (winnt.h): only enabled groups that are not deny-only may grant a role.
_SE_GROUP_ENABLED = 0x00000004
_SE_GROUP_USE_FOR_DENY_ONLY = 0x00000010


class WindowsTokenResolver:
    """Resolve an IIS token handle with pywin32 (imported only on Windows, only when used).

    HttpPlatformHandler duplicates the user's token into this process for every request, so the
    handle is ours to close. The adapter calls this only after the pairing secret matched: a handle
    number sent by anyone else must never reach CloseHandle (it could close one of our own handles).
    """

    def __call__(self, token: str) -> Identity | None:
        try:
            handle = int(token.strip(), 16)
        except ValueError:
            return None
        if handle <= 0:
            return None
        try:
            import win32api  # noqa: PLC0415 - Windows only
            import win32security  # noqa: PLC0415
        except ImportError:
            logger.error(
                "IIS sign-in needs pywin32 (in requirements.txt for Windows) on the server."
            )
            return None

        try:
            user_sid = win32security.GetTokenInformation(handle, win32security.TokenUser)[0]
            name, domain, _ = win32security.LookupAccountSid(None, user_sid)
            groups: list[str] = []
            for sid, attributes in win32security.GetTokenInformation(
                handle, win32security.TokenGroups
            ):
                if not attributes & _SE_GROUP_ENABLED or attributes & _SE_GROUP_USE_FOR_DENY_ONLY:
                    continue
                groups.append(win32security.ConvertSidToStringSid(sid))
                try:
                    group_name, group_domain, _ = win32security.LookupAccountSid(None, sid)
                except win32security.error:
                    continue
                groups.append(f"{group_domain}\\{group_name}" if group_domain else group_name)
            username = f"{domain}\\{name}" if domain else name
            return Identity(username=username, groups=tuple(groups))
        except Exception:  # noqa: BLE001 - a bad handle must be a refusal, not a crash
            logger.warning("Could not resolve the IIS Windows token handle.")
            return None
        finally:
            try:
                win32api.CloseHandle(handle)
            except Exception:  # noqa: BLE001, S110
                pass


def _header_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


def _forbidden(start_response, why: str) -> Iterable[bytes]:
    body = (
        "<!doctype html><title>403 Forbidden</title><h1>403 Forbidden</h1>"
        f"<p>{why}</p><p>Open the console through its address in IIS.</p>"
    ).encode()
    start_response(
        "403 Forbidden",
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


class IdentityAdapter:
    """WSGI middleware. `mode` is "iis", "remote-user" (a trusted server sets REMOTE_USER) or "local"."""

    def __init__(
        self,
        app: Callable,
        *,
        mode: str,
        pairing_secret: str = "",
        pairing_header: str = "X-Console-Pairing",
        resolver: TokenResolver | None = None,
        local_identity: Identity | None = None,
        token_paths: Iterable[str] = (),
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"Unknown identity mode {mode!r}; use one of {', '.join(MODES)}.")
        if mode == "iis" and not pairing_secret:
            raise ValueError("IIS mode needs a pairing secret.")
        if mode == "local" and pairing_secret:
            raise ValueError("Local sign-in mode refuses to run with a pairing secret configured.")
        if mode == "local" and local_identity is None:
            raise ValueError("Local sign-in mode needs a local identity.")
        self.app = app
        self.mode = mode
        self._secret = pairing_secret.encode()
        self._secret_key = _header_key(pairing_header)
        self.resolver = resolver or WindowsTokenResolver()
        self.local_identity = local_identity
        self.token_paths = frozenset(token_paths)

    def __call__(self, environ: dict, start_response):
        trusted_remote_user = environ.get("REMOTE_USER") if self.mode == "remote-user" else None
        for key in _FORGEABLE:
            environ.pop(key, None)
        environ.pop(GROUPS_KEY, None)
        supplied = environ.pop(self._secret_key, None)
        token = environ.pop(TOKEN_KEY, None)
        if self.mode == "iis" and (
            supplied is None or not hmac.compare_digest(supplied.encode(), self._secret)
        ):
            return _forbidden(start_response, "This request did not come through IIS.")

        identity, why = self._identity(environ, trusted_remote_user, token)
        if identity is None or not identity.username:
            if environ.get("PATH_INFO", "") in self.token_paths:
                # Without an identity, a token path still reaches its view, which demands its token.
                return self.app(environ, start_response)
            return _forbidden(start_response, why)
        environ["REMOTE_USER"] = identity.username
        environ[GROUPS_KEY] = tuple(identity.groups)
        return self.app(environ, start_response)

    def _identity(
        self, environ: dict, trusted_remote_user: str | None, token: str | None
    ) -> tuple[Identity | None, str]:
        """Who the request is from, or None and why not (after the pairing secret matched)."""
        unreadable = "The Windows identity could not be read."
        if self.mode == "local":
            return self.local_identity, unreadable
        if self.mode == "remote-user":
            if not trusted_remote_user:
                return None, "The front-end server sent no signed-in user."
            groups = tuple(_split(environ.get("REMOTE_GROUPS")))
            return Identity(trusted_remote_user, groups), unreadable
        if not token:
            return None, "IIS sent no Windows identity."
        try:
            return self.resolver(token), unreadable
        except Exception:  # noqa: BLE001 - a resolver failure is a refusal, never a 500
            logger.exception("The token resolver failed.")
            return None, unreadable


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def upn_suffixes(entries: Iterable[str], allowed_domains: Iterable[str]) -> dict[str, str]:
    """CONSOLE_UPN_SUFFIXES (`corp.example=CORP`, ...) as {suffix: DOMAIN}, lower case.

    Each suffix names exactly one Windows domain, and (when CONSOLE_ALLOWED_DOMAINS is set) an
    allowed one: only then may `ada@corp.example` be the same person as `CORP\\ada`.
    """
    allowed = {d.lower() for d in allowed_domains}
    mapping: dict[str, str] = {}
    for entry in entries:
        suffix, _, domain = (part.strip().lower() for part in entry.partition("="))
        if not suffix or not domain or any(c in suffix + domain for c in "\\@= "):
            raise ImproperlyConfigured(
                "CONSOLE_UPN_SUFFIXES: write each entry as suffix=DOMAIN, for example "
                f"corp.example=CORP (got {entry!r})."
            )
        if allowed and domain not in allowed:
            raise ImproperlyConfigured(
                f"CONSOLE_UPN_SUFFIXES maps {suffix} to {domain.upper()}, which is not in "
                "CONSOLE_ALLOWED_DOMAINS."
            )
        if mapping.setdefault(suffix, domain) != domain:
            raise ImproperlyConfigured(
                f"CONSOLE_UPN_SUFFIXES maps {suffix} to both {mapping[suffix].upper()} and "
                f"{domain.upper()}: a suffix must name one domain."
            )
    return mapping


def username_form(form: str, allowed_domains: list[str]) -> str:
    """CONSOLE_USERNAME_FORM, checked: dropping the domain is safe only when there is one domain."""
    form = form.strip().lower()
    if form not in USERNAME_FORMS:
        raise ImproperlyConfigured(
            f"CONSOLE_USERNAME_FORM must be one of {', '.join(USERNAME_FORMS)} (got {form!r})."
        )
    if form == "user" and len(allowed_domains) != 1:
        raise ImproperlyConfigured(
            "CONSOLE_USERNAME_FORM=user drops the domain, so it needs exactly one domain in "
            "CONSOLE_ALLOWED_DOMAINS: otherwise CORP\\ada and OTHER\\ada would be one user."
        )
    return form


def local_identity(username: str, roles: Iterable[str]) -> Identity:
    """The identity of local sign-in mode: the roles are given directly, never from AD."""
    return Identity(username=username, groups=tuple(LOCAL_ROLE_PREFIX + r for r in roles))


def signed_in_environ(identity: Identity) -> dict:
    """The environ keys the adapter sets for an identity (used by the test client personas)."""
    return {"REMOTE_USER": identity.username, GROUPS_KEY: tuple(identity.groups)}


def token_paths_from_settings() -> tuple[str, ...]:
    """TOKEN_PATHS while CONSOLE_METRICS_TOKEN is set; none otherwise (nobody gets in at all)."""
    from django.conf import settings

    return TOKEN_PATHS if settings.CONSOLE_METRICS_TOKEN else ()


def adapter_from_settings(app: Callable) -> IdentityAdapter:
    from django.conf import settings

    local = None
    if settings.CONSOLE_IDENTITY_MODE == "iis" and sys.platform != "win32":
        logger.warning(
            "IIS sign-in mode off Windows: no token can be resolved, so every request is refused. "
            "Use CONSOLE_LOCAL_USER for a local run, or CONSOLE_IDENTITY_MODE=remote-user."
        )
    if settings.CONSOLE_IDENTITY_MODE == "local":
        local = local_identity(settings.CONSOLE_LOCAL_USER, settings.CONSOLE_LOCAL_ROLES)
    return IdentityAdapter(
        app,
        mode=settings.CONSOLE_IDENTITY_MODE,
        pairing_secret=settings.CONSOLE_PAIRING_SECRET,
        pairing_header=settings.CONSOLE_PAIRING_HEADER,
        local_identity=local,
        token_paths=token_paths_from_settings(),
    )
