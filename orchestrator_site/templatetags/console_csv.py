"""`{% csv_export_form url filter %}`: the button that downloads a list's CSV export (a POST)."""

from __future__ import annotations

from django import template

from orchestrator_site.csvstream import STANDARD, ExportFormatForm, filter_fields

register = template.Library()


@register.inclusion_tag("orchestrator_site/_csv_export_form.html", takes_context=True)
def csv_export_form(context, action: str, filterset, dialect: str = STANDARD) -> dict:
    """A POST form with CSRF token whose hidden inputs are the rows' filter, so the file holds
    exactly the rows the page shows, and the choice of format (Excel (Danish) or standard CSV)."""
    return {
        "action": action,
        "fields": filter_fields(filterset),
        "format": ExportFormatForm(initial={"dialect": dialect}),
        "csrf_token": context.get("csrf_token"),
    }
