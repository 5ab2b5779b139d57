"""Credit codes, organisation registration, the claim flow and related organisations."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from stdnum.cn import uscc

from accounts.exceptions import DomainError, NotAllowed
from accounts.models import AuditEntry, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, valid_credit_code
from vendors.models import (
    OrganisationKind,
    OrganisationMembership,
    OrganisationRelation,
    validate_credit_code,
)
from vendors.selectors import pending_claims_for, related_organisation_ids
from vendors.services import (
    claim_approve,
    claim_reject,
    organisation_claim,
    organisation_create,
    relation_record,
)

pytestmark = pytest.mark.django_db

VALID = valid_credit_code(42)  # 524407000000000042 + check character


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _wrong_check(code: str) -> str:
    return code[:17] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != code[17])


# --- credit codes ----------------------------------------------------------------------------------
def test_valid_code_is_accepted_as_is():
    assert uscc.is_valid(VALID)
    assert validate_credit_code(VALID) == VALID


def test_lower_case_full_width_and_spaces_are_normalised():
    code = "91110000600037341L"
    assert validate_credit_code(code.lower()) == code
    assert validate_credit_code(_full_width(code.lower())) == code
    assert validate_credit_code(f" {code[:6]} {code[6:]}\u3000") == code


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        (_wrong_check(VALID), "checksum", "check character"),
        (VALID[:17], "length", "18 characters"),
        (VALID + "1", "length", "19"),
        ("", "length", "0"),
        (VALID[:16] + "I" + VALID[17], "format", "not a unified social credit code"),
    ],
)
@translation.override("en")
def test_bad_codes_are_refused_with_a_reason(raw, code, words):
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(raw)
    assert caught.value.code == code
    assert words in caught.value.messages[0]


@pytest.mark.parametrize(
    ("prefix", "kind"),
    [
        ("5144070", OrganisationKind.SOCIAL_ORGANISATION),
        ("5244070", OrganisationKind.SOCIAL_ORGANISATION),
        ("5344070", OrganisationKind.SOCIAL_ORGANISATION),
        ("9144070", OrganisationKind.ENTERPRISE),
        ("1244070", OrganisationKind.PUBLIC_INSTITUTION),
        ("5944070", OrganisationKind.OTHER),
    ],
)
def test_kind_from_code(prefix, kind):
    assert OrganisationFactory.build(credit_code=valid_credit_code(1, prefix)).kind == kind


def test_organisation_create_stores_the_code_upper_case(supplier):
    code = "91110000600037341L"
    org = organisation_create(credit_code=_full_width(code.lower()), name="北京某公司", by=supplier)
    assert org.credit_code == code
    assert AuditEntry.objects.filter(action="organisation.create", object_id=str(org.pk)).exists()
    with pytest.raises(DomainError) as caught:
        organisation_create(credit_code=code.lower(), name="again", by=supplier)
    assert caught.value.code == "duplicate"


def test_organisation_create_refuses_a_bad_code(supplier):
    with pytest.raises(DomainError) as caught:
        organisation_create(credit_code=_wrong_check(VALID), name="x", by=supplier)
    assert caught.value.field == "credit_code"


# --- the claim flow --------------------------------------------------------------------------------
def certificate() -> SimpleUploadedFile:
    return SimpleUploadedFile("登记证书.pdf", b"%PDF-1.4 certificate", content_type="application/pdf")


def test_first_claim_needs_a_certificate_and_a_directory_admin(supplier, directory_admin):
    org = OrganisationFactory()
    with pytest.raises(DomainError) as caught:
        organisation_claim(credit_code=org.credit_code.lower(), by=supplier)
    assert caught.value.field == "certificate"

    claim = organisation_claim(credit_code=org.credit_code.lower(), by=supplier, certificate=certificate())
    assert claim.status == OrganisationMembership.Status.PENDING
    assert claim.certificate_name == "登记证书.pdf"
    assert claim.certificate.name.startswith(f"private/vendors/claims/{org.pk}/")
    assert list(pending_claims_for(directory_admin)) == [claim]

    # another supplier cannot decide it; nor can the claimant
    with pytest.raises(NotAllowed):
        claim_approve(membership=claim, by=UserFactory(role=Role.SUPPLIER))
    with pytest.raises(NotAllowed):
        claim_approve(membership=claim, by=supplier)

    approved = claim_approve(membership=claim, by=directory_admin)
    assert (approved.status, approved.is_admin, approved.decided_by) == ("approved", True, directory_admin)
    assert supplier.has_perm("vendors.act_for_organisation", org)
    assert supplier.has_perm("vendors.manage_organisation_staff", org)


def test_later_claims_are_decided_by_the_organisation_admin(supplier, directory_admin):
    admin_membership = MembershipFactory(user=supplier, is_admin=True)
    org = admin_membership.organisation
    newcomer = UserFactory(role=Role.SUPPLIER)
    claim = organisation_claim(organisation=org, by=newcomer, message="我是新同事")
    assert list(pending_claims_for(supplier)) == [claim]
    assert list(pending_claims_for(directory_admin)) == []
    # once the organisation has an admin, the directory administrator no longer decides
    with pytest.raises(NotAllowed):
        claim_approve(membership=claim, by=directory_admin)
    approved = claim_approve(membership=claim, by=supplier)
    assert approved.status == "approved"
    assert approved.is_admin is False
    assert newcomer.has_perm("vendors.act_for_organisation", org)


def test_rejected_claim_has_a_reason_and_may_be_made_again(supplier):
    admin_membership = MembershipFactory(user=supplier, is_admin=True)
    org = admin_membership.organisation
    claimant = UserFactory(role=Role.SUPPLIER)
    claim = organisation_claim(organisation=org, by=claimant)
    with pytest.raises(DomainError):
        claim_reject(membership=claim, by=supplier, reason=" ")
    rejected = claim_reject(membership=claim, by=supplier, reason="不是本机构员工")
    assert (rejected.status, rejected.decision_reason) == ("rejected", "不是本机构员工")
    assert not claimant.has_perm("vendors.act_for_organisation", org)
    with pytest.raises(DomainError):
        claim_approve(membership=rejected, by=supplier)
    again = organisation_claim(organisation=org, by=claimant, message="补充材料")
    assert again.status == "pending"


def test_a_claim_is_made_once(supplier):
    org = OrganisationFactory()
    organisation_claim(organisation=org, by=supplier, certificate=certificate())
    with pytest.raises(DomainError) as caught:
        organisation_claim(organisation=org, by=supplier, certificate=certificate())
    assert caught.value.code == "duplicate"


def test_claim_of_an_unknown_code(supplier):
    with pytest.raises(DomainError) as caught:
        organisation_claim(credit_code=VALID, by=supplier, certificate=certificate())
    assert caught.value.code == "unknown"


@pytest.mark.parametrize("role", [Role.PURCHASER, Role.DIRECTORY_ADMIN, Role.EXPERT])
def test_only_suppliers_claim(role, department):
    user = UserFactory(role=role, department=department if role != Role.EXPERT else None)
    with pytest.raises(NotAllowed):
        organisation_claim(organisation=OrganisationFactory(), by=user, certificate=certificate())
    assert not OrganisationMembership.objects.exists()


def test_membership_status_cannot_be_assigned_directly(supplier_membership):
    membership = OrganisationMembership.objects.get(pk=supplier_membership.pk)
    with pytest.raises(AttributeError):
        membership.status = OrganisationMembership.Status.REJECTED


# --- related organisations -------------------------------------------------------------------------
def test_related_by_legal_representative_and_recorded_relations(directory_admin):
    a = OrganisationFactory(legal_representative="张三")
    b = OrganisationFactory(legal_representative="张三")
    c = OrganisationFactory(legal_representative="李四")
    d = OrganisationFactory(legal_representative="王五")
    unrelated = OrganisationFactory(legal_representative="赵六")
    nobody_a = OrganisationFactory(legal_representative="")
    nobody_b = OrganisationFactory(legal_representative="")
    relation_record(organisation=c, related=a, kind=OrganisationRelation.Kind.CONTROL, by=directory_admin)
    relation_record(organisation=a, related=d, kind=OrganisationRelation.Kind.MANAGEMENT, by=directory_admin)
    assert related_organisation_ids(a) == {b.pk, c.pk, d.pk}
    assert related_organisation_ids(c) == {a.pk}  # both directions
    assert related_organisation_ids(d) == {a.pk}
    assert related_organisation_ids(unrelated) == set()
    assert related_organisation_ids(nobody_a) == set()  # an empty name relates nobody
    assert nobody_b.pk not in related_organisation_ids(nobody_a)


def test_only_directory_admins_record_relations(supplier):
    a, b = OrganisationFactory(), OrganisationFactory()
    with pytest.raises(NotAllowed):
        relation_record(organisation=a, related=b, kind="control", by=supplier)
