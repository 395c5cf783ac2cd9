"""Time, one way: every page and every admin list shows a moment in the one format, names the time
zone those moments are in, writes a duration one way and spells each status one way.

The page tests render the console with the demo database (demo.builder, the data `make run`
serves) and read what a person reads (tests/foundation/pagetext.py): a date-time in any other
shape, a duration not written the one way, or a status spelt otherwise fails them, wherever it
appears, so a new template cannot bring back a second format unnoticed.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import dateformat, formats, translation

from alerts.models import AlertRule, Channel, Delivery, DeliveryStatus, Event, Incident, RuleKind
from demo import builder
from logs.models import Log, LogLevel
from orchestrator_site import clock, display
from orchestrator_site.formats import datetime_formats
from orchestrator_site.models import AuditEntry
from queues.models import Acknowledgement, QueueElement, QueueStatus
from tests import oo
from tests.foundation import pagetext
from tests.helpers import NOW, oo_tx
from triggers.models import Job, JobStatus, Scheduler, Trigger, TriggerStatus, TriggerType
from vault.models import Constant, Credential

ROOT = Path(__file__).resolve().parents[2]
MOMENT = dt.datetime(2026, 11, 28, 8, 55, 25, 123456)
TIME_ZONE_NOTE = f"Times are {settings.TIME_ZONE} local time"


# --- The one format and what is derived from it -----------------------------------------------


@pytest.mark.no_orchestrator_db
def test_the_default_format_and_its_variants():
    assert settings.CONSOLE_DATETIME_FORMATS == {
        "datetime": "d-m-Y H:i:s",
        "precise": "d-m-Y H:i:s.u",
        "date": "d-m-Y",
        "time": "H:i:s",
    }
    assert display.datetime_text(MOMENT) == "28-11-2026 08:55:25"
    assert display.datetime_text(MOMENT, "precise") == "28-11-2026 08:55:25.123456"
    assert display.datetime_text(MOMENT.date(), "date") == "28-11-2026"


@pytest.mark.no_orchestrator_db
@pytest.mark.parametrize(
    ("one", "date", "precise"),
    [
        (r"Y-m-d\TH:i:s", "Y-m-d", r"Y-m-d\TH:i:s.u"),
        ("j. F Y, H:i:s", "j. F Y", "j. F Y, H:i:s.u"),
        ("d.m.Y H:i:s.u", "d.m.Y", "d.m.Y H:i:s.u"),
    ],
)
def test_every_variant_is_the_same_shape_cut_or_extended(one, date, precise):
    formats_ = datetime_formats(one)
    assert (formats_["datetime"], formats_["date"], formats_["precise"]) == (one, date, precise)


@pytest.mark.no_orchestrator_db
@pytest.mark.parametrize("bad", ["d-m-Y H:i", "H:i:s d-m-Y", "d-m-Y", ""])
def test_a_format_without_a_date_then_seconds_is_refused_at_start(bad):
    with pytest.raises(ImproperlyConfigured, match="CONSOLE_DATETIME_FORMAT"):
        datetime_formats(bad)


@pytest.mark.no_orchestrator_db
@pytest.mark.parametrize("language", ["en", "en-gb", "da"])
def test_djangos_own_formats_are_the_consoles_in_every_language(language):
    """The admin and `|date` read a language's format module before the DATETIME_FORMAT setting
    (en-gb's own is "28 Nov 2026, 8:57 a.m."): the console's modules win for each language."""
    own = formats.get_format("DATETIME_FORMAT", lang=language)
    assert dateformat.format(MOMENT, own) == display.datetime_text(MOMENT)
    day = formats.get_format("DATE_FORMAT", lang=language)
    assert dateformat.format(MOMENT.date(), day) == "28-11-2026"
    assert formats.get_format("SHORT_DATETIME_FORMAT", lang=language) == own


def _django(tmp_path: Path, code: str, **env: str) -> subprocess.CompletedProcess:
    """`code` in a fresh Python with the console's production settings, Danish and i18n on (as
    they will be), and `env`: the setting is read at start-up, so only a new process shows it."""
    (tmp_path / "danish_settings.py").write_text(
        "from orchestrator_site.settings import *  # noqa\nUSE_I18N = True\nLANGUAGE_CODE = 'da'\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONSOLE_")}
    environment.update(
        DJANGO_SETTINGS_MODULE="danish_settings",
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]),
        CONSOLE_LOCAL_USER="tester",
        CONSOLE_VAR_DIR=str(tmp_path / "var"),
        **env,
    )
    script = "import django\ndjango.setup()\n" + code
    return subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.no_orchestrator_db
def test_one_setting_changes_every_place_also_in_danish(tmp_path):
    shown = _django(
        tmp_path,
        "import datetime as dt\n"
        "from django.contrib.admin.utils import display_for_field\n"
        "from django.db.models import DateTimeField\n"
        "from django.template import Context, Template\n"
        "from django.utils import translation\n"
        "t = dt.datetime(2026, 11, 28, 8, 55, 25, 123456)\n"
        "with translation.override('da'):\n"
        "    print(translation.get_language())\n"
        "    print(Template('{% load console_format %}{{ t|when }}|{{ t|date }}|{{ t }}|"
        "{{ t|when:\"precise\" }}').render(Context({'t': t})))\n"
        "    print(display_for_field(t, DateTimeField(), '-'))\n",
        CONSOLE_DATETIME_FORMAT=r"Y-m-d\TH:i:s",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "da",
        "2026-11-28T08:55:25|2026-11-28|2026-11-28T08:55:25|2026-11-28T08:55:25.123456",
        "2026-11-28T08:55:25",
    ]


@pytest.mark.no_orchestrator_db
def test_an_unusable_format_stops_start_up_with_a_message(tmp_path):
    shown = _django(tmp_path, "print('started')", CONSOLE_DATETIME_FORMAT="H:i d-m-Y")
    assert shown.returncode != 0 and "started" not in shown.stdout
    assert "CONSOLE_DATETIME_FORMAT='H:i d-m-Y' must be a date followed by a time" in shown.stderr


# --- What the page reader catches (so the page tests below can fail) ---------------------------


@pytest.mark.no_orchestrator_db
@pytest.mark.parametrize(
    "seen",
    [
        "Last run 28-11 08:55",
        "at 28-11-2026 08:55",
        "started Sat 28/11",
        "28 Nov 2026, 8:57 a.m.",
        "Nov. 28, 2026, 8:57 p.m.",
        "Updated 08:30:00",
        "on 2026-11-28 08:30:00",
        "since Wed 25-11-2026",
    ],
)
def test_the_reader_sees_every_other_shape_of_a_moment(seen):
    assert pagetext.other_moments(seen), seen


@pytest.mark.no_orchestrator_db
@pytest.mark.parametrize(
    ("seen", "odd"),
    [
        ("counted 1016 s ago beside 17 min", ["1016 s"]),
        ("within 300 s", ["300 s"]),
        ("started more than 30 minutes ago", ["30 minutes"]),
        ("the last 72 hours", ["72 hours"]),
        ("took 16 min 5 s", ["16 min 5 s"]),
        ("17 min ago, 2 h 5 min, 45 s, 3 min 5 s, 2 d 4 h", []),
    ],
)
def test_the_reader_sees_a_duration_written_another_way(seen, odd):
    assert pagetext.odd_durations(seen) == odd


@pytest.mark.no_orchestrator_db
def test_the_reader_sees_a_status_spelt_another_way():
    seen = pagetext.odd_status_spellings("In Progress, IN_PROGRESS, FAILED and ERROR")
    assert sorted(seen) == ["ERROR", "FAILED", "IN_PROGRESS", "In Progress"]
    assert pagetext.odd_status_spellings("In progress, 2 in progress, Failed, failed, Error") == []


@pytest.mark.no_orchestrator_db
def test_every_status_has_one_label_in_the_models_and_the_admin():
    from django.contrib import admin

    for choices in (QueueStatus, TriggerStatus, JobStatus, LogLevel):
        for value, label in choices.choices:
            assert label == display.status_label(value), (choices, value)
    assert display.status_label("IN_PROGRESS") == "In progress"
    scheduler_admin = admin.site._registry[Scheduler]
    offline = Scheduler(machine_name="PC", last_update=NOW - dt.timedelta(days=9))
    assert scheduler_admin.status(offline) == "Offline"


# --- Every page of the demo database -----------------------------------------------------------


@pytest.fixture
def demo(monkeypatch, oo_url):
    """The demo database at NOW, with an acknowledgement and an audit row for their pages.

    Committed (the tests are transactional): administrators' pages read the database's indexes
    on a connection of their own, which would wait for the rows of an open transaction."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    if connections[settings.ORCHESTRATOR_DB].vendor == "postgresql":
        # Django 5.2 inserts many rows at once on PostgreSQL as UNNEST(%s::varchar[]), which
        # OpenOrchestrator's enum columns (triggerstatus, ...) refuse: the demo builder is made
        # for `make run`'s SQLite file. Row by row, PostgreSQL casts each value itself.
        many = QuerySet.bulk_create

        def one_by_one(queryset, objs, batch_size=None, **options):
            return many(queryset, objs, batch_size=1, **options)

        monkeypatch.setattr(QuerySet, "bulk_create", one_by_one)
    builder.build(settings.ORCHESTRATOR_DB, now=NOW)
    failed = QueueElement.objects.filter(status=QueueStatus.FAILED).order_by("-end_date").first()
    Acknowledgement.objects.create(
        element_id=failed.pk,
        queue_name=failed.queue_name,
        acknowledged_by_name="test\\ada",
        acknowledged_at=NOW - dt.timedelta(minutes=7),
        comment="seen",
    )
    AuditEntry.objects.create(
        at=NOW - dt.timedelta(minutes=3), username="test\\ada", action="trigger.pause", count=1
    )
    _alert(NOW)
    yield
    connections[settings.ORCHESTRATOR_DB].close()
    oo.clear(oo_url)


