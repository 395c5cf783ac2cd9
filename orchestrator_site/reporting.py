"""Telling the person what a write did: one helper for views and admin actions alike."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.http import HttpRequest


def report(
    request: HttpRequest,
    message: str,
    *,
    level: int = messages.SUCCESS,
    warnings: Iterable[str] = (),
) -> None:
    """`message` at `level` (SUCCESS when it all happened, WARNING when part was skipped, ERROR
    when nothing changed), then each warning. ModelAdmin.message_user is this same messages
    framework, so an admin action reports through here too."""
    messages.add_message(request, level, message)
    for warning in warnings:
        messages.warning(request, warning)
