"""The Django admin is no stronger than the pages: lookups, search and sorting deny by default, and
every add, change and delete either goes through the app's service (conditional, audited) or is off.

Every registered ModelAdmin is checked, so a model added to the admin later is covered too.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ORDER_VAR, SEARCH_VAR
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from orchestrator_site import audit, clock
from orchestrator_site.admin_base import ConsoleModelAdmin, touches_secret
from orchestrator_site.identity import signed_in_environ
from orchestrator_site.models import AuditEntry
from queues.models import Acknowledgement, QueueElement, QueueStatus
from tests.conftest import PERSONAS
from tests.helpers import (
    NOW,
    make_constant,
    make_credential,
    make_element,
    make_job,
    make_log,
    make_scheduler,
    make_trigger,
    oo_db,
    oo_tx,
)
from triggers.models import Scheduler
from vault.models import Credential

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
STAFF = ["operator", "admin"]


def client(persona: str) -> Client:
    return Client(raise_request_exception=False, **signed_in_environ(PERSONAS[persona]))


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def refused(response) -> bool:
    """400 (a disallowed lookup), or Django's redirect to the "?e=1" invalid-lookup page."""
    if response.status_code == 400:
        return True
    return response.status_code == 302 and response["Location"].endswith("?e=1")


def listed(response) -> list:
    return list(response.context["cl"].result_list)


# --- the credential token ------------------------------------------------------------------------


@oo_tx
@pytest.mark.parametrize("persona", STAFF)
def test_no_lookup_sort_or_search_on_the_credential_token_narrows_the_list(db_util, persona):
    """An Operator who knows the installation key could bisect a token one character at a time."""
    db_util.create_credential("Mail", "robot", "s3cret")  # encrypted by OpenOrchestrator itself
    db_util.create_credential("Other", "robot", "other-secret")
    token = Credential.objects.values_list("password", flat=True).get(pk="Mail")
    browser = client(persona)
    changelist = url(Credential, "changelist")
    probes = [
        {"password__startswith": token[:12]},
        {"password__regex": "^" + token[:12]},
        {"password__contains": token[20:30]},
        {"password__iexact": token},
        {"password": token},
        {"password__gt": token[:-1]},
        {"name": "Mail", "password__startswith": token[:8]},
        {"pk": "Mail", "password__endswith": token[-4:]},
        {"username__startswith": "rob"},  # an undeclared column, though not a secret
    ]
    for params in probes:
        assert refused(browser.get(changelist, params)), params
    # Sorting: by no column that reads the token (its length column included), by no index.
    columns = [*browser.get(changelist).context["cl"].list_display, "beyond the last column"]
    for index, column in enumerate(columns):
        if column not in ("name", "username", "changed_at"):
            assert refused(browser.get(changelist, {ORDER_VAR: str(index)})), column
    # Search reads the name and username, never the token.
    assert listed(browser.get(changelist, {SEARCH_VAR: token[:12]})) == []
    assert listed(browser.get(changelist, {SEARCH_VAR: token[40:60]})) == []
    assert [c.name for c in listed(browser.get(changelist, {SEARCH_VAR: "Mail"}))] == ["Mail"]
    # `_to_field` would print the chosen column into every row of a popup list.
    response = browser.get(changelist, {"_to_field": "password", "_popup": "1"})
    assert response.status_code == 400 and token.encode() not in response.content


@oo_db
def test_the_credential_admin_pages_never_carry_the_token(as_admin, as_operator):
    credential = make_credential("Mail", "robot", "s3cret")
    pages = [
        url(Credential, "changelist"),
        url(Credential, "changelist") + "?_popup=1&_to_field=name",
        url(Credential, "change", "Mail"),
        url(Credential, "history", "Mail"),
        url(Credential, "delete", "Mail"),
        reverse("admin:index"),
        reverse("admin:app_list", args=["vault"]),
    ]
    for browser in (as_admin, as_operator):
        for page in pages:
            response = browser.get(page, follow=True)  # a history leads to the audit trail
            # Only Automation admins may delete a credential; everything else both may read.
            refused = browser is as_operator and page == url(Credential, "delete", "Mail")
            assert response.status_code == (403 if refused else 200), page
            assert credential.password.encode() not in response.content, page
            assert credential.password[:20].encode() not in response.content, page


