"""OpenOrchestrator-compatible encryption (`crypto_util`): Fernet with the installation key."""

from __future__ import annotations

import hmac

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables

# A 1000-character column holds the token of at most 687 plaintext bytes
# (docs/openorchestrator.md#credentials).
MAX_PASSWORD_BYTES = 687


class VaultUnavailable(Exception):
    """No usable OpenOrchestratorKey is configured."""


class WrongKey(Exception):
    """The stored token was not made with the configured key."""


@sensitive_variables("key")
def validate_configured_key() -> None:
    key = settings.OPENORCHESTRATOR_KEY
    if not key:
        return
    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "OpenOrchestratorKey is not a valid Fernet key: it must be the 44-character url-safe "
            "base64 key that OpenOrchestrator generated (the same value the Schedulers use)."
        ) from None


def vault_available() -> bool:
    return bool(settings.OPENORCHESTRATOR_KEY)


@sensitive_variables("key")
def _fernet() -> Fernet:
    key = settings.OPENORCHESTRATOR_KEY
    if not key:
        raise VaultUnavailable(
            "OpenOrchestratorKey is not set, so passwords can be neither encrypted nor revealed."
        )
    return Fernet(key)


def token_length(plaintext_bytes: int) -> int:
    """Length of the Fernet token for a plaintext of that many bytes."""
    return 4 * -(-(73 + 16 * (plaintext_bytes // 16)) // 3)


@sensitive_variables("plaintext")
def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


@sensitive_variables("token")
def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise WrongKey(
            "This password was not encrypted with the configured OpenOrchestratorKey."
        ) from None


@sensitive_variables("typed", "key")
def key_matches(typed: str) -> bool:
    """Constant-time comparison of a typed key with the configured one."""
    key = settings.OPENORCHESTRATOR_KEY or ""
    return bool(key) and hmac.compare_digest(typed.strip().encode(), key.encode())
