"""Tender-side services: references, publishing to subscribers, cancelling, re-tendering,
clarifications (asker hidden) and amendments (15-day rule, document versions, bids to reconfirm)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.exceptions import DomainError, NotAllowed
from accounts.models import AuditEntry, Notification, Role
from procurement.models import Amendment, CategorySubscription, Tender, TenderDocument, TenderStatus
from procurement.services.tenders import (
    TenderData,
    amendment_publish,
    clarification_answer,
    clarification_ask,
    tender_allocate_reference,
    tender_cancel,
    tender_publish,
    tender_retender,
    tender_update,
)
from tests.factories import DepartmentFactory, MembershipFactory, UserFactory
from tests.procurement.factories import (
    PDF,
    compliant_criteria,
    department_purchaser,
    force_state,
    make_draft,
    make_published,
)

pytestmark = pytest.mark.django_db


def test_references_count_per_department_and_year() -> None:
    jmmz = DepartmentFactory(code="JMMZ", name="江门市民政局")
    pjmz = DepartmentFactory(code="PJMZ", name="蓬江区民政局")
    assert tender_allocate_reference(department=jmmz, year=2026) == "JMMZ-2026-0001"
    assert tender_allocate_reference(department=jmmz, year=2026) == "JMMZ-2026-0002"
    assert tender_allocate_reference(department=pjmz, year=2026) == "PJMZ-2026-0001"
    assert tender_allocate_reference(department=jmmz, year=2027) == "JMMZ-2027-0001"


def test_drafts_get_consecutive_references_and_an_audit_entry() -> None:
    purchaser = department_purchaser(DepartmentFactory(code="JMMZ", name="江门市民政局"))
    first, second = make_draft(purchaser), make_draft(purchaser)
    year = timezone.localdate().year
    assert (first.reference, second.reference) == (f"JMMZ-{year}-0001", f"JMMZ-{year}-0002")
    assert AuditEntry.objects.filter(action="tender.create", object_id=str(first.pk)).exists()


def test_only_own_department_purchasers_draft_and_edit() -> None:
    tender = make_draft()
    other = department_purchaser()
    with pytest.raises(NotAllowed):
        tender_update(
            tender=tender, by=other, data=TenderData.from_tender(tender), criteria=compliant_criteria()
        )
    supplier = UserFactory(role=Role.SUPPLIER)
    with pytest.raises(NotAllowed):
        tender_publish(tender=tender, by=supplier)
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.DRAFT


def test_publishing_notifies_category_subscribers_only() -> None:
    purchaser = department_purchaser()
    tender = make_draft(purchaser)
    follower, stranger = UserFactory(role=Role.SUPPLIER), UserFactory(role=Role.SUPPLIER)
    CategorySubscription.objects.create(user=follower, category=tender.category)
    tender_publish(tender=tender, by=purchaser)
    assert Notification.objects.filter(recipient=follower, kind="tender.published").count() == 1
    assert not Notification.objects.filter(recipient=stranger).exists()
    entry = AuditEntry.objects.get(action="tender.publish", object_id=str(tender.pk))
    assert entry.summary["reference"] == tender.reference


def test_a_published_tender_is_edited_only_by_amendment() -> None:
    purchaser = department_purchaser()
    tender = make_published(purchaser)
    with pytest.raises(DomainError):
        tender_update(
            tender=tender, by=purchaser, data=TenderData.from_tender(tender), criteria=compliant_criteria()
        )


def test_cancel_needs_a_reason_and_publishes_it() -> None:
    purchaser = department_purchaser()
    tender = make_published(purchaser)
    with pytest.raises(DomainError):
        tender_cancel(tender=tender, by=purchaser, reason="  ")
    tender = tender_cancel(tender=tender, by=purchaser, reason="项目资金未落实")
    assert tender.status == TenderStatus.CANCELLED
    assert tender.cancel_reason == "项目资金未落实"
    with pytest.raises(DomainError):
        tender_cancel(tender=tender, by=purchaser, reason="again")


def test_retender_copies_a_failed_tender_into_a_linked_draft() -> None:
    purchaser = department_purchaser()
    failed = force_state(make_published(purchaser), TenderStatus.FAILED, failure_reason="有效投标不足三家")
    copy = tender_retender(tender=failed, by=purchaser)
    assert copy.status == TenderStatus.DRAFT
    assert copy.retender_of == failed
    assert copy.reference != failed.reference
    assert (copy.title, copy.budget, copy.price_weight) == (failed.title, failed.budget, failed.price_weight)
    assert [c.name for c in copy.criteria.all()] == [c.name for c in failed.criteria.all()]
    assert copy.documents.count() == failed.documents.filter(is_current=True).count() == 1
    assert copy.bid_deadline is None
    with pytest.raises(DomainError):
        tender_retender(tender=make_published(purchaser), by=purchaser)


def _supplier_with_org():
    membership = MembershipFactory(is_admin=True)
    return membership.user, membership.organisation


def test_clarification_question_and_published_answer() -> None:
    purchaser = department_purchaser()
    tender = make_published(purchaser)
    asker, organisation = _supplier_with_org()
    question = clarification_ask(
        tender=tender, by=asker, organisation=organisation, question="人员配置要求？"
    )
    assert Notification.objects.filter(recipient=purchaser, kind="tender.clarification_asked").exists()
    assert not question.is_published
    answer = clarification_answer(
        tender=tender, by=purchaser, answer="不少于 5 名持证社工。", clarification=question
    )
    assert answer.is_published
    assert Notification.objects.filter(recipient=asker, kind="tender.amended").exists()
    with pytest.raises(DomainError):
        clarification_answer(tender=tender, by=purchaser, answer="again", clarification=question)


def test_a_supplier_cannot_ask_for_someone_elses_organisation() -> None:
    tender = make_published()
    asker, _org = _supplier_with_org()
    _other_user, other_org = _supplier_with_org()
    with pytest.raises(NotAllowed):
        clarification_ask(tender=tender, by=asker, organisation=other_org, question="?")


def test_questions_close_at_the_question_deadline() -> None:
    tender = force_state(
        make_published(), TenderStatus.PUBLISHED, clarification_deadline=timezone.now() - timedelta(minutes=1)
    )
    asker, organisation = _supplier_with_org()
    with pytest.raises(DomainError):
        clarification_ask(tender=tender, by=asker, organisation=organisation, question="还能提问吗？")
    assert not tender.clarifications.exists()


def test_amendment_late_in_the_period_must_move_the_deadline() -> None:
    purchaser = department_purchaser()
    tender = make_published(purchaser)  # deadline in 25 days
    tender = force_state(tender, TenderStatus.PUBLISHED, bid_deadline=timezone.now() + timedelta(days=10))
    with pytest.raises(DomainError) as info:
        amendment_publish(tender=tender, by=purchaser, summary="调整服务范围", text="增加两个社区")
    assert info.value.field == "new_bid_deadline"
    assert not Amendment.objects.filter(tender=tender).exists()
    new_deadline = timezone.now() + timedelta(days=16)
    amendment = amendment_publish(
        tender=tender,
        by=purchaser,
        summary="调整服务范围",
        text="增加两个社区",
        new_bid_deadline=new_deadline,
    )
    tender = Tender.objects.get(pk=tender.pk)
    assert tender.bid_deadline == tender.opening_at == new_deadline
    assert amendment.moved_deadline
    assert amendment.number == 1


def test_amendment_that_does_not_affect_bids_keeps_the_deadline() -> None:
    purchaser = department_purchaser()
    tender = force_state(
        make_published(purchaser), TenderStatus.PUBLISHED, bid_deadline=timezone.now() + timedelta(days=10)
    )
    amendment = amendment_publish(
        tender=tender, by=purchaser, summary="更正联系电话", text="电话改为 0750-1234567", affects_bids=False
    )
    assert not amendment.moved_deadline


def test_amendment_early_enough_needs_no_move_and_keeps_every_document_version() -> None:
    purchaser = department_purchaser()
    tender = make_published(purchaser)
    original = tender.documents.get()
    amendment_publish(
        tender=tender,
        by=purchaser,
        summary="更新招标文件",
        text="第三章评分细则修订",
        documents=[("", ContentFile(PDF + b"v2", name="v2.pdf"), original)],
    )
    versions = list(TenderDocument.objects.filter(tender=tender).order_by("version"))
    assert [(d.version, d.is_current) for d in versions] == [(1, False), (2, True)]
    assert versions[1].supersedes == original
    assert versions[1].title == original.title
    assert versions[1].amendment is not None
    assert versions[0].file.read() == PDF  # the old version is still there


def test_amendment_marks_submitted_bids_to_be_confirmed_again() -> None:
    from tests.procurement.bidding import make_bidder, submit_bid

    purchaser = department_purchaser()
    tender = make_published(purchaser, budget=Decimal("800000.00"))
    user, organisation = make_bidder(cat=tender.category)
    bid = submit_bid(tender, user, organisation)
    amendment_publish(tender=tender, by=purchaser, summary="更新", text="服务时间调整")
    bid.refresh_from_db(fields=["to_reconfirm"])
    assert bid.to_reconfirm is True
    assert Notification.objects.filter(recipient=user, kind="tender.amended").exists()


def test_amendments_only_while_bidding_is_open() -> None:
    purchaser = department_purchaser()
    tender = force_state(make_published(purchaser), TenderStatus.BIDDING_CLOSED)
    with pytest.raises(DomainError):
        amendment_publish(tender=tender, by=purchaser, summary="x", text="y")
