"""Every table scrolls sideways in its own named, focusable region (table.html, `scroll_region`),
so that a wide table never widens the page on a phone and a keyboard can still scroll it."""

from __future__ import annotations

import importlib
import re

import django_tables2 as tables
from django.template import Context, Template
from django.test import RequestFactory

from orchestrator_site.tables import ConsoleTable

REGION = re.compile(
    r'<div class="table-container" role="region" aria-label="(?P<label>[^"]*)" tabindex="0">'
)


class Things(ConsoleTable):
    region_label = 'Things <&> "quoted"'
    name = tables.Column()


def _render(table: tables.Table, path: str = "/things/") -> str:
    request = RequestFactory().get(path)
    tables.RequestConfig(request, paginate={"per_page": 2}).configure(table)
    return Template("{% load django_tables2 %}{% render_table table %}").render(
        Context({"table": table, "request": request})
    )


def test_the_table_stands_in_a_named_focusable_region_and_its_pages_below_it():
    html = _render(Things([{"name": f"thing {i}"} for i in range(5)]))
    region = REGION.search(html)
    assert region is not None, html
    assert region["label"] == "Things &lt;&amp;&gt; &quot;quoted&quot;"
    inside = html[region.end() :]
    table_end = inside.index("</table>")
    assert inside.index("<table") < table_end
    # The region closes right after the table: the page links do not scroll away with it.
    assert inside[table_end + len("</table>") :].lstrip().startswith("</div>")
    assert table_end < inside.index('<ul class="pagination">')
    assert len(REGION.findall(html)) == 1


def test_an_empty_table_says_so_inside_its_region():
    html = _render(Things([], empty_text="No things match."))
    region = REGION.search(html)
    assert region is not None, html
    assert region.end() < html.index("No things match.") < html.index("</table>")


def test_scroll_region_wraps_a_hand_written_table_and_escapes_its_name():
    html = Template(
        "{% load console_format %}{% scroll_region label %}<table><tr><td>{{ cell }}</td></tr>"
        "</table>{% endscroll_region %}"
    ).render(Context({"label": 'Recent "errors" <b>', "cell": "<script>"}))
    assert html == (
        '<div class="table-container" role="region" aria-label="Recent &quot;errors&quot; '
        '&lt;b&gt;" tabindex="0"><table><tr><td>&lt;script&gt;</td></tr></table></div>'
    )


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_every_table_of_the_console_names_its_own_region():
    """A screen reader lists regions by name: "Table" says nothing about what is in it."""
    for app in ("queues", "logs", "triggers", "vault", "alerts", "orchestrator_site"):
        importlib.import_module(f"{app}.tables")
    console_tables = [t for t in _subclasses(ConsoleTable) if not t.__module__.startswith("tests")]
    assert len(console_tables) >= 10
    unnamed = [t.__qualname__ for t in console_tables if t.region_label == "Table"]
    assert unnamed == []
