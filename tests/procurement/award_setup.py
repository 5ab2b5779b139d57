"""Builders for the evaluation, award, challenge and contract tests.

Tenders and bids are put straight into the state the test starts from (the FSM fields are protected on
loaded instances, not at construction). From there on, everything goes through the services.
Bidders are enterprises admitted by the tender, so the directory check passes without a directory; a
test that wants the directory refusal uses a social organisation instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from accounts.models import Role
from procurement.models import (
    Award,
    Bid,
    Committee,
    CommitteeMember,
    Contract,
    EvaluationReport,
    ExpertSpeciality,
    ScoringCriterion,
    Tender,
    TenderStatus,
)
from procurement.services.awards import award_announce, award_confirm
from procurement.services.committee import committee_form, member_declare
from procurement.services.contracts import MilestoneSpec, contract_draft
from procurement.services.scoring import report_submit, score_record, scores_submit
from tests.factories import (
    DepartmentFactory,
    ExpertProfileFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    valid_credit_code,
)
from vendors.models import ServiceCategory

D = Decimal
_refs = itertools.count(1)
_orgs = itertools.count(500)


def category() -> ServiceCategory:
    return ServiceCategory.objects.order_by("code").first() or ServiceCategory.objects.create(
        code="YL", name="养老服务"
    )


def make_tender(*, status: str = TenderStatus.QUALIFICATION_REVIEWED, budget: str = "1000000.00") -> Tender:
    department = DepartmentFactory()
    creator = UserFactory(role=Role.PURCHASER, department=department)
    now = timezone.now()
    tender = Tender.objects.create(
        department=department,
        reference=f"{department.code}-2026-{next(_refs):04d}",
        title="长者饭堂运营服务",
        category=category(),
        budget=D(budget),
        admitted_kinds=["social_organisation", "enterprise"],
        price_weight=D("30"),
        published_at=now - timedelta(days=30),
        bid_deadline=now - timedelta(days=2),
        opening_at=now - timedelta(days=2),
        status=status,
        created_by=creator,
    )
    ScoringCriterion.objects.create(tender=tender, name="服务方案", max_points=D("40"), order=1)
    ScoringCriterion.objects.create(tender=tender, name="项目团队", max_points=D("30"), order=2)
    return tender


def purchaser_of(tender: Tender) -> Any:
    return UserFactory(role=Role.PURCHASER, department=tender.department)


def enterprise(**kwargs: Any) -> Any:
    return OrganisationFactory(credit_code=valid_credit_code(next(_orgs), "9144070"), **kwargs)


def make_bid(tender: Tender, price: str, *, organisation: Any = None, status: str = "qualified") -> Bid:
    org = organisation or enterprise()
    staff = MembershipFactory(organisation=org, is_admin=True).user
    now = timezone.now()
    return Bid.objects.create(
        tender=tender,
        organisation=org,
        created_by=staff,
        status=status,
        price_ciphertext=b"sealed",
        bid_hash="0" * 64,
        submitted_by=staff,
        submitted_at=now - timedelta(days=3),
        opened_at=now - timedelta(days=2),
        opened_price=D(price),
    )


def supplier_of(organisation: Any) -> Any:
    return organisation.memberships.filter(status="approved").first().user


def make_experts(n: int, *, cat: ServiceCategory | None = None) -> list[Any]:
    cat = cat or category()
    experts = [ExpertProfileFactory(affiliation=f"五邑大学{i}") for i in range(n)]
    for e in experts:
        ExpertSpeciality.objects.create(expert=e, category=cat)
    return experts


@dataclass
class Evaluated:
    tender: Tender
    purchaser: Any
    bids: list[Bid]
    committee: Committee
    report: EvaluationReport


def form_committee(tender: Tender, purchaser: Any, *, pool: int = 8, **kwargs: Any) -> Committee:
    make_experts(pool)
    return committee_form(tender=tender, by=purchaser, seed=2026, **kwargs)


def declare_all(committee: Committee) -> None:
    for m in committee.members.filter(status="invited"):
        member_declare(member=m, by=m.user, has_conflict=False, statement="本人与投标人无利害关系。")


def score_all(committee: Committee, points: dict[int, tuple[str, str]]) -> None:
    """points: bid id → (服务方案, 项目团队) for every member alike."""
    tender = committee.tender
    criteria = list(tender.criteria.order_by("order"))
    for m in committee.members.exclude(status="declined"):
        for bid_id, pts in points.items():
            bid = Bid.objects.get(pk=bid_id)
            for c, p in zip(criteria, pts, strict=True):
                score_record(member=m, by=m.user, bid=bid, criterion=c, points=D(p), comment="符合要求")
        scores_submit(member=m, by=m.user)


def evaluated(
    prices: tuple[str, ...] = ("800000.00", "900000.00", "850000.00"), organisations: list[Any] | None = None
) -> Evaluated:
    """A tender whose committee reported; all members gave every bid 35 + 25, so price decides."""
    tender = make_tender()
    purchaser = purchaser_of(tender)
    orgs = organisations or [None] * len(prices)
    bids = [make_bid(tender, p, organisation=o) for p, o in zip(prices, orgs, strict=True)]
    committee = form_committee(tender, purchaser)
    declare_all(committee)
    score_all(committee, {b.pk: ("35", "25") for b in bids})
    leader = committee.members.get(is_leader=True)
    report = report_submit(committee=committee, by=leader.user, summary="")
    return Evaluated(Tender.objects.get(pk=tender.pk), purchaser, bids, committee, report)


def announced(**kwargs: Any) -> tuple[Evaluated, Award]:
    ev = evaluated(**kwargs)
    first = ev.report.ranking[0]["bid"]
    award = award_confirm(tender=ev.tender, bid=Bid.objects.get(pk=first), by=ev.purchaser)
    award = award_announce(award=award, by=ev.purchaser)
    return ev, award


def milestones() -> list[MilestoneSpec]:
    today = timezone.localdate()
    return [
        MilestoneSpec("启动", "服务方案与人员到位", today + timedelta(days=30), D("30")),
        MilestoneSpec("中期", "中期服务报告", today + timedelta(days=180), D("40")),
        MilestoneSpec("结项", "结项报告与绩效评价", today + timedelta(days=330), D("30")),
    ]


def drafted() -> tuple[Evaluated, Award, Contract]:
    ev, award = announced()
    today = timezone.localdate()
    contract = contract_draft(
        award=award,
        by=ev.purchaser,
        term_start=today,
        term_end=today + timedelta(days=340),
        service_content="为辖区长者提供助餐服务",
        milestones=milestones(),
    )
    return ev, award, contract


def leader_of(committee: Committee) -> CommitteeMember:
    return committee.members.get(is_leader=True)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The tests match English messages; the platform's default language is Chinese. Modules that
    import this fixture run in English."""
    with translation.override("en"):
        yield
