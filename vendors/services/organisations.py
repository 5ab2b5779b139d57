"""Organisations, the staff who claim them, and the relations that make bidders related."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record
from accounts.exceptions import DomainError, NotAllowed
from accounts.notifications import notify
from accounts.uploads import atomic_discarding_files, check_upload, discard_on_failure
from vendors.models import Organisation, OrganisationMembership, OrganisationRelation, validate_credit_code
from vendors.services.common import require

ORGANISATION_FIELDS = (
    "name",
    "legal_representative",
    "registering_authority",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "website",
    "description",
)


def credit_code_or_error(raw: str) -> str:
    try:
        return validate_credit_code(raw)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="credit_code", code="credit_code") from None


@transaction.atomic
def organisation_create(*, credit_code: str, name: str, by: Any, **fields: str) -> Organisation:
    """Register an organisation by its unified social credit code (validated, stored upper-case)."""
    require(by, "vendors.create_organisation")
    code = credit_code_or_error(credit_code)
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown organisation fields: {sorted(unknown)}")
    name = (name or "").strip()
    if not name:
        raise DomainError(_("The name is required."), field="name")
    if Organisation.objects.filter(credit_code=code).exists():
        raise DomainError(
            _("An organisation with this code is already registered; claim it instead."),
            field="credit_code",
            code="duplicate",
        )
    organisation = Organisation.objects.create(credit_code=code, name=name, **fields)
    audit_record(
        actor=by,
        action="organisation.create",
        obj=organisation,
        summary={"credit_code": code, "name": name, "kind": organisation.kind},
    )
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, by: Any, **fields: str) -> Organisation:
    """Change an organisation's details (its administrator or a directory administrator). The code
    never changes: it is the organisation's identity."""
    if not (
        by is None
        or by.has_perm("vendors.manage_directory")
        or by.has_perm("vendors.manage_organisation_staff", organisation)
    ):
        raise NotAllowed()
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown organisation fields: {sorted(unknown)}")
    before = {k: getattr(organisation, k) for k in fields}
    for key, value in fields.items():
        setattr(organisation, key, value)
    organisation.save()
    audit_record(
        actor=by, action="organisation.update", obj=organisation, summary={"before": before, "after": fields}
    )
    return organisation


def _approvers_of(organisation: Organisation) -> list[Any]:
    """Who decides a claim: the organisation's admins, else the directory administrators."""
    from accounts.models import Role, User

    admins = [
        m.user
        for m in OrganisationMembership.objects.filter(
            organisation=organisation, status=OrganisationMembership.Status.APPROVED, is_admin=True
        ).select_related("user")
    ]
    if admins:
        return admins
    return list(User.objects.filter(role=Role.DIRECTORY_ADMIN, is_active=True))


@atomic_discarding_files
def organisation_claim(
    *,
    organisation: Organisation | None = None,
    credit_code: str = "",
    by: Any,
    message: str = "",
    certificate: UploadedFile | None = None,
) -> OrganisationMembership:
    """A supplier user claims an organisation (by object or by code) to act for it.

    The claim waits for the organisation's administrator; an organisation without one needs the
    registration certificate, which a directory administrator checks before approving.
    """
    require(by, "vendors.claim_organisation")
    if organisation is None:
        code = credit_code_or_error(credit_code)
        organisation = Organisation.objects.filter(credit_code=code).first()
        if organisation is None:
            raise DomainError(
                _("No organisation with this code is registered yet; register it first."),
                field="credit_code",
                code="unknown",
            )
    existing = OrganisationMembership.objects.filter(user=by, organisation=organisation).first()
    if existing is not None:
        if existing.status != OrganisationMembership.Status.REJECTED:
            raise DomainError(_("You have already claimed this organisation."), code="duplicate")
        existing.delete()  # a rejected claim may be made again, with better evidence
    first_claim = not OrganisationMembership.objects.filter(
        organisation=organisation, status=OrganisationMembership.Status.APPROVED, is_admin=True
    ).exists()
    if first_claim and certificate is None:
        raise DomainError(
            _("Nobody acts for this organisation yet: upload its registration certificate (登记证书)."),
            field="certificate",
        )
    membership = OrganisationMembership(user=by, organisation=organisation, message=message)
    if certificate is not None:
        checked = check_upload(
            name=certificate.name or "certificate", stream=certificate, field="certificate"
        )
        membership.certificate_name = checked.name
        membership.certificate.save("certificate", ContentFile(checked.content), save=False)
        discard_on_failure(membership.certificate.name)
    membership.save()
    audit_record(
        actor=by,
        action="organisation.claim",
        obj=membership,
        summary={"organisation": organisation.credit_code, "first_claim": first_claim},
    )
    notify(
        recipients=_approvers_of(organisation),
        kind="organisation.claim_submitted",
        message=gettext_noop("%(user)s asks to act for %(organisation)s."),
        params={"user": str(by), "organisation": organisation.name},
        obj=membership,
        url=reverse("vendors:claim_queue" if first_claim else "vendors:my_organisation"),
    )
    return membership


