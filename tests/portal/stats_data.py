"""Public records for the statistics and export tests, put straight into the database in the state
they are read in (tenders, announced awards, signed and published contracts), plus a sealed bid
that must never show."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from accounts.models import Role
from procurement.models import Award, Bid, Committee, Contract, EvaluationReport, Tender
from tests.factories import DepartmentFactory, OrganisationFactory, UserFactory
from vendors.models import ServiceCategory

CHINA = ZoneInfo("Asia/Shanghai")
D = Decimal
_n = itertools.count(1)


def china(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CHINA)


def category(code: str, name: str) -> ServiceCategory:
    return ServiceCategory.objects.get_or_create(code=code, defaults={"name": name})[0]


def project(
    *,
    department: Any,
    cat: ServiceCategory,
    budget: str,
    published: datetime | None,
    price: str | None = None,
    announced: datetime | None = None,
    award_status: str = "announced",
    value: str | None = None,
    signed: datetime | None = None,
    contract_published: datetime | None = None,
    title: str = "社区居家养老服务",
    status: str = "published",
) -> Tender:
    n = next(_n)
    purchaser = UserFactory(role=Role.PURCHASER, department=department)
    tender = Tender.objects.create(
        department=department,
        reference=f"{department.code}-ST-{n:04d}",
        title=f"{title}{n}",
        category=cat,
        budget=D(budget),
        published_at=published,
        bid_deadline=(published or china(2026, 1, 1)) + timedelta(days=20),
        opening_at=(published or china(2026, 1, 1)) + timedelta(days=20),
        status=status if published else "draft",
        created_by=purchaser,
    )
    if price is None:
        return tender
    org = OrganisationFactory()
    bid = Bid.objects.create(
        tender=tender,
        organisation=org,
        created_by=purchaser,
        status="qualified",
        price_ciphertext=b"sealed",
        bid_hash="0" * 64,
        submitted_by=purchaser,
        submitted_at=published + timedelta(days=10),
        opened_at=published + timedelta(days=20),
        opened_price=D(price),
    )
    committee = Committee.objects.create(tender=tender, size=5, created_by=purchaser)
    report = EvaluationReport.objects.create(
        committee=committee,
        tender=tender,
        submitted_by=purchaser,
        submitted_at=published + timedelta(days=21),
        confirmation_due=(published + timedelta(days=25)).date(),
    )
    award = Award.objects.create(
        tender=tender,
        report=report,
        bid=bid,
        rank=1,
        price=D(price),
        total_score=D("88.50"),
        confirmed_by=purchaser,
        confirmed_at=published + timedelta(days=22),
        announcement_due=(published + timedelta(days=24)).date(),
        announced_at=announced,
        status=award_status,
    )
    if value is not None:
        Contract.objects.create(
            tender=tender,
            award=award,
            department=department,
            organisation=org,
            number=f"HT-{tender.reference}",
            value=D(value),
            term_start=(signed or published).date(),
            term_end=(signed or published).date() + timedelta(days=300),
            service_content="服务内容",
            status="published" if contract_published else "signed",
            signed_at=signed,
            published_at=contract_published,
            created_by=purchaser,
        )
    return tender


def sealed_bid(tender: Tender, name: str = "江门市密封投标测试中心") -> Bid:
    """A submitted bid before the opening: no opened price, only ciphertext."""
    org = OrganisationFactory(name=name)
    user = UserFactory(role=Role.SUPPLIER)
    return Bid.objects.create(
        tender=tender,
        organisation=org,
        created_by=user,
        status="submitted",
        price_ciphertext=b"\x00sealed-9999999.99",
        bid_hash="1" * 64,
        submitted_by=user,
        submitted_at=tender.published_at + timedelta(days=1),
    )


def world() -> dict[str, Any]:
    """2025: one tender (budget 300,000), awarded 280,000, contract 280,000 signed and published.
    2026: two tenders by another department (500,000 and 200,000); one awarded 450,000 (contract
    450,000 signed 2026, not published), one rescinded award of 190,000 (not money spent); a draft
    tender (never counted) and a sealed bid on an open tender."""
    mz = DepartmentFactory(code="JMMZ", name="江门市民政局")
    cl = DepartmentFactory(code="JMCL", name="江门市残联")
    elderly = category("YL", "养老服务")
    disabled = category("ZC", "助残服务")
    t2025 = project(
        department=mz,
        cat=elderly,
        budget="300000.00",
        published=china(2025, 3, 1),
        price="280000.00",
        announced=china(2025, 4, 1),
        award_status="contracted",
        value="280000.00",
        signed=china(2025, 4, 20),
        contract_published=china(2025, 4, 21),
        title='=HYPERLINK("http://evil")长者饭堂',
    )
    t2026a = project(
        department=cl,
        cat=disabled,
        budget="500000.00",
        published=china(2026, 2, 1),
        price="450000.00",
        announced=china(2026, 3, 1),
        award_status="contracted",
        value="450000.00",
        signed=china(2026, 3, 20),
    )
    t2026b = project(
        department=cl,
        cat=elderly,
        budget="200000.00",
        published=china(2026, 1, 1, 1),  # 2025-12-31 17:00 UTC: 2026 in China
        price="190000.00",
        announced=china(2026, 6, 1),
        award_status="rescinded",
    )
    draft = project(department=mz, cat=elderly, budget="9900000.00", published=None)
    sealed = sealed_bid(t2026b)
    return {
        "departments": (mz, cl),
        "categories": (elderly, disabled),
        "tenders": (t2025, t2026a, t2026b),
        "draft": draft,
        "sealed": sealed,
    }
