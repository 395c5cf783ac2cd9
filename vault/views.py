"""Credentials and constants pages. Passwords leave the server in exactly one response: the reveal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from demo.key import key_to_show
from orchestrator_site.paging import configure_lazy
from orchestrator_site.reporting import report_result
from vault import guard, services
from vault.filters import ConstantFilter, CredentialFilter
from vault.forms import ConfirmForm, ConstantForm, CredentialForm, RevealForm
from vault.models import Constant, Credential
from vault.tables import ConstantTable, CredentialTable

GET_POST = ["GET", "POST"]
PASSWORD_FIELDS = ("password", "password_again")


def _credential_rows():
    return Credential.objects.without_tokens()


def _vault_perms(request: HttpRequest, model: str) -> set[str]:
    """Which row actions to offer (the views check the permissions again)."""
    actions = ("add", "change", "delete", "reveal")
    return {a for a in actions if request.user.has_perm(f"vault.{a}_{model}")}


def _bound(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _unchanged(name: str) -> str:
    return gettext("Nothing to save: “%(name)s” is unchanged.") % {"name": name}


# --- Credentials ---------------------------------------------------------------------------------


@permission_required("vault.view_credential", raise_exception=True)
@require_http_methods(["GET"])
def credential_list(request: HttpRequest) -> HttpResponse:
    filterset = CredentialFilter(request.GET, queryset=_credential_rows())
    rows = filterset.qs
    table = CredentialTable(rows, perms=_vault_perms(request, "credential"))
    configure_lazy(request, table)
    return render(
        request,
        "vault/credential_list.html",
        {
            "filter": filterset,
            "table": table,
            "problem": guard.encryption_problem(),
            "key_remembered_until": guard.key_remembered_until(request.session),
        },
    )


@sensitive_post_parameters(*PASSWORD_FIELDS)
@permission_required("vault.add_credential", raise_exception=True)
@require_http_methods(GET_POST)
@sensitive_variables()
def credential_create(request: HttpRequest) -> HttpResponse:
    form = CredentialForm(_bound(request))
    if form.is_bound and form.is_valid():
        name = form.cleaned_data["name"]
        try:
            result = services.create_credential(
                user=request.user,
                name=name,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except services.DuplicateName as exc:
            form.add_error("name", exc.shown)
        except services.VaultError as exc:
            form.add_error(None, exc.shown)
        else:
            report_result(request, result)
            return redirect("vault:credentials")
    return render(
        request,
        "vault/credential_form.html",
        {"form": form, "credential": None, "problem": guard.encryption_problem()},
    )


@sensitive_post_parameters(*PASSWORD_FIELDS)
@permission_required("vault.change_credential", raise_exception=True)
@require_http_methods(GET_POST)
@sensitive_variables()
def credential_edit(request: HttpRequest, name: str) -> HttpResponse:
    credential = get_object_or_404(_credential_rows(), pk=name)
    form = CredentialForm(_bound(request), editing=credential)
    if form.is_bound and form.is_valid():
        # Only what the person changed is written; nothing changed, nothing written.
        username, password = form.changed("username"), form.new_password
        if username is None and password is None:
            messages.info(request, _unchanged(credential.name))
            return redirect("vault:credentials")
        try:
            result = services.update_credential(
                user=request.user,
                name=credential.name,
                username=username,
                password=password,
                expected_username=form.stored("username"),
            )
        except services.VaultError as exc:
            form.add_error(None, exc.shown)
        else:
            report_result(request, result)
            return redirect("vault:credentials")
    return render(
        request,
        "vault/credential_form.html",
        {"form": form, "credential": credential, "problem": guard.encryption_problem()},
    )


@permission_required("vault.delete_credential", raise_exception=True)
@require_http_methods(GET_POST)
def credential_delete(request: HttpRequest, name: str) -> HttpResponse:
    credential = get_object_or_404(Credential.objects.only("name", "username"), pk=name)
    return _confirm_delete(request, credential, "credential", services.delete_credentials)


def _confirm_delete(request: HttpRequest, obj, kind: str, delete) -> HttpResponse:
    """GET: the confirmation page naming the object; POST: delete it through the service."""
    back = f"vault:{kind}s"
    if request.method == "POST" and ConfirmForm(request.POST).is_valid():
        report_result(request, delete(user=request.user, names=[obj.name]))
        return redirect(back)
    return render(request, "vault/confirm_delete.html", {"kind": kind, "object": obj, "back": back})


@sensitive_post_parameters("key")
@never_cache
@permission_required("vault.reveal_credential", raise_exception=True)
@require_http_methods(GET_POST)
@sensitive_variables()  # every local: the key, the form, the password
def credential_reveal(request: HttpRequest, name: str) -> HttpResponse:
    """Show the form (GET); on POST check the key and reason, audit, and show the password once."""
    credential = get_object_or_404(Credential.objects.only("name", "username"), pk=name)
    remembered_until = guard.key_remembered_until(request.session)
    problem = guard.encryption_problem()
    demo_key = key_to_show()
    form = RevealForm(
        _bound(request), key_remembered=remembered_until is not None, prefill_key=demo_key
    )
    if form.is_bound and problem is None and form.is_valid():
        typed_key = form.cleaned_data.get("key")
        try:
            revealed = services.reveal_credential(
                user=request.user,
                name=credential.name,
                reason=form.cleaned_data["reason"],
                typed_key=typed_key,
                key_remembered=remembered_until is not None,
            )
        except services.NotFound:
            raise Http404("No such credential.") from None
        except services.RevealRefused as exc:
            if exc.key_verified:
                guard.remember_key_check(request.session)
            form.add_error(None, exc.shown)
        else:
            if typed_key is not None:
                guard.remember_key_check(request.session)
            response = render(
                request,
                "vault/credential_revealed.html",
                {
                    "credential": credential,
                    "password": revealed.value,
                    "key_remembered_until": guard.key_remembered_until(request.session),
                },
            )
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
            return response
    return render(
        request,
        "vault/credential_reveal.html",
        {
            "credential": credential,
            "form": form,
            "problem": problem,
            "lockout": guard.lockout_state(request.user),
            "key_remembered_until": remembered_until,
            "demo_key": demo_key,
        },
    )


@permission_required("vault.reveal_credential", raise_exception=True)
@require_POST
def forget_key(request: HttpRequest) -> HttpResponse:
    """End the remembered key check now instead of after a few minutes."""
    guard.forget_key_check(request.session)
    messages.success(request, gettext("The console no longer remembers that you typed the key."))
    return redirect("vault:credentials")


# --- Constants -----------------------------------------------------------------------------------


@permission_required("vault.view_constant", raise_exception=True)
@require_http_methods(["GET"])
def constant_list(request: HttpRequest) -> HttpResponse:
    filterset = ConstantFilter(request.GET, queryset=Constant.objects.all())
    rows = filterset.qs
    table = ConstantTable(rows, perms=_vault_perms(request, "constant"))
    configure_lazy(request, table)
    return render(request, "vault/constant_list.html", {"filter": filterset, "table": table})


@permission_required("vault.add_constant", raise_exception=True)
@require_http_methods(GET_POST)
def constant_create(request: HttpRequest) -> HttpResponse:
    form = ConstantForm(_bound(request))
    if form.is_bound and form.is_valid():
        name = form.cleaned_data["name"]
        try:
            result = services.create_constant(
                user=request.user, name=name, value=form.cleaned_data["value"]
            )
        except services.DuplicateName as exc:
            form.add_error("name", exc.shown)
        else:
            report_result(request, result)
            return redirect("vault:constants")
    return render(request, "vault/constant_form.html", {"form": form, "constant": None})


@permission_required("vault.change_constant", raise_exception=True)
@require_http_methods(GET_POST)
def constant_edit(request: HttpRequest, name: str) -> HttpResponse:
    constant = get_object_or_404(Constant, pk=name)
    form = ConstantForm(_bound(request), editing=constant)
    if form.is_bound and form.is_valid():
        value = form.changed("value")  # only a changed value is written
        if value is None:
            messages.info(request, _unchanged(constant.name))
            return redirect("vault:constants")
        try:
            result = services.update_constant(
                user=request.user, name=constant.name, value=value, expected=form.stored("value")
            )
        except services.VaultError as exc:
            form.add_error(None, exc.shown)
        else:
            report_result(request, result)
            return redirect("vault:constants")
    return render(request, "vault/constant_form.html", {"form": form, "constant": constant})


@permission_required("vault.delete_constant", raise_exception=True)
@require_http_methods(GET_POST)
def constant_delete(request: HttpRequest, name: str) -> HttpResponse:
    constant = get_object_or_404(Constant, pk=name)
    return _confirm_delete(request, constant, "constant", services.delete_constants)
