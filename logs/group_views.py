"""The error lines' groups page (/logs/errors/groups/) and the links to one group."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, pgettext
from django.views.decorators.http import require_GET

from logs.groups import groups_snapshot
from orchestrator_site import clock, display, grouping
from orchestrator_site.reversing import name_url


class ErrorGroupsForm(grouping.GroupFilterForm):
    scope_field = "process"
    process = grouping.NameListField(required=False, label=gettext_lazy("Process"))
    field_order = ("process", "since", "until")


def group_link(key: str, since: dt.datetime, until: dt.datetime, processes: list[str]) -> str:
    """The cross-process log search narrowed to ERROR lines of group `key` in [since, until]."""
    query = {
        "level": "ERROR",
        "group": key,
        "since": display.input_text(since),
        "until": display.input_text(until),
        "process": processes,
    }
    return f"{reverse('logs:search')}?{urlencode(query, doseq=True)}"


def _process_url(name: str) -> str:
    return name_url("logs:process", name) + "?" + urlencode({"level": "ERROR"})


@permission_required("logs.view_log", raise_exception=True)
@require_GET
def error_groups(request: HttpRequest) -> HttpResponse:
    snapshot = groups_snapshot()
    form = ErrorGroupsForm(request.GET, now=clock.now(), known=snapshot.value.scopes)
    context = grouping.page_context(form, snapshot, group_link, _process_url)
    context.update(
        title=gettext("Error lines by cause"),
        scope_label=gettext("Processes"),
        what=gettext("Error log lines"),
        # The page says "4 in the log search": the noun after "in the".
        list_label=pgettext("after 'in the'", "log search"),
        cache_seconds=settings.CONSOLE_GROUPS_CACHE_SECONDS,
    )
    return render(request, "orchestrator_site/groups.html", context)