# --- every admin on the site ---------------------------------------------------------------------


def test_every_registered_admin_is_a_console_admin():
    for model, model_admin in REGISTRY:
        assert isinstance(model_admin, ConsoleModelAdmin), model._meta.label


def test_no_admin_declares_a_secret_column():
    for model, model_admin in REGISTRY:
        declared = [
            *model_admin.list_display,
            *[
                f if isinstance(f, str) else f[0]
                for f in model_admin.list_filter
                if not callable(f)
            ],
            *[f.lstrip("^=@") for f in model_admin.search_fields],
            *[f for f in (model_admin.ordering or ()) if isinstance(f, str)],
            *([model_admin.date_hierarchy] if model_admin.date_hierarchy else []),
        ]
        for name in declared:
            if isinstance(name, str):
                assert not touches_secret(model, name), f"{model._meta.label}: {name}"


def _declared_prefixes(model_admin) -> set[str]:
    names = {f if isinstance(f, str) else f[0] for f in model_admin.list_filter if not callable(f)}
    names |= {f.parameter_name for f in model_admin.list_filter if callable(f)}
    return {n.split("__")[0] for n in names if isinstance(n, str)}


def _undeclared_lookups(model, model_admin) -> list[dict[str, str]]:
    declared = _declared_prefixes(model_admin)
    probes = [{"pk__regex": "."}, {"pk__gt": "0"}]
    for field in model._meta.get_fields():
        if field.is_relation:
            related = field.related_model._meta
            target = related.pk.name
            probes.append({f"{field.name}__{target}__regex": "."})
            if field.name not in declared:
                probes.append({f"{field.name}__isnull": "False"})
        elif field.name in declared:
            probes.append({f"{field.name}__regex": "."})  # a declared column, an undeclared lookup
        else:
            probes.append({f"{field.name}__startswith": ""})
            probes.append({f"{field.name}__regex": "."})
            probes.append({field.name: "x"})
    if model_admin.date_hierarchy:
        probes.append({f"{model_admin.date_hierarchy}__gte": "2000-01-01"})
    return probes


def _one_of_each() -> None:
    """A row in every registered model, so that each list has something to narrow."""
    for name in ("operator", "admin"):
        client(name).get(reverse("admin:index"))  # signs the persona in: a user row
    element = make_element(status=QueueStatus.FAILED)
    Acknowledgement.objects.create(
        element_id=element.pk,
        queue_name=element.queue_name,
        acknowledged_by_name="TEST\\Otto",
        acknowledged_at=NOW,
    )
    make_trigger(name="T")
    make_scheduler("OLD-PC", age_seconds=99999)
    make_job()
    make_log()
    make_credential("Mail")
    make_constant("Path")
    audit.record(user=User.objects.first(), action="test.row", target_type="test")
    assert Group.objects.exists()


@oo_db
def test_every_admin_refuses_undeclared_lookups_and_sorting():
    _one_of_each()
    browser = client("admin")
    for model, model_admin in REGISTRY:
        assert model.objects.exists(), f"make a {model._meta.label} row in _one_of_each"
        changelist = url(model, "changelist")
        plain = browser.get(changelist)
        assert plain.status_code == 200, changelist
        for params in _undeclared_lookups(model, model_admin):
            assert refused(browser.get(changelist, params)), (changelist, params)
        columns = plain.context["cl"].list_display
        for index, column in enumerate([*columns, "beyond the last column"]):
            if column not in plain.context["cl"].sortable_by:
                assert refused(browser.get(changelist, {ORDER_VAR: str(index)})), (
                    changelist,
                    column,
                )
        assert refused(browser.get(changelist, {ORDER_VAR: "x"})), changelist


