"""A small public record for the search tests, with things that must never be found beside it:
a draft tender, a draft directory version, a confirmed but unannounced award, an unpublished
evaluation, and sealed bid content (a losing bidder's name and price)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Role
from evaluation.models import Evaluation
from procurement.models import (
    Award,
    Bid,
    Committee,
    Contract,
    ContractStatus,
    EvaluationReport,
    Tender,
    TenderStatus,
)
from tests.evaluation.factories import standard_template
from tests.factories import DepartmentFactory, EvaluatorOrganisationFactory, OrganisationFactory, UserFactory
from vendors.models import DirectoryEntry, DirectoryVersion, ServiceCategory

CHINA = ZoneInfo("Asia/Shanghai")
D = Decimal

SECRET_BIDDER = "秘密投标人机构"
SECRET_PRICE = "777777.77"
UNANNOUNCED_PRICE = "654321.00"
DRAFT_TITLE = "草稿项目不得公开"
DRAFT_ORGANISATION = "草稿目录机构"
UNPUBLISHED_REPORT = "尚未公布的评价报告内容"


def category(code: str, name: str) -> ServiceCategory:
    return ServiceCategory.objects.get_or_create(code=code, defaults={"name": name})[0]


@dataclass
class Record:
    elderly: ServiceCategory
    disability: ServiceCategory
    city: Any
    district: Any
    tender_2026: Tender  # 养老, city, public tender, ¥800,000, published 2026
    tender_2025: Tender  # 助残, district, consultation, ¥3 million, published 2025
    awarded: Tender
    draft: Tender
    award: Award
    contract: Contract
    winner: Any
    entry: DirectoryEntry
    evaluation: Evaluation  # final evaluation of ``contract``, published 2026


_n = iter(range(1, 10_000))


def _tender(
    department: Any,
    cat: ServiceCategory,
    title: str,
    *,
    status: str,
    published: datetime | None,
    method: str = "public_tender",
    budget: str = "800000.00",
    description: str = "",
) -> Tender:
    creator = UserFactory(role=Role.PURCHASER, department=department)
    return Tender.objects.create(
        department=department,
        reference=f"{department.code}-{(published or timezone.now()).year}-{next(_n):04d}",
        title=title,
        description=description,
        category=cat,
        method=method,
        budget=D(budget),
        published_at=published,
        bid_deadline=(published or timezone.now()) + timedelta(days=25),
        opening_at=(published or timezone.now()) + timedelta(days=25),
        status=status,
        created_by=creator,
    )


def _bid(tender: Tender, organisation: Any, price: str) -> Bid:
    staff = UserFactory(role=Role.SUPPLIER)
    return Bid.objects.create(
        tender=tender,
        organisation=organisation,
        created_by=staff,
        status="qualified",
        price_ciphertext=b"sealed",
        bid_hash="0" * 64,
        submitted_by=staff,
        submitted_at=timezone.now() - timedelta(days=3),
        opened_at=timezone.now() - timedelta(days=2),
        opened_price=D(price),
    )


def build() -> Record:
    elderly = category("YL", "养老服务")
    disability = category("ZC", "助残服务")
    city = DepartmentFactory(code="JMMZ", name="江门市民政局")
    district = DepartmentFactory(code="PJMZ", name="蓬江区民政局")
    purchaser = UserFactory(role=Role.PURCHASER, department=city)

    tender_2026 = _tender(
        city,
        elderly,
        "蓬江区长者饭堂养老服务项目",
        status=TenderStatus.PUBLISHED,
        published=datetime(2026, 3, 2, 9, 0, tzinfo=CHINA),
        description="为辖区长者提供助餐服务。",
    )
    tender_2025 = _tender(
        district,
        disability,
        "残疾人康复助残服务",
        status=TenderStatus.PUBLISHED,
        published=datetime(2025, 6, 1, 9, 0, tzinfo=CHINA),
        method="competitive_consultation",
        budget="3000000.00",
    )
    # Bids on a tender whose bidding is still open: sealed, nothing of them may be found.
    _bid(tender_2026, OrganisationFactory(name=SECRET_BIDDER), SECRET_PRICE)
    draft = _tender(city, elderly, DRAFT_TITLE + "养老", status=TenderStatus.DRAFT, published=None)

    # An awarded tender: the announcement names the winner and the winning price; the loser stays unnamed.
    awarded = _tender(
        city,
        elderly,
        "江门市居家养老上门服务",
        status=TenderStatus.CONTRACTED,
        published=datetime(2026, 1, 5, 9, 0, tzinfo=CHINA),
        budget="900000.00",
    )
    winner = OrganisationFactory(name="江门市阳光社会工作服务中心")
    winning_bid = _bid(awarded, winner, "650000.00")
    _bid(awarded, OrganisationFactory(name=SECRET_BIDDER + "乙"), SECRET_PRICE)
    committee = Committee.objects.create(tender=awarded, size=5, created_by=purchaser)
    report = EvaluationReport.objects.create(
        committee=committee,
        tender=awarded,
        submitted_by=purchaser,
        submitted_at=timezone.now() - timedelta(days=40),
        confirmation_due=timezone.localdate(),
    )
    award = Award.objects.create(
        tender=awarded,
        report=report,
        bid=winning_bid,
        rank=1,
        price=D("650000.00"),
        total_score=D("90"),
        confirmed_by=purchaser,
        confirmed_at=timezone.now() - timedelta(days=30),
        announcement_due=timezone.localdate(),
        status="contracted",
        announced_at=datetime(2026, 2, 1, 9, 0, tzinfo=CHINA),
    )
    contract = Contract.objects.create(
        tender=awarded,
        award=award,
        department=city,
        organisation=winner,
        number="HT-JMMZ-0001",
        value=D("650000.00"),
        term_start=date(2026, 2, 10),
        term_end=date(2027, 1, 31),
        service_content="居家养老上门服务：助餐、助洁、助浴",
        status=ContractStatus.PUBLISHED,
        created_by=purchaser,
        published_at=datetime(2026, 2, 12, 9, 0, tzinfo=CHINA),
    )
    # A confirmed award that is not announced yet: neither its winner nor its price is public.
    pending = _tender(
        district,
        elderly,
        "待公告的养老项目",
        status=TenderStatus.AWARDED,
        published=datetime(2026, 1, 20, 9, 0, tzinfo=CHINA),
    )
    pending_bid = _bid(pending, OrganisationFactory(name="未公告中标机构"), UNANNOUNCED_PRICE)
    pending_report = EvaluationReport.objects.create(
        committee=Committee.objects.create(tender=pending, size=5, created_by=purchaser),
        tender=pending,
        submitted_by=purchaser,
        submitted_at=timezone.now(),
        confirmation_due=timezone.localdate(),
    )
    Award.objects.create(
        tender=pending,
        report=pending_report,
        bid=pending_bid,
        rank=1,
        price=D(UNANNOUNCED_PRICE),
        total_score=D("88"),
        confirmed_by=purchaser,
        confirmed_at=timezone.now(),
        announcement_due=timezone.localdate(),
        status="confirmed",
    )

    # The directory: one published version, and a draft with an organisation not yet listed.
    listed = OrganisationFactory(name="江门市颐康养老服务中心", description="专注长者照护")
    version = DirectoryVersion.objects.create(number=1)
    entry = DirectoryEntry.objects.create(
        version=version,
        organisation=listed,
        organisation_name=listed.name,
        registering_authority="江门市民政局",
        rating="4A",
        valid_from=date(2026, 1, 1),
        valid_to=date(2030, 12, 31),
    )
    entry.categories.set([elderly, disability])
    version.publish(by=None, at=datetime(2026, 1, 2, 9, 0, tzinfo=CHINA))
    version.save()
    draft_version = DirectoryVersion.objects.create(number=2)
    hidden = OrganisationFactory(name=DRAFT_ORGANISATION)
    draft_entry = DirectoryEntry.objects.create(
        version=draft_version,
        organisation=hidden,
        organisation_name=hidden.name,
        rating="3A",
        valid_from=date(2026, 1, 1),
        valid_to=date(2030, 12, 31),
    )
    draft_entry.categories.set([elderly])

    # Performance evaluation: a published (final) result, and one still being scored.
    evaluator_organisation = EvaluatorOrganisationFactory(name="广东省第三方评估研究院")
    common = {
        "contract": contract,
        "organisation": winner,
        "department": city,
        "category": elderly,
        "evaluator_organisation": evaluator_organisation,
        "template": standard_template(),
        "commissioned_by": purchaser,
    }
    evaluation = Evaluation.objects.create(
        title="江门市居家养老上门服务",
        kind="final",
        status="final",
        score=D("92.50"),
        grade="excellent",
        report="服务对象满意度高，项目整体执行良好。",
        published_at=datetime(2026, 11, 20, 9, 0, tzinfo=CHINA),
        **common,
    )
    Evaluation.objects.create(
        title="江门市居家养老上门服务",
        kind="mid_term",
        status="in_progress",
        report=UNPUBLISHED_REPORT,
        **common,
    )
    return Record(
        elderly,
        disability,
        city,
        district,
        tender_2026,
        tender_2025,
        awarded,
        draft,
        award,
        contract,
        winner,
        entry,
        evaluation,
    )
