"""Every page in the navigation renders in Chromium without a JavaScript error or a CSP violation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orchestrator_site.context_processors import NAVIGATION


@pytest.mark.parametrize(("key", "label", "url_name"), NAVIGATION)
def test_page_loads_cleanly_for_an_automation_admin(as_role, key, label, url_name):
    admin = as_role("admin")
    path = reverse(url_name)
    response = admin.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    assert response.headers["content-security-policy"].startswith("")
    admin.page.wait_for_load_state("networkidle")
    admin.shot(f"page-{key}")
    assert admin.problems == [], f"{path}: {admin.problems}"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/queues/queueelement/",
        "/admin/triggers/trigger/",
        "/admin/logs/log/",
        "/admin/vault/credential/",
        "/admin/orchestrator_site/auditentry/",
    ],
)
def test_admin_pages_load_cleanly(as_role, path):
    admin = as_role("admin")
    response = admin.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    admin.page.wait_for_load_state("networkidle")
    assert admin.problems == [], f"{path}: {admin.problems}"
