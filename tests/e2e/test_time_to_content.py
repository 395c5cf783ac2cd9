"""The time-to-content benchmark (bench/time_to_content.py) measures what it says in Chromium.

No timing thresholds here (the benchmark judges those): each measurement must be a real moment
between navigation start and the page's load event, taken when real rows (or every dashboard
panel) were in the DOM, never the "No ... match" row nor an empty table.
"""

from __future__ import annotations

import math

import pytest

from bench import time_to_content

# (path, content, what the first matched row must contain) on the demo database.
CASES = [
    ("/", "panels", "panel-errors"),
    ("/logs/", "rows", ""),
    ("/triggers/", "rows", ""),
    ("/vault/constants/", "rows", ""),
]


@pytest.mark.parametrize(("path", "content", "first_contains"), CASES)
def test_time_to_content_is_a_moment_before_load_with_real_content(
    as_role, path, content, first_contains
):
    admin = as_role("admin")
    admin.page.add_init_script(time_to_content.READY_SCRIPT)
    result = time_to_content.measure(admin.page, admin.console.url + path, content)

    assert result["status"] == 200
    ms = result["content_ms"]
    assert isinstance(ms, float | int) and math.isfinite(ms), result
    assert 0 < result["response_ms"] <= ms < result["load_ms"], result
    # Real rows: at least two cells each (the one-cell "No ... match" row does not count), as
    # many as the finished page shows at most; on the dashboard, every panel it renders.
    finished = admin.page.evaluate(
        """(content) => content === "panels"
            ? document.querySelectorAll("#content .grid > section.panel").length
            : Array.from(document.querySelectorAll("#content table > tbody > tr"))
                .filter((tr) => tr.querySelectorAll(":scope > td").length >= 2).length""",
        content,
    )
    assert result["cells"] >= 2, result
    assert 1 <= result["matched"] <= finished, (result, finished)
    if content == "panels":
        assert result["matched"] == finished, (result, finished)
    assert first_contains in result["first"] and result["first"].strip(), result
    assert admin.problems == [], admin.problems