def _alert(now: dt.datetime) -> None:
    """A muted rule with an open incident whose e-mail waits for its second attempt."""
    people = {"created_by": "test\\ada", "changed_by": "test\\ada"}
    rule = AlertRule.objects.create(
        name="Errors",
        kind=RuleKind.PROCESS_ERRORS,
        email_to="ops@example.org",
        muted_until=now + dt.timedelta(hours=2),
        muted_by="test\\ada",
        created_at=now - dt.timedelta(days=2),
        changed_at=now - dt.timedelta(days=1),
        **people,
    )
    incident = Incident.objects.create(
        rule=rule,
        subject_key="P",
        subject="P",
        summary="2 errors",
        count=2,
        link="/logs/",
        opened_at=now - dt.timedelta(hours=1),
        last_seen_at=now - dt.timedelta(minutes=5),
    )
    Delivery.objects.create(
        incident=incident,
        rule=rule,
        rule_name=rule.name,
        subject="P",
        event=Event.FIRING,
        channel=Channel.EMAIL,
        destination="ops@example.org",
        title="2 errors",
        status=DeliveryStatus.RETRYING,
        attempts=1,
        error="timed out",
        created_at=now - dt.timedelta(hours=1),
        last_attempt_at=now - dt.timedelta(minutes=50),
        next_attempt_at=now + dt.timedelta(minutes=10),
    )


