"""Contracts: drafting, exact instalments, signing, publication, amendments, milestones, payments and
the final instalment decided by the performance evaluation."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.exceptions import DomainError, NotAllowed
from accounts.models import AuditEntry, Role
from procurement.models import (
    Award,
    AwardStatus,
    Contract,
    ContractStatus,
    Instalment,
    InstalmentStatus,
    MilestoneStatus,
    Payment,
    Tender,
    TenderStatus,
)
from procurement.services.contracts import (
    MilestoneSpec,
    contract_amend,
    contract_draft,
    contract_publish,
    contract_release_final_instalment,
    contract_sign,
    contract_terminate,
    payment_record,
    progress_report_review,
    progress_report_submit,
    split_amount,
    text_sha256,
)
from procurement.services.deadlines import due_after
from tests.factories import UserFactory
from tests.procurement.award_setup import (
    announced,
    drafted,
    english,  # noqa: F401 (autouse: messages in English)
    supplier_of,
)

pytestmark = pytest.mark.django_db
D = Decimal


@given(
    value=st.decimals(min_value=D("0.01"), max_value=D("999999999999.99"), places=2),
    cuts=st.lists(st.integers(min_value=1, max_value=9999), min_size=0, max_size=5, unique=True),
)
def test_instalments_add_up_to_the_value_exactly(value: Decimal, cuts: list[int]) -> None:
    # Percentages with two decimals that add up to exactly 100.
    points = sorted(c for c in cuts if 0 < c < 10000)
    bounds = [0, *points, 10000]
    percentages = [D(b - a) / 100 for a, b in itertools.pairwise(bounds)]
    amounts = split_amount(value, percentages)
    assert sum(amounts, D("0")) == value
    assert all(a == a.quantize(D("0.01")) for a in amounts)
    assert all(a >= 0 for a in amounts)
    for a, p in zip(amounts, percentages, strict=True):  # each within one fen of its exact share
        assert abs(a - value * p / 100) <= D("0.01")


def test_split_amount_refuses_shares_not_adding_to_100() -> None:
    with pytest.raises(DomainError, match="100 per cent"):
        split_amount(D("100.00"), [D("30"), D("60")])
    assert split_amount(D("100.00"), [D("33.33"), D("33.33"), D("33.34")]) == [
        D("33.33"),
        D("33.33"),
        D("33.34"),
    ]
    assert split_amount(D("0.10"), [D("50"), D("50")]) == [D("0.05"), D("0.05")]
    assert split_amount(D("0.01"), [D("50"), D("50")]) == [D("0.01"), D("0.00")]  # cumulative, half up
    # Rounding each share alone would give 0.01 + 0.19 + 2.21 > 2.40; cumulative rounding cannot overshoot.
    assert sum(split_amount(D("2.40"), [D("0.21"), D("7.71"), D("91.88"), D("0.20")])) == D("2.40")


def test_draft_from_the_award() -> None:
    _ev, award, contract = drafted()
    assert contract.value == award.price == D("800000.00")
    instalments = list(contract.instalments.order_by("order"))
    assert [i.amount for i in instalments] == [D("240000.00"), D("320000.00"), D("240000.00")]
    assert [i.is_final for i in instalments] == [False, False, True]
    version = contract.current_version
    assert version.number == 1
    assert version.sha256 == text_sha256(version.text)
    assert contract.organisation.name in version.text
    assert "800000.00" in version.text


def test_draft_refuses_a_term_longer_than_the_tender_allows() -> None:
    ev, award = announced()
    today = timezone.localdate()
    with pytest.raises(DomainError, match="exceeds"):
        contract_draft(
            award=award,
            by=ev.purchaser,
            term_start=today,
            term_end=today + timedelta(days=400),
            service_content="x",
            milestones=[MilestoneSpec("结项", "报告", today, D("100"))],
        )
    assert not Contract.objects.exists()


def test_both_sides_sign_the_same_text_and_the_tender_is_contracted() -> None:
    ev, award, contract = drafted()
    sha = contract.current_version.sha256
    winner = supplier_of(award.bid.organisation)
    with pytest.raises(DomainError, match="changed since you read it"):
        contract_sign(contract=contract, by=winner, confirmed_sha256="0" * 64)
    contract = contract_sign(contract=contract, by=winner, confirmed_sha256=sha)
    assert contract.status == ContractStatus.DRAFT
    with pytest.raises(DomainError, match="already signed"):
        contract_sign(contract=contract, by=winner, confirmed_sha256=sha)
    contract = contract_sign(contract=contract, by=ev.purchaser, confirmed_sha256=sha)
    assert contract.status == ContractStatus.SIGNED
    assert contract.purchaser_signed_hash == contract.supplier_signed_hash == sha
    assert contract.publication_due == due_after(contract.signed_at, 2).date
    assert Award.objects.get(pk=award.pk).status == AwardStatus.CONTRACTED
    assert Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.CONTRACTED
    signs = AuditEntry.objects.filter(action="contract.sign").order_by("seq")
    assert [e.summary["side"] for e in signs] == ["supplier", "purchaser"]
    assert all(e.summary["sha256"] == sha for e in signs)
    contract = contract_publish(contract=contract, by=ev.purchaser)
    assert contract.status == ContractStatus.PUBLISHED


def test_eligibility_is_checked_again_at_signing() -> None:
    ev, _award, contract = drafted()
    # The tender no longer admits enterprises (e.g. the organisation's kind was corrected).
    Tender.objects.filter(pk=ev.tender.pk).update(admitted_kinds=["social_organisation"])
    with pytest.raises(DomainError, match="cannot sign"):
        contract_sign(contract=contract, by=ev.purchaser, confirmed_sha256=contract.current_version.sha256)


def test_amendment_before_signing_is_a_new_version_and_clears_signatures() -> None:
    ev, award, contract = drafted()
    winner = supplier_of(award.bid.organisation)
    contract_sign(contract=contract, by=winner, confirmed_sha256=contract.current_version.sha256)
    version = contract_amend(
        contract=contract, by=ev.purchaser, text="修订后的合同文本", reason="调整服务时间"
    )
    contract = Contract.objects.get(pk=contract.pk)
    assert version.number == 2
    assert contract.versions.count() == 2
    assert contract.supplier_signed_at is None
    assert contract.current_version.sha256 == text_sha256("修订后的合同文本")


@pytest.mark.parametrize("who", ["other_purchaser", "other_supplier", "expert", "supervisor"])
def test_outsiders_cannot_sign(who: str) -> None:
    ev, _award, contract = drafted()
    user = {
        "other_purchaser": UserFactory(purchaser=True),
        "other_supplier": UserFactory(role=Role.SUPPLIER),
        "expert": UserFactory(role=Role.EXPERT),
        "supervisor": UserFactory(role=Role.SUPERVISOR, department=ev.tender.department),
    }[who]
    with pytest.raises(NotAllowed):
        contract_sign(contract=contract, by=user, confirmed_sha256=contract.current_version.sha256)
    contract.refresh_from_db()
    assert contract.purchaser_signed_at is None
    assert contract.supplier_signed_at is None


def signed():  # type: ignore[no-untyped-def]
    ev, award, contract = drafted()
    sha = contract.current_version.sha256
    winner = supplier_of(award.bid.organisation)
    contract_sign(contract=contract, by=winner, confirmed_sha256=sha)
    contract = contract_sign(contract=contract, by=ev.purchaser, confirmed_sha256=sha)
    return ev, winner, contract


def test_milestones_reports_payments_and_the_held_final_instalment() -> None:
    ev, winner, contract = signed()
    first, _second, last = list(contract.milestones.order_by("order"))
    with pytest.raises(NotAllowed):
        progress_report_submit(milestone=first, by=ev.purchaser, text="x")
    report = progress_report_submit(milestone=first, by=winner, text="人员已到位，方案已报备")
    with pytest.raises(DomainError, match="what must be reworked"):
        progress_report_review(report=report, by=ev.purchaser, accept=False, comment="")
    progress_report_review(report=report, by=ev.purchaser, accept=False, comment="请补充人员资质证明")
    first.refresh_from_db()
    assert first.status == MilestoneStatus.RETURNED
    report = progress_report_submit(milestone=first, by=winner, text="已补充资质证明")
    progress_report_review(report=report, by=ev.purchaser, accept=True, comment="通过")
    inst = Instalment.objects.get(milestone=first)
    assert inst.status == InstalmentStatus.DUE
    # Payments: partial, then the rest; never more than due.
    payment_record(instalment=inst, by=ev.purchaser, amount=D("100000.00"), paid_on=timezone.localdate())
    with pytest.raises(DomainError, match=r"140000\.00"):
        payment_record(instalment=inst, by=ev.purchaser, amount=D("140000.01"), paid_on=timezone.localdate())
    payment_record(instalment=inst, by=ev.purchaser, amount=D("140000.00"), paid_on=timezone.localdate())
    inst.refresh_from_db()
    assert inst.status == InstalmentStatus.PAID
    assert sum(p.amount for p in Payment.objects.all()) == D("240000.00")
    # The final milestone accepted: its instalment is held, not payable.
    report = progress_report_submit(milestone=last, by=winner, text="结项报告")
    progress_report_review(report=report, by=ev.purchaser, accept=True, comment="通过")
    final = Instalment.objects.get(milestone=last)
    assert final.status == InstalmentStatus.HELD
    with pytest.raises(DomainError, match="not due"):
        payment_record(instalment=final, by=ev.purchaser, amount=D("1.00"), paid_on=timezone.localdate())


def test_final_instalment_released_by_the_evaluation_idempotently() -> None:
    _ev, _winner, contract = signed()
    evaluator = UserFactory(evaluator=True)
    with pytest.raises(NotAllowed):
        contract_release_final_instalment(
            contract=contract, by=UserFactory(role=Role.SUPPLIER), release=True, reason="优"
        )
    final = contract_release_final_instalment(
        contract=contract, by=evaluator, release=True, reason="绩效评价：优"
    )
    assert final.status == InstalmentStatus.DUE
    again = contract_release_final_instalment(
        contract=contract, by=evaluator, release=True, reason="绩效评价：优"
    )
    assert again.status == InstalmentStatus.DUE
    assert AuditEntry.objects.filter(action="instalment.release").count() == 1
    with pytest.raises(DomainError, match="already been decided"):
        contract_release_final_instalment(contract=contract, by=evaluator, release=False, reason="差")


def test_final_instalment_withheld_for_a_poor_grade() -> None:
    ev, _winner, contract = signed()
    final = contract_release_final_instalment(
        contract=contract, by=ev.purchaser, release=False, reason="绩效评价：差"
    )
    assert final.status == InstalmentStatus.WITHHELD
    with pytest.raises(DomainError, match="not due"):
        payment_record(instalment=final, by=ev.purchaser, amount=D("1.00"), paid_on=timezone.localdate())


def test_release_refused_before_signing() -> None:
    ev, _award, contract = drafted()
    with pytest.raises(DomainError, match="not been signed"):
        contract_release_final_instalment(contract=contract, by=ev.purchaser, release=True, reason="优")


def test_termination_with_a_reason() -> None:
    ev, _winner, contract = signed()
    with pytest.raises(DomainError, match="reason"):
        contract_terminate(contract=contract, by=ev.purchaser, reason=" ")
    contract = contract_terminate(contract=contract, by=ev.purchaser, reason="承接方严重违约")
    assert contract.status == ContractStatus.TERMINATED
    assert contract.termination_reason == "承接方严重违约"
