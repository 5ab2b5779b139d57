"""Applications to enter the directory (入库申请) and the documents that support them."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from vendors.models.directory import DirectoryEntry, DirectoryVersion, Rating
from vendors.models.organisations import Organisation, ServiceCategory

# What a reviewer ticks (DOMAIN.md "Who may bid"): field name, label. All must be ticked to approve.
CHECKLIST: tuple[tuple[str, Any], ...] = (
    ("check_registered", _("Registered with civil affairs (登记证书)")),
    ("check_annual_inspection", _("Last annual inspection / annual report passed")),
    ("check_no_major_violation", _("No major violation in the last 3 years")),
    ("check_tax_social_insurance", _("Good tax and social-insurance record")),
    ("check_staff", _("Has the staff the services need")),
)


class DocumentKind(models.TextChoices):
    REGISTRATION_CERTIFICATE = "registration_certificate", _("Registration certificate")
    ANNUAL_INSPECTION = "annual_inspection", _("Last annual inspection / report result")
    RATING_CERTIFICATE = "rating_certificate", _("Rating certificate")
    FINANCIAL_STATEMENTS = "financial_statements", _("Financial statements")
    OTHER = "other", _("Other")


# Documents an application cannot be submitted without (the rating certificate only with a rating).
REQUIRED_DOCUMENTS = (
    DocumentKind.REGISTRATION_CERTIFICATE,
    DocumentKind.ANNUAL_INSPECTION,
    DocumentKind.FINANCIAL_STATEMENTS,
)


def _has_complete_checklist(application: Any) -> bool:
    return bool(application.has_complete_checklist())


class DirectoryApplication(FSMModelMixin, models.Model):
    """A social organisation asks to enter the directory for some service categories. A directory
    administrator reviews it against the checklist and approves it into the next draft version or
    rejects it with a reason; the applicant's staff are told either way."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="directory_applications",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    categories = models.ManyToManyField(
        ServiceCategory, verbose_name=_("service categories"), related_name="directory_applications"
    )
    rating = models.CharField(_("rating"), max_length=2, choices=Rating.choices, blank=True)
    statement = models.TextField(_("statement"), blank=True, help_text=_("Services, staff and experience."))
    status = FSMField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED, protected=True
    )
    check_registered = models.BooleanField(_("registered with civil affairs"), default=False)
    check_annual_inspection = models.BooleanField(_("annual inspection passed"), default=False)
    check_no_major_violation = models.BooleanField(_("no major violation in 3 years"), default=False)
    check_tax_social_insurance = models.BooleanField(_("tax and social insurance in order"), default=False)
    check_staff = models.BooleanField(_("adequate staff"), default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    version = models.ForeignKey(
        DirectoryVersion,
        verbose_name=_("into version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    entry = models.ForeignKey(
        DirectoryEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="applications"
    )

    class Meta:
        verbose_name = _("directory application")
        verbose_name_plural = _("directory applications")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return str(_("Application of %(organisation)s") % {"organisation": self.organisation})

    @property
    def checklist(self) -> list[tuple[str, Any, bool]]:
        return [(name, label, bool(getattr(self, name))) for name, label in CHECKLIST]

    def has_complete_checklist(self) -> bool:
        return all(getattr(self, name) for name, _label in CHECKLIST)

    @transition(
        field=status, source=Status.SUBMITTED, target=Status.APPROVED, conditions=[_has_complete_checklist]
    )
    def approve(self, *, by: Any, at: Any) -> None:
        """A submitted application whose checklist is complete is approved by a directory
        administrator; the service writes its entry into the next draft version."""
        self.reviewed_by, self.reviewed_at = by, at

    @transition(field=status, source=Status.SUBMITTED, target=Status.REJECTED)
    def reject(self, *, by: Any, at: Any, reason: str) -> None:
        """A submitted application is rejected with a reason the applicant reads."""
        self.reviewed_by, self.reviewed_at, self.decision_reason = by, at, reason

    @transition(field=status, source=Status.SUBMITTED, target=Status.WITHDRAWN)
    def withdraw(self) -> None:
        """The applicant withdraws an application not yet decided."""


def application_document_path(instance: ApplicationDocument, filename: str) -> str:
    return f"private/vendors/applications/{instance.application_id}/{uuid.uuid4().hex}"


class ApplicationDocument(models.Model):
    """A supporting document, served only through a permission-checked view."""

    application = models.ForeignKey(DirectoryApplication, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=application_document_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        ordering = ["application", "kind", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name
