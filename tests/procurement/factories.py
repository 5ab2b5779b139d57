"""Builders for the tender-side tests: compliant drafts, published tenders, tenders in any state."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Role
from accounts.pagecache import bump_generation
from procurement import fragments
from procurement.models import ProcurementMethod, Tender, TenderDocument
from procurement.services.tenders import (
    CriterionData,
    TenderData,
    tender_create,
    tender_document_add,
    tender_publish,
)
from tests.factories import DepartmentFactory, UserFactory
from vendors.models import ServiceCategory

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"


def service_category(code: str = "YL") -> ServiceCategory:
    existing = ServiceCategory.objects.filter(parent__isnull=True).order_by("code").first()
    return existing or ServiceCategory.objects.create(code=code, name="养老服务", name_en="Elderly care")


def department_purchaser(department: Any = None) -> Any:
    department = department or DepartmentFactory()
    return UserFactory(role=Role.PURCHASER, department=department)


def compliant_data(**overrides: Any) -> TenderData:
    """A public tender that passes every compliance rule if published now."""
    now = timezone.now()
    deadline = (now + timedelta(days=25)).replace(second=0, microsecond=0)
    data = TenderData(
        title="蓬江区长者饭堂运营服务",
        description="为辖区 60 岁以上长者提供助餐服务。",
        category_id=service_category().pk,
        method=ProcurementMethod.PUBLIC_TENDER,
        budget=Decimal("800000.00"),
        deposit=Decimal("16000.00"),
        admitted_kinds=["social_organisation"],
        qualification_conditions="具有 3 年以上养老服务经验。",
        price_weight=Decimal("30"),
        contract_term_months=12,
        documents_available_until=deadline,
        clarification_deadline=deadline - timedelta(days=10),
        bid_deadline=deadline,
        opening_at=deadline,
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


def compliant_criteria() -> list[CriterionData]:
    return [
        CriterionData("服务方案", Decimal("40"), "方案完整、可行"),
        CriterionData("项目团队", Decimal("20")),
        CriterionData("类似项目经验", Decimal("10")),
    ]


def make_draft(
    purchaser: Any = None,
    *,
    documents: int = 1,
    criteria: list[CriterionData] | None = None,
    **overrides: Any,
) -> Tender:
    purchaser = purchaser or department_purchaser()
    tender = tender_create(
        by=purchaser,
        data=compliant_data(**overrides),
        criteria=criteria if criteria is not None else compliant_criteria(),
    )
    for i in range(documents):
        tender_document_add(
            tender=tender,
            by=purchaser,
            title=f"招标文件{i + 1}",
            file=ContentFile(PDF, name=f"doc{i + 1}.pdf"),
        )
    return Tender.objects.get(pk=tender.pk)


def make_published(purchaser: Any = None, **overrides: Any) -> Tender:
    purchaser = purchaser or department_purchaser()
    tender = make_draft(purchaser, **overrides)
    return tender_publish(tender=tender, by=purchaser)


def force_state(tender: Tender, status: str, **fields: Any) -> Tender:
    """Put a tender in a state directly (test set-up only: the field is protected on instances)."""
    now = timezone.now()
    defaults: dict[str, Any] = {}
    if status != "draft":
        defaults["published_at"] = tender.published_at or now - timedelta(days=21)
    Tender.objects.filter(pk=tender.pk).update(status=status, **{**defaults, **fields})
    bump_generation()  # a bulk update sends no signal: cached public pages must not show the old state
    fragments.tender_changed(tender.pk)  # nor the tender's cached parts
    return Tender.objects.get(pk=tender.pk)


def document_count(tender: Tender) -> int:
    return TenderDocument.objects.filter(tender=tender).count()
