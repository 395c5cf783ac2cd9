"""Danish on the trigger pages: what a person reads follows the browser's language, while the audit
trail keeps every refusal and reason in English (records are not translated)."""

from __future__ import annotations

import html

from tests.helpers import make_trigger, oo_db
from tests.triggers.test_reset import reset_url, stale_running
from tests.triggers.util import audit_rows, edit_data, form_data, status_of
from triggers.models import Trigger, TriggerStatus, TriggerType

DA = {"HTTP_ACCEPT_LANGUAGE": "da"}


@oo_db
def test_a_refused_pause_is_said_in_danish_and_audited_in_english(as_operator):
    trigger = make_trigger(name="Faktura", status=TriggerStatus.PAUSED)
    response = as_operator.post(f"/triggers/{trigger.pk}/pause/", follow=True, **DA)
    assert (
        "Faktura blev ikke sat på pause: den har nu status Sat på pause (intet at sætte på pause)."
    ) in response.content.decode()
    [row] = audit_rows("trigger.pause")
    assert row.outcome == "refused"
    assert row.reason == "Faktura was not paused: it is Paused now (nothing to pause)."


@oo_db
def test_the_list_speaks_danish_and_english_stays_the_default(as_operator):
    make_trigger(name="Faktura", status=TriggerStatus.RUNNING)
    danish = html.unescape(as_operator.get("/triggers/", **DA).content.decode())
    assert "Sæt Faktura på pause" in danish and "Stop den kørende proces for Faktura?" in danish
    assert "Pause Faktura" not in danish and "Kill the running process" not in danish
    english = html.unescape(as_operator.get("/triggers/").content.decode())
    assert "Pause Faktura" in english and "Sæt Faktura på pause" not in english


@oo_db
def test_the_reset_page_explains_the_risk_in_danish_and_the_trail_keeps_english(as_operator):
    trigger, _job = stale_running()
    page = html.unescape(as_operator.get(reset_url(trigger), **DA).content.decode())
    assert "Hvorfor den ser forsinket ud:" in page and "Dens Scheduler PC-P pingede sidst" in page
    assert "Why it looks stale" not in page and "last pinged" not in page
    response = as_operator.post(
        reset_url(trigger),
        {"expected_status": "RUNNING", "to_status": "IDLE", "understood": "on"},
        follow=True,
        **DA,
    )
    assert status_of(trigger) == TriggerStatus.IDLE
    assert (
        "T-P er nulstillet fra Kører til Ledig. Dens job på PC-P er markeret som fejlet."
    ) in response.content.decode()
    [row] = audit_rows("trigger.reset")
    assert "Its Scheduler PC-P last pinged" in row.detail and "pingede" not in row.detail


@oo_db
def test_a_cron_expression_the_scheduler_would_reject_is_refused_in_danish(as_admin):
    data = form_data("scheduled", cron_expr="0 6 * *")
    response = as_admin.post("/triggers/new/scheduled/", data, **DA)
    assert response.status_code == 200 and not Trigger.objects.exists()
    page = response.content.decode()
    assert "Intet blev gemt." in page
    assert "Brug præcis 5 felter: minut time dag-i-måneden måned ugedag." in page


@oo_db
def test_an_edit_conflict_is_said_in_danish_and_audited_in_english(as_admin):
    trigger = make_trigger(TriggerType.SINGLE, name="A", priority=1)
    data = edit_data(as_admin.get(f"/triggers/{trigger.pk}/edit/"))
    Trigger.objects.filter(pk=trigger.pk).update(trigger_name="B")
    response = as_admin.post(f"/triggers/{trigger.pk}/edit/", {**data, "trigger_name": "C"}, **DA)
    assert response.status_code == 409
    assert (
        "Triggeren blev ændret af en anden (eller af Scheduleren), mens du redigerede den: "
        "triggernavn er nu “B”. Intet blev gemt"
    ) in html.unescape(response.content.decode())
    assert audit_rows("trigger.edit")[-1].reason.startswith(
        "This trigger was changed by someone else (or the Scheduler) while you edited it: "
        "trigger name is now “B”."
    )