def _pages() -> list[str]:
    """Every kind of page that shows times, with the demo rows that have the most to show."""
    trigger = {kind: Trigger.objects.filter(type=kind).first() for kind in TriggerType.values}
    paused = Trigger.objects.filter(process_status=TriggerStatus.PAUSED).first()
    running = Trigger.objects.filter(process_status=TriggerStatus.RUNNING).first()
    failed_job = Job.objects.filter(status=JobStatus.FAILED).first()
    error = Log.objects.filter(log_level=LogLevel.ERROR).first()
    element = {
        status: QueueElement.objects.filter(status=status).exclude(start_date=None).first()
        for status in (QueueStatus.IN_PROGRESS, QueueStatus.FAILED)
    }
    queue = element[QueueStatus.FAILED].queue_name
    audit = AuditEntry.objects.get()
    credential, constant = Credential.objects.first(), Constant.objects.first()
    admin_changes = [
        reverse("admin:triggers_trigger_change", args=[trigger[TriggerType.SCHEDULED].pk]),
        reverse("admin:triggers_scheduler_change", args=[Scheduler.objects.first().pk]),
        reverse("admin:vault_credential_change", args=[credential.pk]),
        reverse("admin:vault_constant_change", args=[constant.pk]),
        reverse("admin:orchestrator_site_auditentry_change", args=[audit.pk]),
        reverse("admin:logs_log_change", args=[error.pk]),
        reverse("admin:triggers_job_change", args=[failed_job.pk]),
    ]
    admin_lists = [
        f"/admin/{app}/{model}/"
        for app, model in (
            ("logs", "log"),
            ("triggers", "job"),
            ("triggers", "trigger"),
            ("triggers", "scheduler"),
            ("queues", "queueelement"),
            ("queues", "acknowledgement"),
            ("vault", "credential"),
            ("vault", "constant"),
            ("orchestrator_site", "auditentry"),
            ("auth", "user"),
        )
    ]
    return [
        "/",
        *(reverse("dashboard:fragment", args=[panel]) for panel in _PANELS),
        "/triggers/",
        *(trigger[kind].get_absolute_url() for kind in TriggerType.values),
        reverse("triggers:edit", args=[trigger[TriggerType.SCHEDULED].pk]),
        reverse("triggers:resume", args=[paused.pk]),
        reverse("triggers:reset", args=[running.pk]),
        "/schedulers/",
        "/jobs/",
        reverse("triggers:job", args=[failed_job.pk]),
        "/queues/",
        "/queues/failed/",
        "/queues/failed/groups/",
        reverse("queues:elements", args=[queue]),
        reverse("queues:bulk", args=[queue]),
        *(reverse("queues:element", args=[e.pk]) for e in element.values()),
        "/logs/",
        "/logs/search/",
        "/logs/errors/groups/",
        reverse("logs:process", args=[error.process_name]),
        reverse("logs:detail", args=[error.pk]),
        reverse("logs:around", args=[error.pk]),
        "/vault/credentials/",
        "/vault/constants/",
        reverse("vault:constant_edit", args=[constant.name]),
        "/audit/",
        reverse("alerts:rules"),
        reverse("alerts:history"),
        reverse("alerts:rule", args=[AlertRule.objects.get().pk]),
        reverse("alerts:mute", args=[AlertRule.objects.get().pk]),
        "/admin/",
        *admin_lists,
        *admin_changes,
    ]


