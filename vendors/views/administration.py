"""Directory administrators' pages (民政局): the next draft version and its entries, publishing,
import, the application review queue, the service-category taxonomy and first claims.

Every page needs ``vendors.manage_directory`` (or the narrower permission it names); MFA is
enforced before any of them by ``accounts.middleware.RequireMFAMiddleware``. A published version
refuses every change: the pages that would change one answer 409 and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.exceptions import DomainError
from vendors import selectors, selectors_web
from vendors.exceptions import PublishedVersionError
from vendors.forms import (
    CategoryForm,
    EntryAddForm,
    EntryEditForm,
    EntryStatusForm,
    ImportForm,
    PublishForm,
    StartDraftForm,
)
from vendors.models import DirectoryVersion, ServiceCategory
from vendors.services import (
    DirectoryImportError,
    directory_import,
    entry_add,
    entry_reinstate,
    entry_revoke,
    entry_suspend,
    entry_update,
    organisation_create,
    version_draft,
    version_publish,
)
from vendors.services.categories import category_create, category_update
from vendors.views.common import form_error, guarded, refused, require_perm
from vendors.views.public import diff_rows, entries_page

ENTRY_ACTIONS: dict[str, Callable[..., Any]] = {
    "suspend": entry_suspend,
    "revoke": entry_revoke,
    "reinstate": entry_reinstate,
}


def _entry_actions(entry: Any) -> list[str]:
    """The status transitions the entry's state machine allows now (the template shows only these)."""
    names = {t.name for t in entry.get_available_status_transitions()}
    return [name for name in ENTRY_ACTIONS if name in names]


# --- The draft version ---------------------------------------------------------------------------


@guarded
@require_http_methods(["GET"])
def draft(request: HttpRequest) -> HttpResponse:
    """The next version: its entries with what may be done to each, or the button that starts it."""
    require_perm(request, "vendors.manage_directory")
    version = selectors.draft_version()
    context: dict[str, Any] = {"version": version, "start_form": StartDraftForm()}
    if version is not None:
        context.update(entries_page(request, version))
        context.update(
            rows=[(entry, _entry_actions(entry)) for entry in context["page"].object_list],
            pending_applications=selectors.pending_applications().count(),
        )
    return render(request, "vendors/directoryversion_draft.html", context)


@guarded
@require_POST
def draft_start(request: HttpRequest) -> HttpResponseBase:
    require_perm(request, "vendors.manage_directory")
    form = StartDraftForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    version = version_draft(by=request.user, note=note)
    messages.success(request, _("Draft version %(number)s is open for changes.") % {"number": version.number})
    return redirect("vendors:draft")


@guarded
@require_http_methods(["GET", "POST"])
def entry_create(request: HttpRequest) -> HttpResponseBase:
    """Add an organisation to the next version (registering it first when the platform does not
    know its code yet)."""
    require_perm(request, "vendors.manage_directory")
    form = EntryAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            with transaction.atomic():
                organisation = selectors_web.organisation_by_code(cd["credit_code"])
                if organisation is None:
                    if not cd["name"].strip():
                        raise DomainError(
                            _("This organisation is not registered yet: give its name."), field="name"
                        )
                    organisation = organisation_create(
                        credit_code=cd["credit_code"], name=cd["name"], by=request.user
                    )
                entry = entry_add(
                    organisation=organisation,
                    categories=cd["categories"],
                    valid_from=cd["valid_from"],
                    valid_to=cd["valid_to"],
                    rating=cd["rating"],
                    reason=cd["reason"],
                    by=request.user,
                )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("%(organisation)s is in draft version %(number)s.")
                % {"organisation": entry.organisation_name, "number": entry.version.number},
            )
            return redirect("vendors:draft")
    return render(request, "vendors/directoryentry_form.html", {"form": form})