@oo_db
def test_declared_filters_sorting_and_search_still_work(as_admin):
    failed = make_element(status=QueueStatus.FAILED, reference="INV-1")
    make_element(status=QueueStatus.DONE, reference="INV-2")
    changelist = url(QueueElement, "changelist")
    response = as_admin.get(changelist, {"status__exact": "FAILED", "queue_name": "Queue A"})
    assert [e.pk for e in listed(response)] == [failed.pk]
    assert [e.pk for e in listed(as_admin.get(changelist, {SEARCH_VAR: "INV-1"}))] == [failed.pk]
    columns = response.context["cl"].list_display
    response = as_admin.get(changelist, {ORDER_VAR: f"-{columns.index('reference')}"})
    assert [e.reference for e in listed(response)] == ["INV-2", "INV-1"]
    audit.record(user=None, action="test.row", target_type="test")
    audits = url(AuditEntry, "changelist")
    year = clock.now().year
    assert len(listed(as_admin.get(audits, {"at__year": year, "outcome__exact": "ok"}))) == 1
    assert listed(as_admin.get(audits, {"at__year": year - 1})) == []
    users = url(User, "changelist")
    admin_group = Group.objects.get(name="Automation admin")
    response = as_admin.get(users, {"groups__id__exact": admin_group.pk, "is_active__exact": "1"})
    assert [u.username for u in listed(response)] == ["test\\ada"]


# --- writes ---------------------------------------------------------------------------------------


def _delete_one(browser: Client, model, pk: str):
    return browser.post(url(model, "delete", pk), {"post": "yes"})


def _delete_selected(browser: Client, model, pk: str):
    data = {"action": "delete_selected", ACTION_CHECKBOX_NAME: [pk], "post": "yes"}
    return browser.post(url(model, "changelist"), data)


@oo_db
@pytest.mark.parametrize("delete", [_delete_one, _delete_selected], ids=["one", "selected"])
@pytest.mark.parametrize("persona", STAFF)
def test_every_admin_delete_is_refused_or_goes_through_an_audited_service(persona, delete):
    _one_of_each()
    browser = client(persona)
    deleted = set()
    for model, _model_admin in REGISTRY:
        obj = model.objects.first()
        audits = AuditEntry.objects.count()
        response = delete(browser, model, str(obj.pk))
        where = f"{persona} deleting a {model._meta.label}"
        assert response.status_code < 500, where
        if model.objects.filter(pk=obj.pk).exists():
            assert delete is _delete_selected or response.status_code == 403, where
        else:
            assert AuditEntry.objects.count() > audits, f"{where}: no audit row"
            deleted.add(model._meta.label)
    # What an Automation admin may delete here, each through its service: nothing else.
    allowed = {"vault.Credential", "vault.Constant", "triggers.Scheduler"}
    assert deleted == (allowed if persona == "admin" else set())


@oo_db
def test_every_open_admin_write_is_routed_through_a_service(rf):
    """An admin may offer add, change or delete only where it overrides the write with a service
    call; the base refuses a bare save() or delete() outright (403)."""
    _one_of_each()
    for persona in STAFF:
        request = rf.get("/admin/")
        request.user = User.objects.get(username=PERSONAS[persona].username.lower())
        for model, model_admin in REGISTRY:
            obj = model.objects.first()
            kind = type(model_admin)
            if model_admin.has_add_permission(request) or model_admin.has_change_permission(
                request, obj
            ):
                assert kind.save_model is not ConsoleModelAdmin.save_model, model._meta.label
            if model_admin.has_delete_permission(request, obj):
                assert kind.delete_model is not ConsoleModelAdmin.delete_model, model._meta.label
                assert kind.delete_queryset is not ConsoleModelAdmin.delete_queryset


@oo_tx
@pytest.mark.parametrize("persona", STAFF)
def test_an_element_a_robot_holds_cannot_be_deleted_in_the_admin(db_util, persona):
    created = db_util.create_queue_element("Queue A", "R-1", "{}", "robot")
    taken = db_util.get_next_queue_element("Queue A")  # a robot is now working on it
    assert taken.id == created.id
    browser = client(persona)
    delete = url(QueueElement, "delete", str(created.id))
    assert browser.get(delete).status_code == 403
    assert browser.post(delete, {"post": "yes"}).status_code == 403
    assert db_util.get_queue_element(created.id).status.name == "IN_PROGRESS"
    assert not AuditEntry.objects.exists()


