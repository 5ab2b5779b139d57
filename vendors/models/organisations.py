"""Social organisations, the people who act for them, and the relations between organisations."""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from stdnum.cn import uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)
from stdnum.exceptions import (
    ValidationError as StdnumError,
)


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


def normalise_credit_code(raw: str) -> str:
    """What people type or paste: full-width characters (ＡＢＣ１２３), spaces, dashes, lower case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-").upper()


def validate_credit_code(raw: str) -> str:
    """Normalise and validate a unified social credit code (GB 32100-2015, ``stdnum.cn.uscc``).

    Returns the canonical upper-case code or raises ``ValidationError`` with a reason a person can act on.
    """
    code = normalise_credit_code(raw)
    try:
        return str(uscc.validate(code))
    except InvalidLength:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)s."),
            code="length",
            params={"n": len(code)},
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _("The check character (the 18th) does not match: the code is mistyped."), code="checksum"
        ) from None
    except (InvalidFormat, InvalidComponent):
        raise ValidationError(
            _("This is not a unified social credit code (digits and upper-case letters, no I, O, S, V, Z)."),
            code="format",
        ) from None
    except StdnumError:
        raise ValidationError(_("This is not a valid unified social credit code."), code="invalid") from None


class ServiceCategory(models.Model):
    """A kind of service the government buys (养老服务, 助残服务 ...), the unit of qualification.

    Seeded by migration ``0003``; directory administrators may add, rename or deactivate categories.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
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
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Shown on the public profile."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_code__regex=r"^[0-9A-Z]{18}$"), name="organisation_code_upper"
            ),
        ]
        indexes = [models.Index(fields=["legal_representative"], name="organisation_legal_rep")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            self.credit_code = validate_credit_code(self.credit_code)
        except ValidationError as exc:
            raise ValidationError({"credit_code": exc.messages}) from None

    @property
    def kind(self) -> OrganisationKind:
        return kind_from_credit_code(self.credit_code)

    @property
    def is_social_organisation(self) -> bool:
        return self.kind == OrganisationKind.SOCIAL_ORGANISATION


class OrganisationRelation(models.Model):
    """A recorded relation between two organisations that makes them related bidders
    (实施条例 Art. 18: 直接控股、管理关系). The same legal representative needs no record: it is read
    from ``Organisation.legal_representative``. ``organisation`` controls or manages ``related``."""

    class Kind(models.TextChoices):
        CONTROL = "control", _("Controlling shareholding (直接控股)")
        MANAGEMENT = "management", _("Management relation (管理关系)")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="relations_out"
    )
    related = models.ForeignKey(
        Organisation,
        verbose_name=_("related organisation"),
        on_delete=models.CASCADE,
        related_name="relations_in",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation relation")
        verbose_name_plural = _("organisation relations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "related", "kind"], name="organisation_relation_once"
            ),
            models.CheckConstraint(
                condition=~Q(organisation=models.F("related")), name="organisation_relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.related} ({self.get_kind_display()})"


def claim_certificate_path(instance: OrganisationMembership, filename: str) -> str:
    # Never the uploaded name in the path: it is kept in ``certificate_name`` and shown from there.
    return f"private/vendors/claims/{instance.organisation_id}/{uuid.uuid4().hex}"


class OrganisationMembership(FSMModelMixin, models.Model):
    """Links supplier staff to the organisation they act for; ``is_admin`` approves new staff.

    A membership starts as a claim (``pending``): the organisation's approved administrator decides it;
    for an organisation without one, a directory administrator decides after checking the
    registration certificate (登记证书) the claimant uploaded. The first approved member is its admin.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    is_admin = models.BooleanField(_("organisation administrator"), default=False)
    status = FSMField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, protected=True
    )
    message = models.TextField(_("message to the approver"), blank=True)
    certificate = models.FileField(
        _("registration certificate"), upload_to=claim_certificate_path, blank=True, max_length=300
    )
    certificate_name = models.CharField(_("file name"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("organisation membership")
        verbose_name_plural = _("organisation memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"

    @transition(field=status, source=Status.PENDING, target=Status.APPROVED)
    def approve(self, *, by: Any, at: Any, make_admin: bool = False) -> None:
        """A pending claim is approved by the organisation's admin, or a directory administrator
        when the organisation has no admin yet (the service decides who may)."""
        self.decided_by, self.decided_at = by, at
        if make_admin:
            self.is_admin = True

    @transition(field=status, source=Status.PENDING, target=Status.REJECTED)
    def reject(self, *, by: Any, at: Any, reason: str) -> None:
        """A pending claim is rejected with a reason the claimant reads."""
        self.decided_by, self.decided_at, self.decision_reason = by, at, reason