@guarded
@require_http_methods(["GET", "POST"])
def entry_status(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    """Suspend, revoke or reinstate an entry of the draft, with a reason and a date."""
    require_perm(request, "vendors.manage_directory")
    if action not in ENTRY_ACTIONS:
        raise Http404
    entry = selectors_web.draft_entry(pk)
    if entry is None:
        raise Http404
    if entry.version.is_published:
        # The service would apply the change to the organisation's entry in the draft; a link to
        # a published entry must not do that behind the user's back.
        return refused(request, PublishedVersionError(), back=reverse("vendors:draft"))
    form = EntryStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ENTRY_ACTIONS[action](
                organisation=entry.organisation,
                reason=form.cleaned_data["reason"],
                on=form.cleaned_data["on"],
                by=request.user,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("The change is in draft version %(number)s.") % {"number": entry.version.number}
            )
            return redirect("vendors:draft")
    return render(
        request,
        "vendors/directoryentry_status.html",
        {"entry": entry, "action": action, "form": form, "allowed": action in _entry_actions(entry)},
    )


@guarded
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Change an entry's categories, rating or validity in the draft."""
    require_perm(request, "vendors.manage_directory")
    entry = selectors_web.draft_entry(pk)
    if entry is None:
        raise Http404
    if entry.version.is_published:
        return refused(request, PublishedVersionError(), back=reverse("vendors:draft"))
    form = EntryEditForm(request.POST or None, entry=entry)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            entry_update(
                entry=entry,
                categories=cd["categories"],
                rating=cd["rating"],
                valid_from=cd["valid_from"],
                valid_to=cd["valid_to"],
                by=request.user,
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("The change is in draft version %(number)s.") % {"number": entry.version.number}
            )
            return redirect("vendors:draft")
    return render(request, "vendors/directoryentry_edit.html", {"entry": entry, "form": form})


@guarded
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, number: int) -> HttpResponseBase:
    """Confirmation step: what changes against the directory in force, then publish."""
    require_perm(request, "vendors.publish_directory_version")
    version = get_object_or_404(DirectoryVersion, number=number)
    if version.is_published:
        return refused(request, PublishedVersionError(_("This version is already published.")))
    current = selectors.current_version()
    form = PublishForm(request.POST or None, initial={"note": version.note})
    if request.method == "POST" and form.is_valid():
        try:
            published = version_publish(version=version, by=request.user, note=form.cleaned_data["note"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Version %(number)s is published.") % {"number": published.number})
            return redirect("vendors:version_detail", number=published.number)
    diff = selectors.version_diff(current, version)
    return render(
        request,
        "vendors/directoryversion_publish.html",
        {"version": version, "current": current, "diff": diff, "rows": diff_rows(diff), "form": form},
    )


@guarded
@require_http_methods(["GET", "POST"])
def directory_import_upload(request: HttpRequest) -> HttpResponseBase:
    """Upload an .xlsx or .csv: all or nothing, every bad row listed with its number."""
    require_perm(request, "vendors.manage_directory")
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = directory_import(
                file=upload,
                filename=upload.name or "",
                note=form.cleaned_data["note"],
                publish=form.cleaned_data["publish"],
                by=request.user,
            )
        except DirectoryImportError as exc:
            errors = exc.errors
            form.add_error(None, str(exc.message))
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, str(summary))
            if summary.published:
                return redirect("vendors:version_detail", number=summary.version.number)
            return redirect("vendors:draft")
    status = 400 if errors else 200
    return render(request, "vendors/directory_import.html", {"form": form, "errors": errors}, status=status)


# --- Service categories ----------------------------------------------------------------------------


@guarded
def category_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, "vendors.manage_categories")
    return render(
        request, "vendors/servicecategory_list.html", {"categories": selectors_web.all_categories()}
    )


@guarded
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    require_perm(request, "vendors.manage_categories")
    category = get_object_or_404(ServiceCategory, pk=pk) if pk is not None else None
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        try:
            if category is None:
                category_create(by=request.user, **form.cleaned_data)
            else:
                category_update(category=category, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The service categories are saved."))
            return redirect("vendors:category_list")
    return render(request, "vendors/servicecategory_form.html", {"form": form, "category": category})


# --- First claims ----------------------------------------------------------------------------------


@guarded
def claim_queue(request: HttpRequest) -> HttpResponse:
    """Claims of organisations nobody acts for yet: checked against the registration certificate."""
    require_perm(request, "vendors.manage_directory")
    return render(
        request,
        "vendors/organisationmembership_queue.html",
        {"claims": selectors.pending_claims_for(request.user)},
    )


@guarded
def application_queue(request: HttpRequest) -> HttpResponse:
    require_perm(request, "vendors.review_application")
    return render(
        request,
        "vendors/directoryapplication_queue.html",
        {"applications": selectors.pending_applications(), "decided": selectors_web.recent_decisions()},
    )
