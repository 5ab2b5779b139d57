from __future__ import annotations

import contextlib

from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from accounts import selectors, services
from accounts.exceptions import DomainError
from accounts.forms import InvitationAcceptForm, InvitationForm
from accounts.models import Invitation
from accounts.types import AuthenticatedRequest


@login_required
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """The signed-in user's workspace: who they act for and what they can do."""
    return render(request, "accounts/dashboard.html", {"user_obj": request.user})


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request: AuthenticatedRequest) -> HttpResponse:
    """A department administrator invites purchasers into its department; the site administrator
    invites any department staff role (directory administrators, supervisors) into any department."""
    site_admin = request.user.is_superuser
    department = request.user.department
    if not site_admin and (
        department is None or not request.user.has_perm("accounts.invite_staff", department)
    ):
        raise PermissionDenied
    form = InvitationForm(request.POST or None, site_admin=site_admin)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["department"] if site_admin else department
        assert target is not None
        try:
            services.invitation_create(
                department=target,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(exc.field, str(exc.message))
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("accounts:invitations")
    sent = (
        selectors.invitations_all()
        if department is None
        else selectors.invitations_for_department(department)
    )
    return render(
        request,
        "accounts/invitation_list.html",
        {
            "form": form,
            "invitations": sent[:100],
            "department": department,
        },
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.select_related("department").filter(token=token).first()
    if invitation is None or not invitation.is_open:
        return render(request, "accounts/invitation_invalid.html", status=410)
    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Welcome to GovBuy."))
            # Through allauth, not django.contrib.auth.login: it records the authentication, so the
            # MFA set-up a directory administrator is sent to next does not ask for the password again.
            return perform_login(request, user, redirect_url=reverse("dashboard"))
    return render(request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation})


@login_required
def audit_trail(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.has_perm("accounts.view_audit"):
        raise PermissionDenied
    page = Paginator(selectors.audit_entries(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_list.html", {"page": page})


@require_GET
def language_switch(request: HttpRequest) -> HttpResponse:
    """The language switch of cached public pages (no CSRF token there): sets the language cookie only.

    A forged link can do no more than change the visitor's display language; the signed-in user's
    saved language is changed only by ``set_language`` (POST, CSRF-checked).
    """
    language = request.GET.get("language", "")
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language and check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; for a signed-in user the choice is also kept on the account."""
    response = django_set_language(request)
    if request.user.is_authenticated:
        # Django's view has already ignored an unknown language; so does the account.
        with contextlib.suppress(DomainError):
            services.user_set_language(user=request.user, language=request.POST.get("language", ""))
    return response