_PANELS = ("errors", "groups", "failed", "triggers", "running", "schedulers", "throughput")


def _retry_preview(client) -> str:
    """The retry confirmation of a few elements in every status (their counts by status)."""
    ids = [
        e.pk
        for status in QueueStatus.values
        for e in QueueElement.objects.filter(status=status)[:2]
    ]
    response = client.post(reverse("queues:retry"), {"ids": [str(i) for i in ids]})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def pages(demo, as_admin) -> dict[str, pagetext.PageText]:
    read = {}
    for path in _pages():
        response = as_admin.get(path)
        assert response.status_code == 200, path
        read[path] = pagetext.read(response.content.decode())
    read["retry preview"] = pagetext.read(_retry_preview(as_admin))
    return read


@oo_tx
def test_every_page_shows_moments_in_one_format_and_names_the_time_zone(pages):
    other = {
        path: found for path, page in pages.items() if (found := pagetext.other_moments(page.text))
    }
    assert other == {}
    counted = {path: len(pagetext.moments(page.text)) for path, page in pages.items()}
    assert counted["/"] > 20 and counted["/admin/logs/log/"] >= 50  # the reader does read them
    unnamed = [
        path
        for path, page in pages.items()
        if pagetext.moments(page.text)
        and TIME_ZONE_NOTE not in page.text
        and not path.startswith("/dashboard/fragments/")  # parts of the dashboard, which names it
    ]
    assert unnamed == []