@oo_db
def test_forgetting_a_scheduler_in_the_admin_is_audited(as_admin):
    make_scheduler("OLD-PC", age_seconds=99999)
    response = as_admin.post(url(Scheduler, "delete", "OLD-PC"), {"post": "yes"})
    assert response.status_code == 302
    assert not Scheduler.objects.exists()
    assert AuditEntry.objects.get(action="scheduler.forget").target_ids == "OLD-PC"


@oo_db
@pytest.mark.parametrize("name", ["admin:password_change", "admin:password_change_done"])
def test_the_admin_offers_no_password_change(as_admin, name):
    # Windows signs everyone in: a password form would ask for something nobody has.
    response = as_admin.get(reverse(name))
    assert response.status_code == 404


# --- Signed in by Windows: no sign-in, sign-out or password screens --------------------------------


@oo_db
def test_the_admin_says_who_windows_signed_in_and_offers_no_password_or_logout(as_operator):
    body = as_operator.get(reverse("admin:index")).content.decode()
    assert "Signed in through Windows as" in body and "<strong>test\\otto</strong>" in body
    for absent in ("Change password", "Log out", reverse("admin:password_change"), "logout-form"):
        assert absent not in body
    assert f'<a href="{reverse("audit")}">Audit trail</a>' in body
    assert '<a href="/">Back to the console</a>' in body


@oo_db
def test_logging_out_of_the_admin_is_not_a_thing(as_operator):
    # Windows signs the person in again on the very next request: a sign-out would be a pretence.
    response = as_operator.post(reverse("admin:logout"))
    assert response.status_code == 404
    assert as_operator.get(reverse("admin:index")).status_code == 200  # still the same session


@oo_db
def test_the_admin_login_page_sends_someone_signed_in_on_and_refuses_everyone_else(
    as_operator, as_viewer
):
    response = as_operator.get(reverse("admin:login"), {"next": "/admin/queues/queueelement/"})
    assert response.status_code == 302 and response["Location"] == "/admin/queues/queueelement/"
    response = as_operator.get(reverse("admin:login"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("admin:index")
    refused = as_viewer.get(reverse("admin:login"))
    assert refused.status_code == 403 and b'type="password"' not in refused.content


@oo_db
@pytest.mark.parametrize(
    ("model", "pk", "target_type"),
    [
        (Credential, "Mail", "credential"),
        (Scheduler, "PC-1", "scheduler"),
        (QueueElement, None, "queue element"),
    ],
)
def test_each_objects_history_is_its_audit_trail(as_admin, model, pk, target_type):
    if model is Credential:
        make_credential("Mail")
    elif model is Scheduler:
        make_scheduler("PC-1")
    else:
        pk = str(make_element().pk)
    change = as_admin.get(url(model, "change", pk)).content.decode()
    assert 'class="historylink">Audit trail</a>' in change
    response = as_admin.get(url(model, "history", pk))
    query = f"target_type={target_type.replace(' ', '+')}&target={pk}"
    assert response.status_code == 302 and response["Location"] == f"/audit/?{query}"
    assert as_admin.get(url(model, "history", "no-such-thing")).status_code == 404


@oo_db
def test_the_audit_entry_admin_shows_names_and_changes_in_words(as_admin):
    row = audit.record(
        user=None,
        action="trigger.edit",
        target_type="trigger",
        targets=["6f1c0c5e-0000-4000-8000-000000000000"],
        names={"6f1c0c5e-0000-4000-8000-000000000000": "Nightly <b>"},
        changes=[audit.change("priority", 0, 5), audit.secret_change("password")],
    )
    page = as_admin.get(url(AuditEntry, "change", row.pk)).content.decode()
    assert "Nightly &lt;b&gt;" in page
    assert "priority: 0 → 5<br>password: changed" in page
