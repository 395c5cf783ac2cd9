"""The failed elements' groups page (/queues/failed/groups/) and the links to one group."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET

from orchestrator_site import clock, display, grouping
from orchestrator_site.reversing import name_url
from queues.groups import groups_snapshot


class FailedGroupsForm(grouping.GroupFilterForm):
    scope_field = "queue"
    queue = grouping.NameListField(required=False, label=gettext_lazy("Queue"))
    field_order = ("queue", "since", "until")


def group_link(key: str, since: dt.datetime, until: dt.datetime, queues: list[str]) -> str:
    """The failed inbox narrowed to group `key` failed in [since, until] (and these queues)."""
    query = {"group": key, "since": display.input_text(since), "until": display.input_text(until)}
    return f"{reverse('queues:failed')}?{urlencode({**query, 'queue': queues}, doseq=True)}"


def _queue_url(name: str) -> str:
    return name_url("queues:elements", name) + "?" + urlencode({"status": "FAILED"})


@permission_required("queues.view_queueelement", raise_exception=True)
@require_GET
def failed_groups(request: HttpRequest) -> HttpResponse:
    snapshot = groups_snapshot()
    form = FailedGroupsForm(request.GET, now=clock.now(), known=snapshot.value.scopes)
    context = grouping.page_context(form, snapshot, group_link, _queue_url)
    context.update(
        title=_("Failed elements by cause"),
        scope_label=_("Queues"),
        what=_("failed elements that are not acknowledged"),
        # The page says "4 in the failed inbox": the noun after "in the".
        list_label=pgettext("after 'in the'", "failed inbox"),
        cache_seconds=settings.CONSOLE_GROUPS_CACHE_SECONDS,
    )
    return render(request, "orchestrator_site/groups.html", context)