@oo_tx
def test_the_precise_time_is_only_on_a_log_lines_own_page(pages):
    precise = {
        path
        for path, page in pages.items()
        if any("." in moment for moment in pagetext.moments(page.text))
    }
    assert len(precise) == 1 and precise.pop().startswith("/logs/")


@oo_tx
def test_every_page_writes_durations_one_way(pages):
    odd = {
        path: found for path, page in pages.items() if (found := pagetext.odd_durations(page.text))
    }
    assert odd == {}
    home = pages["/"].text
    assert "Showing the last 2 d (since 23-11-2026 10:30:15)" in home  # a Wednesday: 48 hours
    assert " ago" in home and " min" in pages["/jobs/"].text


@oo_tx
def test_every_page_spells_each_status_one_way(pages):
    odd = {
        path: found
        for path, page in pages.items()
        if (found := pagetext.odd_status_spellings(page.text))
    }
    assert odd == {}
    labels = {
        display.status_label(n) for n in (*pagetext.STATUS_NAMES, "online", "stale", "offline")
    }
    badges = {
        (name, text)
        for page in pages.values()
        for name, text in page.badges
        if name.isupper() and not text.replace(",", "").rstrip("+").isdigit()  # not a count
    }
    assert {(name, text) for name, text in badges if text != display.status_label(name)} == set()
    shown = {name for name, _text in badges}
    assert {"IN_PROGRESS", "FAILED", "DONE", "RUNNING", "PAUSED", "KILLED", "ERROR"} <= shown
    # A Scheduler's state, where it is one (not the header's counts, "2 online").
    states = {
        (path, text)
        for path, page in pages.items()
        for name, text in page.badges
        if name in ("online", "offline") and " " not in text
    }
    assert {text for _path, text in states} == {"Online", "Offline"}
    assert {path for path, text in states if text == "Offline"} >= {"/", "/schedulers/"}
    cells = {text for page in pages.values() for _column, text in page.admin_cells}
    assert cells and cells <= labels | {"-"}
    assert "In progress" in pages["/admin/queues/queueelement/"].text
    assert "In progress" in pages["/queues/"].text and "In progress" in pages["retry preview"].text


@oo_tx
def test_the_refresh_stamp_comes_from_the_server_in_the_one_format(demo, as_viewer):
    home = as_viewer.get("/").content.decode()
    assert "Updated <span data-refresh-stamp>25-11-2026 10:30:15</span>" in home
    for panel in _PANELS:
        fragment = as_viewer.get(reverse("dashboard:fragment", args=[panel])).content.decode()
        assert "<span hidden data-refreshed-at>25-11-2026 10:30:15</span>" in fragment, panel
    script = (ROOT / "orchestrator_site/static/console/console.js").read_text()
    assert "toLocale" not in script and "data-refreshed-at" in script


@oo_tx
def test_the_admins_read_only_fields_show_the_one_format(demo, as_admin):
    trigger = Trigger.objects.filter(~Q(last_run=None)).first()
    page = as_admin.get(reverse("admin:triggers_trigger_change", args=[trigger.pk]))
    assert display.datetime_text(trigger.last_run) in page.content.decode()


@oo_tx
def test_danish_pages_and_admin_lists_show_the_same_format(demo, as_admin):
    """In Danish, Django's own locale would write "28. november 2026 08:55"."""
    for path in ("/", "/jobs/", "/admin/triggers/job/", "/admin/logs/log/"):
        # The request leaves Danish active in this thread; the tests after this one read English.
        with translation.override(settings.LANGUAGE_CODE):
            response = as_admin.get(path, HTTP_ACCEPT_LANGUAGE="da")
        assert response.status_code == 200 and response["Content-Language"] == "da", path
        page = pagetext.read(response.content.decode())
        assert len(pagetext.moments(page.text)) > 10 and pagetext.other_moments(page.text) == []
