"""People and the bodies they act for.

A user has exactly one role. Staff of a government body (purchasers, directory administrators,
supervisors) belong to a ``Department``; third-party evaluators to an ``EvaluatorOrganisation``;
supplier staff are linked to their social organisation by ``vendors.OrganisationMembership`` (the
organisation itself belongs to ``vendors``); experts carry an ``ExpertProfile`` (the expert pool).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PURCHASER = "purchaser", _("Purchaser")
    SUPPLIER = "supplier", _("Supplier")
    DIRECTORY_ADMIN = "directory_admin", _("Directory administrator")
    EXPERT = "expert", _("Bid-evaluation expert")
    EVALUATOR = "evaluator", _("Third-party evaluator")
    SUPERVISOR = "supervisor", _("Supervisor")


DEPARTMENT_ROLES = frozenset({Role.PURCHASER, Role.DIRECTORY_ADMIN, Role.SUPERVISOR})
# Migrations need a fixed order: iterating the frozenset follows string hashing, which changes with
# every interpreter, and makemigrations then writes the same constraint again each time.
_DEPARTMENT_ROLES_SORTED = sorted(r.value for r in DEPARTMENT_ROLES)


class Department(models.Model):
    """A government body that buys services (购买主体), e.g. 江门市民政局."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.CharField(
        _("code"),
        max_length=12,
        unique=True,
        help_text=_("Upper-case letters used in tender reference numbers, e.g. JMMZ."),
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent department"), null=True, blank=True, on_delete=models.PROTECT
    )
    region = models.CharField(_("region"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z][A-Z0-9]{1,11}$"), name="department_code_upper"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EvaluatorOrganisation(models.Model):
    """An independent third-party evaluation organisation (第三方评价机构)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluator organisation")
        verbose_name_plural = _("evaluator organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        extra.setdefault("role", Role.SUPERVISOR)
        if (
            extra["role"] in DEPARTMENT_ROLES
            and not extra.get("department")
            and not extra.get("department_id")
        ):
            extra["role"] = ""
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address and acts in exactly one role."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    is_department_admin = models.BooleanField(
        _("department administrator"),
        default=False,
        help_text=_("May invite and manage the department's staff."),
    )
    evaluator_organisation = models.ForeignKey(
        EvaluatorOrganisation,
        verbose_name=_("evaluator organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_staff = models.BooleanField(_("site administrator"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                name="department_staff_have_department",
                condition=~Q(role__in=_DEPARTMENT_ROLES_SORTED) | Q(department__isnull=False),
            ),
            models.CheckConstraint(
                name="evaluators_have_organisation",
                condition=~Q(role=Role.EVALUATOR) | Q(evaluator_organisation__isnull=False),
            ),
            models.CheckConstraint(
                name="department_admin_has_department",
                condition=Q(is_department_admin=False) | Q(department__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name or self.email.split("@")[0]

    @property
    def role_requires_mfa(self) -> bool:
        """Directory administrators, experts and evaluators (setting MFA_REQUIRED_ROLES) must use TOTP
        before they act; so must site administrators, who hold every permission."""
        return self.is_superuser or self.role in settings.GOVBUY_MFA_REQUIRED_ROLES


class ExpertProfile(models.Model):
    """A member of the bid-evaluation expert pool (评审专家库).

    Specialities (service categories) and declared relations with organisations are recorded by
    ``procurement``, which owns the committee draw; here is what the platform knows of the person.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="expert_profile")
    affiliation = models.CharField(_("affiliation"), max_length=200, help_text=_("Employer or institution."))
    title = models.CharField(_("professional title"), max_length=100, blank=True)
    declared_relations = models.TextField(
        _("declared relations"),
        blank=True,
        help_text=_("Organisations or people the expert must not evaluate (employment, kinship, control)."),
    )
    in_pool = models.BooleanField(_("available for draws"), default=True)

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("expert pool")

    def __str__(self) -> str:
        return str(self.user)


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry() -> Any:
    return timezone.now() + timedelta(days=settings.GOVBUY_INVITATION_DAYS)


class Invitation(models.Model):
    """A department administrator's invitation to a new member of staff."""

    email = models.EmailField(_("e-mail address"))
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(
        _("role"), max_length=20, choices=[(r, Role(r).label) for r in _DEPARTMENT_ROLES_SORTED]
    )
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.department}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()
