"""Demo tenders (idempotent): one per tender-side state — draft, published with bidding open (with a
question answered and an amendment), cancelled — built through the real services.

The bid side adds its states (bids submitted, opened, qualified, failed) by appending a function to
``SEEDERS``; each seeder takes the context, and ``ctx.shared["tenders"]`` maps a label to a tender.
``demo_tender`` builds further tenders, optionally with their dates shifted into the past.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.demo_support import DemoContext
from procurement import fragments
from procurement.models import Tender, TenderStatus
from procurement.services.tenders import (
    CriterionData,
    TenderData,
    amendment_publish,
    clarification_answer,
    tender_cancel,
    tender_create,
    tender_document_add,
    tender_publish,
)
from vendors.models import ServiceCategory

DEMO_DOCUMENT = b"%PDF-1.4\n% GovBuy demo tender document\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

CRITERIA = [
    CriterionData("服务方案的完整性与可行性", Decimal("30"), "需求分析、服务内容、进度安排"),
    CriterionData("项目团队与持证社工配置", Decimal("20"), "持证社工不少于 3 名"),
    CriterionData("类似项目经验与服务成效", Decimal("10")),
    CriterionData("服务质量保障与应急预案", Decimal("10")),
]


def demo_tender(
    ctx: DemoContext,
    *,
    key: str,
    title: str,
    category_code: str,
    budget: str,
    publish: bool = True,
    shift_days: int = 0,
    description: str = "",
) -> Tender:
    """A tender by the demo purchaser, found again by title on a re-run. With ``shift_days`` its
    publication and dates are moved that many days into the past after publishing (demo only: the
    state machine itself never back-dates), so bid-side seeders can build closed and opened tenders."""
    purchaser = ctx.shared["purchaser"]
    existing = Tender.objects.filter(department=purchaser.department, title=title).first()
    if existing is not None:
        ctx.shared.setdefault("tenders", {})[key] = existing
        return existing
    category = ServiceCategory.objects.get(code=category_code)
    deadline = (timezone.now() + timedelta(days=25)).replace(minute=0, second=0, microsecond=0)
    data = TenderData(
        title=title,
        description=description or f"{title}：为江门市辖区居民提供专业化社会服务，服务期一年。",
        category_id=category.pk,
        budget=Decimal(budget),
        deposit=(Decimal(budget) * Decimal("0.01")).quantize(Decimal("0.01")),
        qualification_conditions="具有 2 年以上同类服务经验；近三年无重大违法记录。",
        price_weight=Decimal("30"),
        contract_term_months=12,
        documents_available_until=deadline,
        clarification_deadline=deadline - timedelta(days=10),
        bid_deadline=deadline,
        opening_at=deadline,
    )
    tender = tender_create(by=purchaser, data=data, criteria=CRITERIA)
    tender_document_add(
        tender=tender,
        by=purchaser,
        title="招标文件",
        file=ContentFile(DEMO_DOCUMENT, name="tender-document.pdf"),
    )
    if publish:
        tender = tender_publish(tender=tender, by=purchaser)
        if shift_days:
            delta = timedelta(days=shift_days)
            Tender.objects.filter(pk=tender.pk).update(
                published_at=tender.published_at - delta if tender.published_at else None,
                documents_available_until=deadline - delta,
                clarification_deadline=deadline - timedelta(days=10) - delta,
                bid_deadline=deadline - delta,
                opening_at=deadline - delta,
            )
            fragments.tender_changed(tender.pk)  # a bulk update sends no signal
            tender = Tender.objects.get(pk=tender.pk)
    ctx.shared.setdefault("tenders", {})[key] = tender
    return tender


def seed_tenders(ctx: DemoContext) -> None:
    purchaser = ctx.shared["purchaser"]
    demo_tender(
        ctx,
        key="draft",
        title="江门市长者饭堂运营服务项目（草稿）",
        category_code="YL",
        budget="600000.00",
        publish=False,
    )
    published = demo_tender(
        ctx, key="published", title="蓬江区居家养老上门服务项目", category_code="YL", budget="1200000.00"
    )
    if published.status == TenderStatus.PUBLISHED and not published.clarifications.exists():
        clarification_answer(
            tender=published,
            by=purchaser,
            answer="服务对象为蓬江区 80 周岁以上独居、空巢长者，约 600 人，名单由各街道提供。",
        )
        amendment_publish(
            tender=published,
            by=purchaser,
            summary="补充服务区域",
            text="服务区域增加杜阮镇，预算不变。",
        )
    demo_tender(
        ctx,
        key="published_disability",
        title="江门市残疾人康复托养服务项目",
        category_code="ZC",
        budget="800000.00",
    )
    cancelled = demo_tender(
        ctx, key="cancelled", title="江门市社区矫正社会工作服务项目", category_code="JD", budget="500000.00"
    )
    if cancelled.status == TenderStatus.PUBLISHED:
        tender_cancel(tender=cancelled, by=purchaser, reason="上级部门调整项目预算，本项目取消，另行公告。")
    ctx.log(
        f"{Tender.objects.filter(department=purchaser.department).count()} demo tenders (draft, published, cancelled)"
    )


# The bid side appends its seeders here (see the module docstring).
SEEDERS: list[Callable[[DemoContext], Any]] = [seed_tenders]


def seed(ctx: DemoContext) -> None:
    for seeder in SEEDERS:
        seeder(ctx)


# The bid side: sealed bids, closed, opened, qualification-reviewed and failed tenders.
from procurement.demo_bids import seed_bids  # noqa: E402 (demo_bids uses demo_tender above)

SEEDERS.append(seed_bids)

# Evaluation, award, challenges and contracts (issue 5).
from procurement.demo_contracts import seed_contracts  # noqa: E402

SEEDERS.append(seed_contracts)
