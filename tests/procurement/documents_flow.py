"""A tender taken through the real services for the document tests: published with criteria and a
tender document file, sealed bids, then (on request) opened, reviewed, evaluated by a committee.
Rendering goes through ``document_request`` and the Celery task (eager) run on commit."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from pypdf import PdfReader

from accounts.documents import document_request
from accounts.models import GeneratedDocument, Role
from procurement.models import Bid, ScoringCriterion, Tender, TenderDocument
from procurement.services.opening import tender_open
from procurement.services.qualification import (
    bid_disqualify,
    bid_qualify,
    tender_complete_qualification,
)
from tests.conftest import _verified
from tests.factories import DepartmentFactory, UserFactory
from tests.procurement.award_setup import declare_all, make_experts, score_all
from tests.procurement.bidding import PDF, make_bidder, make_tender, pass_deadline, purchaser_of, submit_bid

D = Decimal
TENDER_FILE = b"%PDF-1.7\n% tender document body\n%%EOF"


@dataclass
class Flow:
    tender: Tender
    purchaser: Any
    bidders: list[Any] = field(default_factory=list)  # supplier users, one per bid
    bids: list[Bid] = field(default_factory=list)
    committee: Any = None

    def refresh(self) -> Flow:
        self.tender = Tender.objects.get(pk=self.tender.pk)
        self.bids = [Bid.objects.get(pk=b.pk) for b in self.bids]
        return self


def published_tender() -> tuple[Tender, Any]:
    department = DepartmentFactory(name="江门市民政局", address="江门市蓬江区建设路1号", phone="0750-3500000")
    tender = make_tender(department, budget="1000000.00")
    Tender.objects.filter(pk=tender.pk).update(
        description="为辖区60岁以上长者提供助餐服务。",
        qualification_conditions="具有三年以上助餐服务经验\n配备持证社工不少于2名",
        deposit=D("20000.00"),
    )
    ScoringCriterion.objects.create(
        tender=tender, name="服务方案", description="方案完整可行", max_points=D("40"), order=1
    )
    ScoringCriterion.objects.create(
        tender=tender, name="项目团队", description="人员资质与经验", max_points=D("30"), order=2
    )
    purchaser = purchaser_of(tender)
    TenderDocument.objects.create(
        tender=tender,
        title="招标文件正文",
        file=ContentFile(TENDER_FILE, name="zbwj.pdf"),
        size=len(TENDER_FILE),
        sha256=hashlib.sha256(TENDER_FILE).hexdigest(),
        uploaded_by=purchaser,
    )
    return Tender.objects.get(pk=tender.pk), purchaser


def with_bids(prices: tuple[str, ...] = ("480000.00", "520000.00", "600000.00", "450000.00")) -> Flow:
    tender, purchaser = published_tender()
    flow = Flow(tender=tender, purchaser=purchaser)
    for i, price in enumerate(prices):
        user, org = make_bidder(name=f"江门市第{i + 1}社会工作服务中心")
        flow.bidders.append(_verified(user))
        flow.bids.append(submit_bid(tender, user, org, price=price, content=PDF + f"方案 {i}".encode()))
    return flow


def opened(flow: Flow) -> Flow:
    flow.tender = pass_deadline(flow.tender)
    tender_open(tender=flow.tender, by=flow.purchaser)
    return flow.refresh()


DISQUALIFY_REASON = "未提供社会保险缴纳证明"


def reviewed(flow: Flow) -> Flow:
    """The first three bids pass, the last one fails with a reason."""
    *passing, failing = flow.bids
    for bid in passing:
        bid_qualify(bid=bid, by=flow.purchaser)
    bid_disqualify(bid=failing, by=flow.purchaser, reason=DISQUALIFY_REASON)
    tender_complete_qualification(tender=flow.tender, by=flow.purchaser)
    return flow.refresh()


def evaluated(flow: Flow) -> Flow:
    from procurement.services.committee import committee_form
    from procurement.services.scoring import report_submit

    make_experts(8, cat=flow.tender.category)
    committee = committee_form(tender=flow.tender, by=flow.purchaser, seed=2026)
    declare_all(committee)
    qualified = [b for b in flow.bids if b.status == "qualified"]
    points = {b.pk: (f"{36 - i}.50", f"{26 - i}") for i, b in enumerate(qualified)}
    score_all(committee, points)
    leader = committee.members.get(is_leader=True)
    report_submit(committee=committee, by=leader.user, summary="评标委员会一致推荐排名第一的投标人。")
    flow.committee = committee
    return flow.refresh()


def request_and_render(kind: str, obj: Any, by: Any, capture: Any) -> GeneratedDocument:
    with capture(execute=True):
        document = document_request(kind=kind, obj=obj, by=by)
    return GeneratedDocument.objects.get(pk=document.pk)


def pdf_bytes(document: GeneratedDocument) -> bytes:
    with document.file.open("rb") as fh:
        return fh.read()


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def flat(text: str) -> str:
    """Text without line breaks and spaces: long hashes and names wrap in table cells."""
    return "".join(text.split())


def supervisor_of(tender: Tender) -> Any:
    return _verified(UserFactory(role=Role.SUPERVISOR, department=tender.department))
