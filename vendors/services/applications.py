"""Applications to enter the directory: submitted by an organisation's staff, reviewed by a
directory administrator against the checklist, approved into the next draft version or rejected."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_fsm import TransitionNotAllowed

from accounts.audit import audit_record
from accounts.exceptions import DomainError
from accounts.notifications import notify
from accounts.uploads import atomic_discarding_files, check_upload, discard_on_failure
from vendors.models import (
    CHECKLIST,
    REQUIRED_DOCUMENTS,
    ApplicationDocument,
    DirectoryApplication,
    DocumentKind,
    Organisation,
    Rating,
    ServiceCategory,
)
from vendors.services.common import require, today
from vendors.services.directory import entry_add

MB = 1024 * 1024


def validity_years() -> int:
    """A qualification is typically valid for 5 years (DOMAIN.md); a setting, as local practice."""
    return int(getattr(settings, "GOVBUY_DIRECTORY_VALIDITY_YEARS", 5))


def _years_later(day: date, years: int) -> date:
    """The last day of a validity of ``years`` years starting on ``day`` (2026-03-01 → 2031-02-28)."""
    try:
        return day.replace(year=day.year + years) - timedelta(days=1)
    except ValueError:  # starts on 29 February
        return day.replace(year=day.year + years, day=28)


@atomic_discarding_files
def application_submit(
    *,
    organisation: Organisation,
    categories: Iterable[ServiceCategory],
    documents: Iterable[tuple[str, UploadedFile]],
    by: Any,
    rating: str = "",
    statement: str = "",
) -> DirectoryApplication:
    """A social organisation's staff apply to enter the directory with the required documents
    (registration certificate, last annual inspection/report, financial statements; the rating
    certificate when a rating is claimed)."""
    require(by, "vendors.submit_application", organisation)
    if not organisation.is_social_organisation:
        raise DomainError(_("Only social organisations apply to the directory."), field="organisation")
    categories = list(categories)
    if not categories:
        raise DomainError(_("Choose at least one service category."), field="categories")
    if rating and rating not in Rating.values:
        raise DomainError(_("Unknown rating."), field="rating")
    if DirectoryApplication.objects.filter(
        organisation=organisation, status=DirectoryApplication.Status.SUBMITTED
    ).exists():
        raise DomainError(
            _("An application of this organisation is already waiting for review."), code="duplicate"
        )
    documents = list(documents)
    kinds = {kind for kind, _file in documents}
    required = {str(k) for k in REQUIRED_DOCUMENTS} | (
        {str(DocumentKind.RATING_CERTIFICATE)} if rating else set()
    )
    missing = [DocumentKind(k).label for k in sorted(required - kinds)]
    if missing:
        raise DomainError(
            _("Missing documents: %(documents)s.") % {"documents": "、".join(str(m) for m in missing)},
            field="documents",
        )
    limit = int(getattr(settings, "GOVBUY_APPLICATION_MAX_FILE_BYTES", 20 * MB))
    application = DirectoryApplication.objects.create(
        organisation=organisation, submitted_by=by, rating=rating, statement=statement
    )
    application.categories.set(categories)
    for kind, upload in documents:
        if kind not in DocumentKind.values:
            raise DomainError(_("Unknown document kind."), field="documents")
        if upload.size and upload.size > limit:
            raise DomainError(_("A document is larger than the limit."), field="documents")
        # Judged by content (a program renamed .pdf is refused), named safely, stored under a
        # fixed name (accounts.uploads).
        checked = check_upload(name=upload.name or "", stream=upload, max_bytes=limit, field="documents")
        document = ApplicationDocument(
            application=application,
            kind=kind,
            original_name=checked.name,
            size=checked.size,
            sha256=checked.sha256,
        )
        document.file.save("document", ContentFile(checked.content), save=False)
        discard_on_failure(document.file.name)
        document.save()
    audit_record(
        actor=by,
        action="directory.application_submit",
        obj=application,
        summary={
            "organisation": organisation.credit_code,
            "categories": sorted(c.code for c in categories),
            "rating": rating,
            "documents": sorted(kinds),
        },
    )
    from accounts.models import Role, User

    notify(
        recipients=User.objects.filter(role=Role.DIRECTORY_ADMIN, is_active=True),
        kind="directory.application_submitted",
        message=gettext_noop("%(organisation)s applied to enter the qualification directory."),
        params={"organisation": organisation.name},
        obj=application,
        url=reverse("vendors:application_detail", args=[application.pk]),
    )
    return application


def _staff_and_applicant(application: DirectoryApplication) -> list[Any]:
    from vendors.selectors import organisation_staff

    people = organisation_staff(application.organisation)
    if application.submitted_by not in people:
        people.append(application.submitted_by)
    return people


def _set_checklist(application: DirectoryApplication, checklist: dict[str, bool] | None) -> None:
    if checklist is None:
        return
    names = {name for name, _label in CHECKLIST}
    unknown = set(checklist) - names
    if unknown:
        raise TypeError(f"unknown checklist items: {sorted(unknown)}")
    for name, value in checklist.items():
        setattr(application, name, bool(value))


@transaction.atomic
def application_approve(
    *,
    application: DirectoryApplication,
    by: Any,
    checklist: dict[str, bool] | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    categories: Iterable[ServiceCategory] | None = None,
    rating: str | None = None,
) -> DirectoryApplication:
    """Approve into the next draft version: every checklist item must be ticked. Valid from today
    for ``GOVBUY_DIRECTORY_VALIDITY_YEARS`` (5) years unless stated."""
    require(by, "vendors.review_application", application)
    application = DirectoryApplication.objects.select_for_update().get(pk=application.pk)
    _set_checklist(application, checklist)
    if application.status != DirectoryApplication.Status.SUBMITTED:
        raise DomainError(_("This application has already been decided."), code="transition")
    if not application.has_complete_checklist():
        raise DomainError(
            _("Tick every item of the checklist before approving, or reject with a reason."),
            field="checklist",
        )
    try:
        application.approve(by=by, at=timezone.now())
    except TransitionNotAllowed:
        raise DomainError(_("This application cannot be approved."), code="transition") from None
    start = valid_from or today()
    end = valid_to or _years_later(start, validity_years())
    chosen = list(categories) if categories is not None else list(application.categories.all())
    entry = entry_add(
        organisation=application.organisation,
        categories=chosen,
        valid_from=start,
        valid_to=end,
        rating=application.rating if rating is None else rating,
        by=by,
        reason=str(_("Application approved")),
    )
    application.valid_from, application.valid_to = start, end
    application.version, application.entry = entry.version, entry
    application.save()
    audit_record(
        actor=by,
        action="directory.application_approve",
        obj=application,
        summary={"version": entry.version.number, "valid_from": start, "valid_to": end},
    )
    notify(
        recipients=_staff_and_applicant(application),
        kind="directory.application_approved",
        message=gettext_noop(
            "The application of %(organisation)s was approved; it enters the directory with version %(version)s."
        ),
        params={"organisation": application.organisation.name, "version": entry.version.number},
        obj=application,
        url=reverse("vendors:application_detail", args=[application.pk]),
    )
    return application


@transaction.atomic
def application_reject(
    *,
    application: DirectoryApplication,
    by: Any,
    reason: str,
    checklist: dict[str, bool] | None = None,
) -> DirectoryApplication:
    """Reject with a reason the applicant reads."""
    require(by, "vendors.review_application", application)
    application = DirectoryApplication.objects.select_for_update().get(pk=application.pk)
    if not (reason or "").strip():
        raise DomainError(_("State the reason; the applicant reads it."), field="reason")
    _set_checklist(application, checklist)
    try:
        application.reject(by=by, at=timezone.now(), reason=reason.strip())
    except TransitionNotAllowed:
        raise DomainError(_("This application has already been decided."), code="transition") from None
    application.save()
    audit_record(
        actor=by,
        action="directory.application_reject",
        obj=application,
        summary={"reason": application.decision_reason},
    )
    notify(
        recipients=_staff_and_applicant(application),
        kind="directory.application_rejected",
        message=gettext_noop("The application of %(organisation)s was rejected: %(reason)s"),
        params={"organisation": application.organisation.name, "reason": application.decision_reason},
        obj=application,
        url=reverse("vendors:application_detail", args=[application.pk]),
    )
    return application


@transaction.atomic
def application_withdraw(*, application: DirectoryApplication, by: Any) -> DirectoryApplication:
    require(by, "vendors.withdraw_application", application)
    application = DirectoryApplication.objects.select_for_update().get(pk=application.pk)
    try:
        application.withdraw()
    except TransitionNotAllowed:
        raise DomainError(_("This application has already been decided."), code="transition") from None
    application.save()
    audit_record(actor=by, action="directory.application_withdraw", obj=application, summary={})
    return application
