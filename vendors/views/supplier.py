"""Pages of supplier staff (claiming an organisation, its staff, applying to the directory) and the
pages they share with directory administrators (an application, deciding a claim, private files).

Uploaded files are stored through ``default_storage`` under ``private/`` and only ever served by the
permission-checked views below.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.exceptions import DomainError
from vendors import selectors, selectors_web
from vendors.forms import (
    ApplicationForm,
    ClaimForm,
    OrganisationContactForm,
    ReasonForm,
    ReviewForm,
)
from vendors.models import DirectoryApplication, Organisation, OrganisationMembership
from vendors.services import (
    application_approve,
    application_reject,
    application_submit,
    application_withdraw,
    claim_approve,
    claim_reject,
    organisation_claim,
    organisation_create,
    organisation_update,
)
from vendors.views.common import form_error, guarded, refused, require_perm


def _private_file(field: Any, name: str) -> FileResponse:
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(field.open("rb"), as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- My organisation -------------------------------------------------------------------------------


@login_required
def my_organisation(request: HttpRequest) -> HttpResponse:
    """The supplier's organisations: directory status, applications, staff; the organisation's
    admin decides other staff's claims here."""
    require_perm(request, "vendors.claim_organisation")
    memberships = list(selectors_web.memberships_of(request.user))
    current = selectors.current_version()
    organisations = []
    for membership in memberships:
        if membership.status != OrganisationMembership.Status.APPROVED:
            continue
        organisation = membership.organisation
        organisations.append(
            {
                "organisation": organisation,
                "membership": membership,
                "entry": selectors_web.current_entry_of(organisation, current),
                "applications": list(selectors_web.organisation_applications(organisation)),
                "members": list(selectors_web.organisation_members(organisation))
                if membership.is_admin
                else [],
                "can_apply": request.user.has_perm("vendors.submit_application", organisation)
                and organisation.is_social_organisation,
            }
        )
    return render(
        request,
        "vendors/organisation_mine.html",
        {
            "memberships": memberships,
            "organisations": organisations,
            "current": current,
            "reason_form": ReasonForm(),
        },
    )


@guarded
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The organisation's admin keeps its contact details and public description up to date."""
    organisation = get_object_or_404(Organisation, pk=pk)
    require_perm(request, "vendors.manage_organisation_staff", organisation)
    initial = {name: getattr(organisation, name) for name in OrganisationContactForm.FIELDS}
    form = OrganisationContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = {k: v for k, v in form.cleaned_data.items() if v != initial[k]}
        try:
            if changed:
                organisation_update(organisation=organisation, by=request.user, **changed)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The organisation's details are saved."))
            return redirect("vendors:my_organisation")
    return render(request, "vendors/organisation_form.html", {"form": form, "organisation": organisation})


@guarded
@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest) -> HttpResponseBase:
    """Claim an organisation by its credit code (registering it when the platform does not know it);
    the first claim carries the registration certificate a directory administrator checks."""
    require_perm(request, "vendors.claim_organisation")
    form = ClaimForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            with transaction.atomic():
                organisation = selectors_web.organisation_by_code(cd["credit_code"])
                if organisation is None:
                    if not cd["name"].strip():
                        raise DomainError(
                            _(
                                "No organisation with this code is registered yet: give its name to register it."
                            ),
                            field="name",
                        )
                    organisation = organisation_create(
                        credit_code=cd["credit_code"], name=cd["name"], by=request.user
                    )
                organisation_claim(
                    organisation=organisation,
                    by=request.user,
                    message=cd["message"],
                    certificate=cd["certificate"],
                )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Your claim is sent; you are told when it is decided."))
            return redirect("vendors:my_organisation")
    return render(request, "vendors/organisationmembership_claim.html", {"form": form})


def _claim_return(request: HttpRequest) -> HttpResponseBase:
    if request.user.has_perm("vendors.manage_directory"):
        return redirect("vendors:claim_queue")
    return redirect("vendors:my_organisation")


