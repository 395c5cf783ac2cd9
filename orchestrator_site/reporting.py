"""Telling the person what a write did: one helper for views and admin actions alike."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.http import HttpRequest

from orchestrator_site.writes import WriteResult


def report(
    request: HttpRequest,
    message: str,
    *,
    level: int = messages.SUCCESS,
    warnings: Iterable[str] = (),
) -> None:
    """`message` at `level`, then each warning. ModelAdmin.message_user is this same messages
    framework, so an admin action reports through here too. A write's result goes through
    `report_result`, which picks the level."""
    messages.add_message(request, level, message)
    for warning in warnings:
        messages.warning(request, warning)


def result_level(result: WriteResult) -> int:
    """ERROR when something was asked and nothing changed, WARNING when some of it was skipped,
    SUCCESS otherwise (everything asked changed, or nothing was asked)."""
    if result.asked and not result.changed:
        return messages.ERROR
    if result.skipped:
        return messages.WARNING
    return messages.SUCCESS


def report_result(request: HttpRequest, result: WriteResult) -> None:
    """A write's message at the level its counts call for (`result_level`), then its warnings."""
    report(request, result.message, level=result_level(result), warnings=result.warnings)
