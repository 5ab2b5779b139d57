"""Signed contracts for evaluation tests, put straight into the signed state (the procurement tests
cover how a contract gets there; here only its parties, tender and final instalment matter)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from procurement.models import (
    Award,
    Bid,
    Committee,
    Contract,
    EvaluationReport,
    Instalment,
    Tender,
    TenderStatus,
)
from procurement.models.contracts import ContractStatus, InstalmentStatus
from vendors.models import ServiceCategory

_numbers = itertools.count(1)


def elderly_care() -> ServiceCategory:
    return ServiceCategory.objects.order_by("code").first() or ServiceCategory.objects.create(
        code="YL", name="养老服务"
    )


def signed_contract(
    *,
    department: Any,
    purchaser: Any,
    organisation: Any,
    title: str = "江门市长者饭堂助餐服务项目",
    value: str = "500000.00",
) -> Contract:
    n = next(_numbers)
    now = timezone.now()
    tender = Tender.objects.create(
        department=department,
        reference=f"{department.code}-2026-E{n:03d}",
        title=title,
        category=elderly_care(),
        budget=Decimal(value),
        admitted_kinds=["social_organisation", "enterprise"],
        price_weight=Decimal(30),
        published_at=now - timedelta(days=90),
        bid_deadline=now - timedelta(days=60),
        opening_at=now - timedelta(days=60),
        status=TenderStatus.CONTRACTED,
        created_by=purchaser,
    )
    staff = organisation.memberships.filter(status="approved").first()
    bidder = staff.user if staff else purchaser
    bid = Bid.objects.create(
        tender=tender,
        organisation=organisation,
        created_by=bidder,
        status="qualified",
        price_ciphertext=b"sealed",
        bid_hash="0" * 64,
        submitted_by=bidder,
        submitted_at=now - timedelta(days=61),
        opened_at=now - timedelta(days=60),
        opened_price=Decimal(value),
    )
    committee = Committee.objects.create(tender=tender, size=5, created_by=purchaser)
    report = EvaluationReport.objects.create(
        committee=committee,
        tender=tender,
        submitted_by=purchaser,
        submitted_at=now - timedelta(days=55),
        confirmation_due=timezone.localdate() - timedelta(days=50),
    )
    award = Award.objects.create(
        tender=tender,
        report=report,
        bid=bid,
        rank=1,
        price=Decimal(value),
        total_score=Decimal(90),
        confirmed_by=purchaser,
        confirmed_at=now - timedelta(days=50),
        announcement_due=timezone.localdate() - timedelta(days=48),
        status="contracted",
    )
    contract = Contract.objects.create(
        tender=tender,
        award=award,
        department=department,
        organisation=organisation,
        number=f"HT-{department.code}-{n:04d}",
        value=Decimal(value),
        term_start=timezone.localdate() - timedelta(days=330),
        term_end=timezone.localdate() + timedelta(days=30),
        service_content="为辖区长者提供助餐服务",
        status=ContractStatus.SIGNED,
        created_by=purchaser,
    )
    Instalment.objects.create(
        contract=contract, order=1, percentage=Decimal(70), amount=Decimal(value) * Decimal("0.7")
    )
    Instalment.objects.create(
        contract=contract,
        order=2,
        percentage=Decimal(30),
        amount=Decimal(value) * Decimal("0.3"),
        is_final=True,
        status=InstalmentStatus.HELD,
    )
    return contract
