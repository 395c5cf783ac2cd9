"""The vault lists' row links name their row for assistive technology, and a hostile name stays text."""

from __future__ import annotations

from tests.helpers import make_constant, make_credential, oo_db
from tests.rowcontrols import HOSTILE, Controls
from vault.models import Constant


@oo_db
def test_each_credential_link_names_its_row_and_leads_to_its_page(as_admin, as_keeper):
    make_credential(HOSTILE)
    make_credential("Other")
    html = as_keeper.get("/vault/credentials/").content.decode()
    assert "<script>alert(1)" not in html
    links = {a.get("aria-label"): a["href"] for a in Controls(html).links if a.get("aria-label")}
    reveal = links[f"Reveal {HOSTILE}"]
    assert as_keeper.get(reveal).context["credential"].name == HOSTILE
    assert links["Reveal Other"].endswith("/Other/reveal/")
    admin = Controls(as_admin.get("/vault/credentials/").content.decode())
    labels = {a.get("aria-label") for a in admin.links}
    assert {f"Edit {HOSTILE}", f"Delete {HOSTILE}", "Edit Other", "Delete Other"} <= labels


@oo_db
def test_each_constant_link_names_its_row_and_leads_to_its_page(as_admin, as_viewer):
    make_constant(HOSTILE)
    html = as_admin.get("/vault/constants/").content.decode()
    assert "<script>alert(1)" not in html
    links = {a.get("aria-label"): a["href"] for a in Controls(html).links if a.get("aria-label")}
    response = as_admin.post(links[f"Delete {HOSTILE}"])
    assert response.status_code == 302 and not Constant.objects.filter(name=HOSTILE).exists()
    assert "Edit " not in str(Controls(as_viewer.get("/vault/constants/").content.decode()).links)