@transaction.atomic
def claim_approve(*, membership: OrganisationMembership, by: Any) -> OrganisationMembership:
    """The organisation's admin (or, for the first claim, a directory administrator) approves; the
    first approved member becomes the organisation's admin."""
    membership = OrganisationMembership.objects.select_for_update().get(pk=membership.pk)
    require(by, "vendors.decide_claim", membership)
    if membership.status != OrganisationMembership.Status.PENDING:
        raise DomainError(_("This claim has already been decided."), code="transition")
    first = not OrganisationMembership.objects.filter(
        organisation_id=membership.organisation_id,
        status=OrganisationMembership.Status.APPROVED,
        is_admin=True,
    ).exists()
    membership.approve(by=by, at=timezone.now(), make_admin=first)
    membership.save()
    audit_record(
        actor=by,
        action="organisation.claim_approve",
        obj=membership,
        summary={"user": membership.user.email, "admin": membership.is_admin},
    )
    notify(
        recipients=[membership.user],
        kind="organisation.claim_approved",
        message=gettext_noop("You may now act for %(organisation)s."),
        params={"organisation": membership.organisation.name},
        obj=membership,
        url=reverse("vendors:my_organisation"),
    )
    return membership


@transaction.atomic
def claim_reject(*, membership: OrganisationMembership, by: Any, reason: str) -> OrganisationMembership:
    membership = OrganisationMembership.objects.select_for_update().get(pk=membership.pk)
    require(by, "vendors.decide_claim", membership)
    if not (reason or "").strip():
        raise DomainError(_("State the reason; the claimant reads it."), field="reason")
    if membership.status != OrganisationMembership.Status.PENDING:
        raise DomainError(_("This claim has already been decided."), code="transition")
    membership.reject(by=by, at=timezone.now(), reason=reason.strip())
    membership.save()
    audit_record(
        actor=by,
        action="organisation.claim_reject",
        obj=membership,
        summary={"reason": membership.decision_reason},
    )
    notify(
        recipients=[membership.user],
        kind="organisation.claim_rejected",
        message=gettext_noop("Your claim to act for %(organisation)s was rejected: %(reason)s"),
        params={"organisation": membership.organisation.name, "reason": membership.decision_reason},
        obj=membership,
        url=reverse("vendors:my_organisation"),
    )
    return membership


@transaction.atomic
def relation_record(
    *, organisation: Organisation, related: Organisation, kind: str, by: Any, note: str = ""
) -> OrganisationRelation:
    """Record that ``organisation`` controls or manages ``related`` (they become related bidders)."""
    require(by, "vendors.record_relation")
    if organisation.pk == related.pk:
        raise DomainError(_("An organisation is not related to itself."), field="related")
    if kind not in OrganisationRelation.Kind.values:
        raise DomainError(_("Unknown kind of relation."), field="kind")
    relation, created = OrganisationRelation.objects.get_or_create(
        organisation=organisation, related=related, kind=kind, defaults={"note": note, "recorded_by": by}
    )
    if created:
        audit_record(
            actor=by,
            action="organisation.relation_record",
            obj=relation,
            summary={"organisation": organisation.credit_code, "related": related.credit_code, "kind": kind},
        )
    return relation


@transaction.atomic
def relation_delete(*, relation: OrganisationRelation, by: Any) -> None:
    require(by, "vendors.record_relation")
    audit_record(
        actor=by,
        action="organisation.relation_delete",
        obj=relation,
        summary={
            "organisation": relation.organisation.credit_code,
            "related": relation.related.credit_code,
            "kind": relation.kind,
        },
    )
    relation.delete()
