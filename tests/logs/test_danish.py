"""The logs pages in Danish when the browser asks for it; counts in the right plural in both
languages; the purge command keeps English."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from logs.models import LogLevel
from tests.helpers import NOW, make_log, oo_db

DANISH = {"HTTP_ACCEPT_LANGUAGE": "da"}
SELECTED = reverse("logs:delete_selected")


@oo_db
def test_the_delete_button_counts_in_the_right_plural(as_admin):
    one, two = make_log(), make_log()
    page = as_admin.post(SELECTED, {"ids": [str(one.pk)]}).content.decode()
    assert "Delete 1 selected log?" in page and ">Delete 1 log</button>" in page
    page = as_admin.post(SELECTED, {"ids": [str(one.pk), str(two.pk)]}).content.decode()
    assert ">Delete 2 logs</button>" in page
    page = as_admin.post(SELECTED, {"ids": [str(one.pk), str(two.pk)]}, **DANISH).content
    assert "Slet 2 valgte logs?" in page.decode() and ">Slet 2 logs</button>" in page.decode()


@oo_db
def test_a_process_page_is_danish(as_admin):
    make_log("Proc A", level=LogLevel.ERROR, message="boom")
    page = as_admin.get(reverse("logs:process", args=["Proc A"]), **DANISH).content.decode()
    assert "Logs fra Proc A" in page and "Tekst indeholder" in page
    assert '<span class="badge badge-ERROR">Fejl</span>' in page
    assert 'aria-label="Vælg alle viste logs"' in page and ">detaljer</a>" in page


@oo_db
def test_the_retention_choices_and_the_result_are_danish(as_admin):
    make_log("Proc A", message="old", at=NOW - dt.timedelta(days=40))
    url = reverse("logs:delete_matching", args=["Proc A"]) + "?older_than=30"
    page = as_admin.get(url, **DANISH).content.decode()
    assert "ældre end 30 dage" in page and "Slet 1 log fra Proc A ældre end 30 dage" in page
    as_of = page.split('name="as_of" value="')[1].split('"')[0]
    done = as_admin.post(url, {"as_of": as_of}, follow=True, **DANISH).content.decode()
    assert "Slettede 1 log fra “Proc A”, der matchede, ældre end 30 dage" in done


@oo_db
def test_purge_logs_speaks_english_whatever_language_is_active():
    make_log("Proc A", message="old", at=NOW - dt.timedelta(days=40))
    out = StringIO()
    with translation.override("da"):
        call_command("purge_logs", "--older-than", "30", stdout=out)
    assert "of all processes older than 30 days (written before" in out.getvalue()


@oo_db
def test_the_log_admin_is_danish(as_admin):
    logs = [make_log() for _ in range(2)]
    changelist = reverse("admin:logs_log_changelist")
    page = as_admin.get(changelist, **DANISH).content.decode()
    assert "Slet valgte logs (med revisionsspor)" in page and "Besked" in page
    assert "Et præcist procesnavn eller et job-id." in page
    data = {"action": "delete_logs_audited", "_selected_action": [str(x.pk) for x in logs]}
    confirm = as_admin.post(changelist, data, **DANISH).content.decode()
    assert "Slet 2 logs?" in confirm and "Ja, slet 2" in confirm