@guarded
@require_POST
def claim_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponseBase:
    """Approve or reject a pending claim: the organisation's admin, or a directory administrator for
    an organisation nobody acts for yet."""
    if decision not in ("approve", "reject"):
        raise Http404
    membership = get_object_or_404(
        OrganisationMembership.objects.select_related("user", "organisation"), pk=pk
    )
    require_perm(request, "vendors.decide_claim", membership)
    try:
        if decision == "approve":
            claim_approve(membership=membership, by=request.user)
            messages.success(
                request,
                _("%(user)s may now act for %(organisation)s.")
                % {"user": membership.user, "organisation": membership.organisation},
            )
        else:
            form = ReasonForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("State the reason; the claimant reads it."))
                return _claim_return(request)
            claim_reject(membership=membership, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("The claim is rejected."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return _claim_return(request)


@guarded
def claim_certificate(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The registration certificate of a claim: its claimant and those who may decide it."""
    membership = get_object_or_404(OrganisationMembership, pk=pk)
    is_claimant = request.user.is_authenticated and membership.user_id == request.user.pk
    if not is_claimant:
        require_perm(request, "vendors.view_claim", membership)
    if not membership.certificate:
        raise Http404
    return _private_file(membership.certificate, membership.certificate_name or "certificate")


# --- Applications ----------------------------------------------------------------------------------


@guarded
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Apply to enter the directory with the documents the reviewers check."""
    organisation = get_object_or_404(Organisation, pk=pk)
    require_perm(request, "vendors.submit_application", organisation)
    form = ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            application = application_submit(
                organisation=organisation,
                categories=cd["categories"],
                documents=form.documents(),
                rating=cd["rating"],
                statement=cd["statement"],
                by=request.user,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The application is submitted; you are told when it is decided."))
            return redirect("vendors:application_detail", pk=application.pk)
    return render(
        request, "vendors/directoryapplication_form.html", {"form": form, "organisation": organisation}
    )


def _application(request: HttpRequest, pk: int) -> DirectoryApplication:
    application = selectors_web.application_for_page(pk)
    if application is None:
        raise Http404
    require_perm(request, "vendors.view_application", application)
    return application


@guarded
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The application's status for its organisation's staff; the review for directory administrators."""
    application = _application(request, pk)
    can_review = (
        request.user.has_perm("vendors.review_application", application)
        and application.status == DirectoryApplication.Status.SUBMITTED
    )
    initial = {name: value for name, _label, value in application.checklist}
    return render(
        request,
        "vendors/directoryapplication_detail.html",
        {
            "application": application,
            "documents": list(application.documents.all()),
            "can_review": can_review,
            "can_withdraw": request.user.has_perm("vendors.withdraw_application", application)
            and application.status == DirectoryApplication.Status.SUBMITTED,
            "review_form": ReviewForm(initial=initial) if can_review else None,
        },
    )


@guarded
@require_POST
def application_review(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Approve into the next draft version (every checklist item ticked) or reject with a reason."""
    application = _application(request, pk)
    require_perm(request, "vendors.review_application", application)
    if application.status != DirectoryApplication.Status.SUBMITTED:
        return refused(request, DomainError(_("This application has already been decided.")))
    form = ReviewForm(request.POST)
    if form.is_valid():
        cd = form.cleaned_data
        try:
            if cd["decision"] == "approve":
                application_approve(
                    application=application,
                    checklist=form.checklist(),
                    valid_from=cd["valid_from"],
                    valid_to=cd["valid_to"],
                    by=request.user,
                )
                messages.success(request, _("Approved into the next draft version; the applicant is told."))
            else:
                application_reject(
                    application=application, checklist=form.checklist(), reason=cd["reason"], by=request.user
                )
                messages.success(request, _("Rejected; the applicant is told."))
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect("vendors:application_queue")
    return render(
        request,
        "vendors/directoryapplication_detail.html",
        {
            "application": application,
            "documents": list(application.documents.all()),
            "can_review": True,
            "can_withdraw": False,
            "review_form": form,
        },
        status=400,
    )


@guarded
@require_POST
def application_withdraw_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    application = _application(request, pk)
    require_perm(request, "vendors.withdraw_application", application)
    try:
        application_withdraw(application=application, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The application is withdrawn."))
    return redirect("vendors:application_detail", pk=application.pk)


@guarded
def application_document(request: HttpRequest, pk: int, document_pk: int) -> HttpResponseBase:
    application = _application(request, pk)
    document = selectors_web.application_document(application, document_pk)
    if document is None:
        raise Http404
    return _private_file(document.file, document.original_name)
