"""Social organisations and the people who act for them.

The qualification directory (versions, entries, applications) is built on these.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    """Derived from the unified social credit code (GB 32100-2015): the registering department
    (first character) and the organisation type (second character)."""

    SOCIAL_ORGANISATION = "social_organisation", _("Social organisation")
    ENTERPRISE = "enterprise", _("Enterprise")
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")
    OTHER = "other", _("Other")


def kind_from_credit_code(code: str) -> OrganisationKind:
    """51 social group, 52 private non-enterprise unit / social service organisation, 53 foundation
    (registered by civil affairs); 9x enterprises (market regulation); 12 public institutions."""
    code = code.upper()
    if code[:2] in {"51", "52", "53"}:
        return OrganisationKind.SOCIAL_ORGANISATION
    if code[:1] == "9":
        return OrganisationKind.ENTERPRISE
    if code[:2] == "12":
        return OrganisationKind.PUBLIC_INSTITUTION
    return OrganisationKind.OTHER


class ServiceCategory(models.Model):
    """A kind of service the government buys (养老服务, 助残服务 ...), the unit of qualification."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent category"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class Organisation(models.Model):
    """A would-be undertaker, identified by its unified social credit code (统一社会信用代码)."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    registering_authority = models.CharField(_("registering authority"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(credit_code__regex=r"^[0-9A-Z]{18}$"), name="organisation_code_upper"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind(self) -> OrganisationKind:
        return kind_from_credit_code(self.credit_code)


class OrganisationMembership(models.Model):
    """Links supplier staff to the organisation they act for; ``is_admin`` approves new staff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    is_admin = models.BooleanField(_("organisation administrator"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("organisation membership")
        verbose_name_plural = _("organisation memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"
