"""Demo bids (idempotent), through the real services: sealed bids on the open tender, and tenders
whose bidding has closed, that were opened, qualification-reviewed, and one that failed (废标).

The bidders are demo social organisations listed in the directory for the tender's category (added
through the vendors services when missing), each with a supplier account ``bidderN@example.org``;
the main demo supplier's organisation bids too when it is in the directory. Dates of the closed
tenders are moved into the past after the bids are in (demo only: the services never back-date).
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from accounts.demo import ensure_user
from accounts.demo_support import DemoContext
from accounts.models import Role
from procurement import fragments
from procurement.demo import demo_tender
from procurement.models import Bid, Tender, TenderStatus
from procurement.services.bids import (
    bid_add_document,
    bid_create_draft,
    bid_eligibility_refusal,
    bid_submit,
    tender_close_bidding,
    today_in_shanghai,
)
from procurement.services.opening import tender_open
from procurement.services.qualification import bid_disqualify, bid_qualify, tender_complete_qualification
from vendors.demo import demo_code
from vendors.models import Organisation, OrganisationMembership

BIDDERS = [
    # credit code body (17), name, legal representative
    ("52440703MJL100001", "江门市蓬江区长青社会工作服务中心", "梁长青"),
    ("52440704MJL100002", "江门市江海区康宁社会工作服务中心", "黄康宁"),
    ("52440705MJL100003", "江门市新会区仁和长者服务中心", "陈仁和"),
    ("52440784MJL100004", "鹤山市乐龄居家养老服务中心", "李乐龄"),
]

BID_PDF = b"%PDF-1.4\n%% GovBuy demo bid: technical proposal\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"


def _bidders(ctx: DemoContext, tender: Tender) -> list[tuple[Any, Organisation]]:
    """Demo bidders eligible for the tender's category: listed in the directory if they are not."""
    from vendors.services.directory import entry_add, version_publish

    people: list[tuple[Any, Organisation]] = []
    supplier = ctx.shared.get("supplier")
    main = Organisation.objects.filter(memberships__user=supplier, memberships__status="approved").first()
    candidates: list[tuple[Any, Organisation]] = [(supplier, main)] if supplier and main else []
    accounts: dict[int, Any] = ctx.shared.setdefault("demo_bidders", {})
    for i, (body, name, rep) in enumerate(BIDDERS, start=1):
        org, _ = Organisation.objects.get_or_create(
            credit_code=demo_code(body),
            defaults={"name": name, "legal_representative": rep, "registering_authority": "江门市民政局"},
        )
        user = accounts.get(i) or ensure_user(
            ctx, f"bidder{i}@example.org", Role.SUPPLIER, full_name=f"{rep}（投标人）"
        )
        accounts[i] = user
        OrganisationMembership.objects.get_or_create(
            user=user, organisation=org, defaults={"status": "approved", "is_admin": True}
        )
        candidates.append((user, org))
    entry = None
    for _user, org in candidates:
        refusal, _ = bid_eligibility_refusal(tender=tender, organisation=org, on=today_in_shanghai())
        if refusal is not None and refusal.code != "kind_not_admitted":
            entry = entry_add(
                organisation=org,
                categories=[tender.category],
                valid_from=date(2024, 1, 1),
                valid_to=date(2028, 12, 31),
                rating="4A",
                by=None,
                reason="演示数据",
            )
    if entry is not None:
        version_publish(version=entry.version, by=None, note="演示：投标单位入库")
    for user, org in candidates:
        refusal, _ = bid_eligibility_refusal(tender=tender, organisation=org, on=today_in_shanghai())
        if refusal is None:
            people.append((user, org))
    return people


def _bid(tender: Tender, user: Any, org: Organisation, price: str) -> None:
    if Bid.objects.counting().filter(tender=tender, organisation=org).exists():
        return
    bid = bid_create_draft(tender=tender, organisation=org, by=user)
    if not bid.documents.exists():
        bid_add_document(bid=bid, name="技术方案.pdf", stream=io.BytesIO(BID_PDF), by=user)
        bid_add_document(
            bid=bid, name="资格证明文件.pdf", stream=io.BytesIO(BID_PDF + b"%qualification\n"), by=user
        )
    bid_submit(bid=bid, price=price, by=user)


def _to_the_past(tender: Tender) -> Tender:
    """Demo only: the deadline and opening time of a tender whose bids are in move into the past."""
    past = timezone.now() - timedelta(hours=2)
    Tender.objects.filter(pk=tender.pk).update(
        bid_deadline=past,
        opening_at=past,
        clarification_deadline=past - timedelta(days=10),
        documents_available_until=past,
        published_at=past - timedelta(days=25),
    )
    fragments.tender_changed(tender.pk)  # a bulk update sends no signal
    return Tender.objects.get(pk=tender.pk)


def seed_bids(ctx: DemoContext) -> None:
    purchaser = ctx.shared["purchaser"]
    tenders = ctx.shared.setdefault("tenders", {})

    open_tender = tenders.get("published")
    if open_tender is not None and open_tender.status == TenderStatus.PUBLISHED:
        for (user, org), price in zip(
            _bidders(ctx, open_tender)[:3], ["1150000.00", "1098000.00", "1180000.00"], strict=False
        ):
            _bid(open_tender, user, org, price)

    specs = [
        ("bidding_closed", "江门市社区居家养老服务评估项目", TenderStatus.BIDDING_CLOSED, None),
        ("opened", "江海区长者助餐配餐服务项目", TenderStatus.OPENED, None),
        ("qualification_reviewed", "新会区农村留守老人关爱服务项目", TenderStatus.QUALIFICATION_REVIEWED, 0),
        ("failed", "鹤山市失能老人照护服务项目", TenderStatus.FAILED, 2),
    ]
    for key, title, target, disqualify in specs:
        tender = demo_tender(ctx, key=key, title=title, category_code="YL", budget="900000.00")
        if tender.status != TenderStatus.PUBLISHED:
            continue  # already seeded
        bidders = _bidders(ctx, tender)[:4]
        for i, (user, org) in enumerate(bidders):
            _bid(tender, user, org, f"{860000 - 15000 * i}.00")
        tender = _to_the_past(tender)
        tender_close_bidding(tender=tender)
        if target == TenderStatus.BIDDING_CLOSED:
            continue
        tender_open(tender=Tender.objects.get(pk=tender.pk), by=purchaser)
        if target == TenderStatus.OPENED:
            continue
        bids = list(Bid.objects.filter(tender=tender, status="opened").order_by("submitted_at"))
        for i, bid in enumerate(bids):
            if disqualify and i < disqualify:
                bid_disqualify(bid=bid, by=purchaser, reason="未按招标文件要求提供近三年社保缴纳证明。")
            else:
                bid_qualify(bid=bid, by=purchaser, reason="符合资格条件。")
        tender_complete_qualification(tender=Tender.objects.get(pk=tender.pk), by=purchaser)
        tenders[key] = Tender.objects.get(pk=tender.pk)
    ctx.log(
        f"{Bid.objects.counting().count()} sealed/opened demo bids; tenders closed, opened, "
        "qualification-reviewed and failed (废标)"
    )
