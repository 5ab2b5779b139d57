"""Applications to enter the directory: documents, the checklist, approval into the next draft,
rejection with a reason; who may do what."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.exceptions import DomainError, NotAllowed
from accounts.models import AuditEntry, Role
from tests.factories import MembershipFactory, UserFactory, valid_credit_code
from tests.vendors.factories import category
from vendors.models import CHECKLIST, DirectoryApplication, DirectoryEntry
from vendors.services import (
    application_approve,
    application_reject,
    application_submit,
    application_withdraw,
    eligibility_check,
    version_publish,
)

pytestmark = pytest.mark.django_db
ALL_TICKED = {name: True for name, _label in CHECKLIST}


def doc(kind: str, content: bytes = b"%PDF-1.4 x") -> tuple[str, SimpleUploadedFile]:
    return kind, SimpleUploadedFile(f"{kind}.pdf", content, content_type="application/pdf")


def documents(*extra: str):
    kinds = ["registration_certificate", "annual_inspection", "financial_statements", *extra]
    return [doc(k, b"%PDF-1.4 " + k.encode()) for k in kinds]


@pytest.fixture
def membership(supplier):
    return MembershipFactory(user=supplier, is_admin=True)


@pytest.fixture
def application(membership, supplier):
    return application_submit(
        organisation=membership.organisation,
        categories=[category("YL"), category("SG")],
        documents=documents("rating_certificate"),
        rating="4A",
        statement="十年居家养老服务经验",
        by=supplier,
    )


def test_submit_keeps_documents_with_their_hashes(application):
    assert application.status == DirectoryApplication.Status.SUBMITTED
    docs = {d.kind: d for d in application.documents.all()}
    assert set(docs) == {
        "registration_certificate",
        "annual_inspection",
        "financial_statements",
        "rating_certificate",
    }
    assert docs["annual_inspection"].sha256 == hashlib.sha256(b"%PDF-1.4 annual_inspection").hexdigest()
    assert docs["annual_inspection"].file.name.startswith(f"private/vendors/applications/{application.pk}/")
    assert docs["annual_inspection"].original_name == "annual_inspection.pdf"


def test_submit_needs_the_required_documents(membership, supplier):
    with pytest.raises(DomainError) as caught:
        application_submit(
            organisation=membership.organisation,
            categories=[category("YL")],
            documents=documents()[:2],
            by=supplier,
        )
    assert caught.value.field == "documents"
    with pytest.raises(DomainError):  # a rating needs its certificate
        application_submit(
            organisation=membership.organisation,
            categories=[category("YL")],
            documents=documents(),
            rating="5A",
            by=supplier,
        )
    assert not DirectoryApplication.objects.exists()


def test_one_pending_application_at_a_time(application, membership, supplier):
    with pytest.raises(DomainError) as caught:
        application_submit(
            organisation=membership.organisation,
            categories=[category("YL")],
            documents=documents(),
            by=supplier,
        )
    assert caught.value.code == "duplicate"


def test_only_staff_of_a_social_organisation_apply(supplier, membership):
    outsider = UserFactory(role=Role.SUPPLIER)
    with pytest.raises(NotAllowed):
        application_submit(
            organisation=membership.organisation,
            categories=[category("YL")],
            documents=documents(),
            by=outsider,
        )
    company = MembershipFactory(user=supplier, organisation__credit_code=valid_credit_code(8, "9144070"))
    with pytest.raises(DomainError):
        application_submit(
            organisation=company.organisation, categories=[category("YL")], documents=documents(), by=supplier
        )


def test_approve_needs_the_whole_checklist(application, directory_admin):
    partial = dict(ALL_TICKED, check_staff=False)
    with pytest.raises(DomainError) as caught:
        application_approve(application=application, by=directory_admin, checklist=partial)
    assert caught.value.field == "checklist"
    application.refresh_from_db()
    assert application.status == "submitted"
    assert not DirectoryEntry.objects.exists()


def test_approve_goes_into_the_next_draft_and_counts_once_published(application, directory_admin):
    approved = application_approve(
        application=application, by=directory_admin, checklist=ALL_TICKED, valid_from=date(2026, 1, 1)
    )
    assert approved.status == "approved"
    assert (approved.valid_from, approved.valid_to) == (date(2026, 1, 1), date(2030, 12, 31))
    entry = approved.entry
    assert entry.version.is_draft
    assert (entry.rating, sorted(c.code for c in entry.categories.all())) == ("4A", ["SG", "YL"])
    org = application.organisation
    # not before the version is published
    assert eligibility_check(organisation=org, category=category("YL"), on=date.today()).reason_code in {
        "no_published_version",
    }
    version_publish(version=entry.version, by=directory_admin)
    result = eligibility_check(organisation=org, category=category("YL"), on=date.today())
    assert result.eligible
    assert result.entry == entry
    assert AuditEntry.objects.filter(action="directory.application_approve").exists()


def test_reject_needs_a_reason(application, directory_admin):
    with pytest.raises(DomainError):
        application_reject(application=application, by=directory_admin, reason="")
    rejected = application_reject(application=application, by=directory_admin, reason="年检结论为基本合格")
    assert (rejected.status, rejected.decision_reason, rejected.reviewed_by) == (
        "rejected",
        "年检结论为基本合格",
        directory_admin,
    )
    with pytest.raises(DomainError):
        application_approve(application=rejected, by=directory_admin, checklist=ALL_TICKED)
    from accounts.models import Notification

    told = Notification.objects.get(recipient=application.submitted_by, kind="directory.application_rejected")
    assert told.params["reason"] == "年检结论为基本合格"


@pytest.mark.parametrize("role", [Role.SUPPLIER, Role.PURCHASER, Role.SUPERVISOR])
def test_only_directory_admins_review(application, role, department):
    user = UserFactory(role=role, department=None if role == Role.SUPPLIER else department)
    with pytest.raises(NotAllowed):
        application_approve(application=application, by=user, checklist=ALL_TICKED)
    with pytest.raises(NotAllowed):
        application_reject(application=application, by=user, reason="x")
    application.refresh_from_db()
    assert application.status == "submitted"


# status × transition: only a submitted application moves
@pytest.mark.parametrize("start", ["submitted", "approved", "rejected", "withdrawn"])
@pytest.mark.parametrize("action", ["approve", "reject", "withdraw"])
def test_application_status_matrix(application, directory_admin, supplier, start, action):
    if start == "approved":
        application_approve(application=application, by=directory_admin, checklist=ALL_TICKED)
    elif start == "rejected":
        application_reject(application=application, by=directory_admin, reason="x")
    elif start == "withdrawn":
        application_withdraw(application=application, by=supplier)
    run = {
        "approve": lambda: application_approve(
            application=application, by=directory_admin, checklist=ALL_TICKED
        ),
        "reject": lambda: application_reject(application=application, by=directory_admin, reason="y"),
        "withdraw": lambda: application_withdraw(application=application, by=supplier),
    }[action]
    if start != "submitted":
        with pytest.raises(DomainError):
            run()
        application.refresh_from_db()
        assert application.status == start
    else:
        assert run().status == {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn"}[action]
