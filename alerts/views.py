"""Alert rules (list, detail, create per kind, edit, mute, unmute, delete) and the history of what
was sent. Viewers see them; Automation admins change them, every change audited (alerts.services).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from alerts import services
from alerts.filters import DeliveryFilter
from alerts.forms import ConfirmForm, MuteForm, RuleForm
from alerts.models import AlertRule, Delivery, Incident, RuleKind
from alerts.tables import DeliveryTable, RuleTable, channels_text
from orchestrator_site import clock
from orchestrator_site.paging import configure_lazy
from orchestrator_site.reporting import report_result

GET_POST = ["GET", "POST"]
RECENT_DELIVERIES = 20


def _bound(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _rule_perms(request: HttpRequest) -> set[str]:
    """Which row actions to offer (each view checks its permission again)."""
    actions = ("change", "delete", "mute")
    return {a for a in actions if request.user.has_perm(f"alerts.{a}_alertrule")}


def _setup_problems() -> list[str]:
    """What keeps alerts from going out, said on the rules pages."""
    problems = []
    if not settings.CONSOLE_BASE_URL:
        problems.append(
            gettext("CONSOLE_BASE_URL is not set: manage.py alerts refuses to run without it.")
        )
    if not settings.EMAIL_HOST:
        problems.append(
            gettext("E-mail is not configured (CONSOLE_EMAIL_HOST): only webhooks can be sent.")
        )
    return problems


@permission_required("alerts.view_alertrule", raise_exception=True)
@require_http_methods(["GET"])
def rule_list(request: HttpRequest) -> HttpResponse:
    rows = AlertRule.objects.annotate(
        open_incidents=Count("incidents", filter=Q(incidents__resolved_at__isnull=True))
    )
    table = RuleTable(rows, perms=_rule_perms(request), now=clock.now())
    configure_lazy(request, table)
    return render(
        request,
        "alerts/rule_list.html",
        {"table": table, "problems": _setup_problems()},
    )


@permission_required("alerts.view_alertrule", raise_exception=True)
@require_http_methods(["GET"])
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(AlertRule, pk=pk)
    now = clock.now()
    return render(
        request,
        "alerts/rule_detail.html",
        {
            "rule": rule,
            "muted": rule.is_muted(now),
            "channels": channels_text(rule),
            "open_incidents": Incident.objects.filter(rule=rule, resolved_at__isnull=True),
            "deliveries": Delivery.objects.filter(rule=rule)[:RECENT_DELIVERIES],
            "problems": _setup_problems(),
        },
    )


@permission_required("alerts.add_alertrule", raise_exception=True)
@require_http_methods(["GET"])
def rule_new(request: HttpRequest) -> HttpResponse:
    """The menu of the four kinds of rule."""
    return render(request, "alerts/rule_new.html", {"kinds": RuleKind.choices})


@permission_required("alerts.add_alertrule", raise_exception=True)
@require_http_methods(GET_POST)
def rule_create(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in RuleKind.values:
        raise Http404("No such kind of alert rule.")
    form = RuleForm(_bound(request), kind=kind)
    if form.is_bound and form.is_valid():
        try:
            result = services.create_rule(user=request.user, kind=kind, values=form.values())
        except services.DuplicateName as exc:
            form.add_error("name", str(exc))
        else:
            report_result(request, result)
            return redirect(result.created)
    return render(
        request,
        "alerts/rule_form.html",
        {"form": form, "rule": None, "kind_label": RuleKind(kind).label},
    )


@permission_required("alerts.change_alertrule", raise_exception=True)
@require_http_methods(GET_POST)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(AlertRule, pk=pk)
    form = RuleForm(_bound(request), kind=rule.kind, editing=rule)
    conflict = False
    if form.is_bound and form.is_valid():
        values = form.values()
        if not services.changed_fields(rule, values):
            messages.info(
                request, gettext("Nothing to save: “%(name)s” is unchanged.") % {"name": rule.name}
            )
            return redirect(rule)
        try:
            result = services.update_rule(
                user=request.user,
                pk=rule.pk,
                version=form.cleaned_data["version"] or 0,
                values=values,
            )
        except services.DuplicateName as exc:
            form.add_error("name", str(exc))
        except services.NotFound:
            raise Http404("No such alert rule.") from None
        except services.RuleError as exc:
            conflict = isinstance(exc, services.Conflict)
            form.add_error(None, str(exc))
        else:
            report_result(request, result)
            return redirect("alerts:rule", pk=rule.pk)
    return render(
        request,
        "alerts/rule_form.html",
        {
            "form": form,
            "rule": rule,
            "kind_label": rule.get_kind_display(),
            "conflict": conflict,
        },
    )


@permission_required("alerts.delete_alertrule", raise_exception=True)
@require_http_methods(GET_POST)
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation page naming the rule; POST: delete it."""
    rule = get_object_or_404(AlertRule, pk=pk)
    if request.method == "POST" and ConfirmForm(request.POST).is_valid():
        try:
            result = services.delete_rule(user=request.user, pk=rule.pk)
        except services.NotFound:
            raise Http404("No such alert rule.") from None
        report_result(request, result)
        return redirect("alerts:rules")
    open_incidents = Incident.objects.filter(rule=rule, resolved_at__isnull=True).count()
    return render(
        request, "alerts/rule_delete.html", {"rule": rule, "open_incidents": open_incidents}
    )


@permission_required("alerts.mute_alertrule", raise_exception=True)
@require_http_methods(GET_POST)
def rule_mute(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(AlertRule, pk=pk)
    form = MuteForm(_bound(request))
    if form.is_bound and form.is_valid():
        try:
            result = services.mute_rule(
                user=request.user, pk=rule.pk, until=form.cleaned_data["muted_until"]
            )
        except services.NotFound:
            raise Http404("No such alert rule.") from None
        except services.RuleError as exc:
            form.add_error(None, str(exc))
        else:
            report_result(request, result)
            return redirect(rule)
    return render(
        request,
        "alerts/rule_mute.html",
        {"rule": rule, "form": form, "muted": rule.is_muted(clock.now())},
    )


@permission_required("alerts.mute_alertrule", raise_exception=True)
@require_POST
def rule_unmute(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(AlertRule, pk=pk)
    try:
        result = services.unmute_rule(user=request.user, pk=rule.pk)
    except services.NotFound:
        raise Http404("No such alert rule.") from None
    report_result(request, result)
    return redirect(rule)


@permission_required("alerts.view_delivery", raise_exception=True)
@require_http_methods(["GET"])
def history(request: HttpRequest) -> HttpResponse:
    """What was sent, to whom or where, when, and how it went; newest first."""
    filterset = DeliveryFilter(request.GET, queryset=Delivery.objects.all())
    table = DeliveryTable(filterset.qs)
    configure_lazy(request, table)
    return render(request, "alerts/history.html", {"filter": filterset, "table": table})
