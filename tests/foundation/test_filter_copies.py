"""FilterSet instances share what their filters were declared with, never the filters themselves
(orchestrator_site.filters._DeclaredFilters): each instance's filters, and the methods bound to
them, answer to that instance's own form."""

from __future__ import annotations

from django.http import QueryDict

from queues.filters import ElementFilter
from queues.models import QueueElement, QueueStatus
from tests.helpers import make_element, oo_db


def _filter(query: str) -> ElementFilter:
    return ElementFilter(QueryDict(query), queryset=QueueElement.objects.all())


def test_each_instance_has_its_own_filters_and_shares_their_declaration():
    first, second = _filter("reference=A"), _filter("reference=B")
    for name, declared in ElementFilter.base_filters.items():
        a, b = first.filters[name], second.filters[name]
        assert a is not b and a is not declared
        assert a.parent is first and b.parent is second
        assert a.extra == declared.extra and a.extra is not declared.extra
        for key, value in declared.extra.items():
            assert a.extra[key] is value  # shared, not copied
    assert first.filters["status"].extra["choices"] == list(QueueStatus.choices)


@oo_db
def test_a_method_filter_reads_its_own_instances_form():
    for reference in ("INV-1", "INV-10", "INV-2"):
        make_element("Q", reference=reference)
    exact = _filter("reference=INV-1&reference_match=exact")
    prefix = _filter("reference=INV-1&reference_match=startswith")
    # Evaluated in the opposite order of creation: each still reads its own reference_match.
    assert sorted(prefix.qs.values_list("reference", flat=True)) == ["INV-1", "INV-10"]
    assert list(exact.qs.values_list("reference", flat=True)) == ["INV-1"]
