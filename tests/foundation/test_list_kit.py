"""The shared list kit: the filter form's Clear link and the admin's capped paginator."""

from __future__ import annotations

import html
import re

import pytest

from orchestrator_site.models import AuditEntry
from orchestrator_site.paging import CappedPaginator
from orchestrator_site.reversing import name_url
from tests.helpers import NOW, make_element, oo_db


@oo_db
@pytest.mark.parametrize("name", ["Q?status=DONE", "Q#top", "Q 1"])
def test_the_clear_link_leads_back_to_the_same_queue(as_viewer, name):
    make_element(name, reference="mine")
    url = name_url("queues:elements", name)
    page = as_viewer.get(url, {"reference": "x"}).content.decode()
    clear = re.search(r'<a href="([^"]*)">Clear</a>', page).group(1)
    assert (
        as_viewer.get(html.unescape(clear)).request["PATH_INFO"]
        == as_viewer.get(url).request["PATH_INFO"]
    )
    assert "mine" in as_viewer.get(html.unescape(clear)).content.decode()


@pytest.mark.django_db
def test_the_capped_paginator_counts_one_past_the_cap(settings):
    settings.CONSOLE_COUNT_CAP = 3
    for _ in range(5):
        AuditEntry.objects.create(at=NOW, username="u", action="a", target_type="t")
    paginator = CappedPaginator(AuditEntry.objects.order_by("pk"), 2)
    assert paginator.count == 4 and paginator.num_pages == 2
