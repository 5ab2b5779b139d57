"""Award and contract documents: each kind rendered through the real pipeline (request → Celery task
after commit → WeasyPrint → stored with its SHA-256), its text read back with pypdf, and who may get
which document (role × kind)."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.documents import document_kind, document_request
from accounts.exceptions import NotAllowed
from accounts.models import GeneratedDocument, Role
from procurement.models import Bid, Challenge, Instalment
from procurement.services.challenges import challenge_file, challenge_reply
from procurement.services.contracts import (
    contract_sign,
    payment_record,
    progress_report_review,
    progress_report_submit,
)
from tests.factories import DepartmentFactory, UserFactory
from tests.procurement.award_setup import announced, drafted, supplier_of

pytestmark = pytest.mark.django_db
D = Decimal


def _issue(kind: str, obj: Any, by: Any, capture: Any) -> tuple[GeneratedDocument, str]:
    with capture(execute=True):
        document = document_request(kind=kind, obj=obj, by=by)
    document = GeneratedDocument.objects.get(pk=document.pk)
    assert document.status == GeneratedDocument.Status.READY, document.error
    with document.file.open("rb") as fh:
        content = fh.read()
    assert document.sha256 == hashlib.sha256(content).hexdigest()  # stored hash = the file's
    assert document.size == len(content)
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    assert f"第 1 页 共 {document.pages} 页" in text
    return document, text


def _flat(text: str) -> str:
    return "".join(text.split())


def _ranked(award: Any) -> dict[int, dict[str, Any]]:
    return {r["bid"]: r for r in award.report.ranking}


# --- the documents ----------------------------------------------------------------------------------


def test_award_announcement_names_winner_price_experts_and_scores(
    django_capture_on_commit_callbacks: Any,
) -> None:
    ev, award = announced()
    member_of_public = UserFactory(role=Role.SUPPLIER)  # public once announced
    document, text = _issue(
        "procurement.award_announcement", award, member_of_public, django_capture_on_commit_callbacks
    )
    flat = _flat(text)
    assert "中标公告" in text
    assert ev.tender.reference in flat
    assert _flat(award.bid.organisation.name) in flat
    assert "800,000.00" in flat  # the winning price
    for expert in award.announcement["experts"]:
        assert _flat(expert) in flat
    for bid in ev.bids:  # the scores summary: every evaluated bidder with its price and total
        line = _ranked(award)[bid.pk]
        assert _flat(line["organisation"]) in flat
        assert f"{D(line['price']):,.2f}" in flat
        assert line["total"] in flat
    assert ev.tender.department.name in flat  # issuer
    assert document.reference.endswith(f"ZBGG-{award.pk}")


def test_award_notice_to_the_winner_and_result_notice_to_the_others(
    django_capture_on_commit_callbacks: Any,
) -> None:
    ev, award = announced()
    winner_bid = award.bid
    _, text = _issue(
        "procurement.award_notice",
        winner_bid,
        supplier_of(winner_bid.organisation),
        django_capture_on_commit_callbacks,
    )
    flat = _flat(text)
    assert "中标通知书" in text
    assert "结果通知书" not in text
    assert _flat(winner_bid.organisation.name) in flat
    assert "800,000.00" in flat
    assert award.total_score.to_eng_string() in flat

    loser = next(b for b in ev.bids if b.pk != winner_bid.pk and b.opened_price == D("900000.00"))
    line = _ranked(award)[loser.pk]
    _, text = _issue(
        "procurement.award_notice", loser, supplier_of(loser.organisation), django_capture_on_commit_callbacks
    )
    flat = _flat(text)
    assert "中标结果通知书" in text
    assert "中标通知书（" not in text
    assert _flat(loser.organisation.name) in flat
    assert _flat(winner_bid.organisation.name) in flat  # who won
    assert "900,000.00" in flat  # its own price
    assert line["total"] in flat  # its own score
    assert line["rank"] == 3
    assert "3/3" in flat


def test_challenge_reply(django_capture_on_commit_callbacks: Any) -> None:
    ev, award = announced()
    loser = next(b for b in ev.bids if b.pk != award.bid_id)
    staff = supplier_of(loser.organisation)
    challenge = challenge_file(
        award=award, organisation=loser.organisation, by=staff, grounds="中标人的服务团队人数不符合要求。"
    )
    challenge_reply(
        challenge=challenge,
        by=ev.purchaser,
        outcome="dismissed",
        reply="经核查，中标人配备持证社工12名，符合采购文件要求，质疑不成立。",
    )
    challenge = Challenge.objects.get(pk=challenge.pk)
    _, text = _issue("procurement.challenge_reply", challenge, staff, django_capture_on_commit_callbacks)
    flat = _flat(text)
    assert "质疑答复" in text
    assert _flat(loser.organisation.name) in flat
    assert "中标人的服务团队人数不符合要求。" in flat
    assert "经核查，中标人配备持证社工12名，符合采购文件要求，质疑不成立。" in flat
    assert ev.tender.reference in flat


def _signed() -> tuple[Any, Any, Any]:
    ev, award, contract = drafted()
    sha = contract.current_version.sha256
    winner = supplier_of(award.bid.organisation)
    contract_sign(contract=contract, by=winner, confirmed_sha256=sha)
    contract = contract_sign(contract=contract, by=ev.purchaser, confirmed_sha256=sha)
    return ev, winner, contract


def test_contract_parties_value_milestones_and_signatures(django_capture_on_commit_callbacks: Any) -> None:
    ev, winner, contract = _signed()
    _, text = _issue("procurement.contract", contract, winner, django_capture_on_commit_callbacks)
    flat = _flat(text)
    assert "政府购买服务合同" in text
    assert contract.number in flat
    assert _flat(ev.tender.department.name) in flat
    assert _flat(contract.organisation.name) in flat
    assert "800,000.00" in flat  # value
    assert "为辖区长者提供助餐服务" in flat  # service content
    for title, amount in (("启动", "240,000.00"), ("中期", "320,000.00"), ("结项", "240,000.00")):
        assert title in flat
        assert amount in flat
    instalments = list(contract.instalments.all())
    assert sum(i.percentage for i in instalments) == D("100")
    assert "100.00" in flat  # shares add up to 100 %
    sha = contract.current_version.sha256
    assert contract.purchaser_signed_hash == contract.supplier_signed_hash == sha
    assert flat.count(sha) >= 3  # both signatures and the text's own line
    signed_at = timezone.localtime(contract.supplier_signed_at).strftime("%Y-%m-%d%H:%M:%S")
    assert signed_at in flat  # signature time, Asia/Shanghai


def test_payment_record(django_capture_on_commit_callbacks: Any) -> None:
    ev, winner, contract = _signed()
    first = contract.milestones.order_by("order").first()
    report = progress_report_submit(milestone=first, by=winner, text="人员已到位")
    progress_report_review(report=report, by=ev.purchaser, accept=True, comment="通过")
    instalment = Instalment.objects.get(milestone=first)
    payment_record(
        instalment=instalment, by=ev.purchaser, amount=D("100000.00"), paid_on=timezone.localdate()
    )
    payment_record(
        instalment=instalment,
        by=ev.purchaser,
        amount=D("40000.50"),
        paid_on=timezone.localdate(),
        reference="JMCZ-2026-0042",
    )
    payment = instalment.payments.order_by("id").last()
    _, text = _issue("procurement.payment_record", payment, ev.purchaser, django_capture_on_commit_callbacks)
    flat = _flat(text)
    assert "付款记录" in text
    assert contract.number in flat
    assert "40,000.50" in flat  # this payment
    assert "140,000.50" in flat  # paid on the instalment so far
    assert "99,999.50" in flat  # outstanding on the 240,000.00 instalment
    assert "240,000.00" in flat
    assert "JMCZ-2026-0042" in flat


# --- who may get which document -----------------------------------------------------------------------


@pytest.fixture
def cast() -> dict[str, Any]:
    """Every party of one awarded, contracted tender with a paid instalment and an answered challenge."""
    ev, award, contract = drafted()
    sha = contract.current_version.sha256
    winner = supplier_of(award.bid.organisation)
    loser_bid = next(b for b in ev.bids if b.pk != award.bid_id)
    loser = supplier_of(loser_bid.organisation)
    challenge = challenge_file(award=award, organisation=loser_bid.organisation, by=loser, grounds="价格异常")
    challenge_reply(challenge=challenge, by=ev.purchaser, outcome="dismissed", reply="质疑不成立")
    contract_sign(contract=contract, by=winner, confirmed_sha256=sha)
    contract = contract_sign(contract=contract, by=ev.purchaser, confirmed_sha256=sha)
    first = contract.milestones.order_by("order").first()
    report = progress_report_submit(milestone=first, by=winner, text="完成")
    progress_report_review(report=report, by=ev.purchaser, accept=True, comment="通过")
    instalment = Instalment.objects.get(milestone=first)
    payment = payment_record(
        instalment=instalment, by=ev.purchaser, amount=D("1000.00"), paid_on=timezone.localdate()
    )
    return {
        "objects": {
            "announcement": award,
            "winner_notice": Bid.objects.get(pk=award.bid_id),
            "loser_notice": loser_bid,
            "challenge_reply": Challenge.objects.get(pk=challenge.pk),
            "contract": contract,
            "payment": payment,
        },
        "users": {
            "winner": winner,
            "loser": loser,
            "purchaser": ev.purchaser,
            "other_purchaser": UserFactory(role=Role.PURCHASER, department=DepartmentFactory()),
            "supervisor": UserFactory(role=Role.SUPERVISOR, department=DepartmentFactory()),
            "outsider": UserFactory(role=Role.SUPPLIER),
            "expert": ev.committee.members.first().user,
        },
    }


KIND = {
    "announcement": "procurement.award_announcement",
    "winner_notice": "procurement.award_notice",
    "loser_notice": "procurement.award_notice",
    "challenge_reply": "procurement.challenge_reply",
    "contract": "procurement.contract",
    "payment": "procurement.payment_record",
}
ALLOWED = {
    "announcement": {"winner", "loser", "purchaser", "other_purchaser", "supervisor", "outsider", "expert"},
    "winner_notice": {"winner", "purchaser", "supervisor"},
    "loser_notice": {"loser", "purchaser", "supervisor"},
    "challenge_reply": {"loser", "purchaser", "supervisor"},
    "contract": {"winner", "purchaser", "supervisor"},
    "payment": {"winner", "purchaser", "supervisor"},
}
USERS = ["winner", "loser", "purchaser", "other_purchaser", "supervisor", "outsider", "expert"]


def test_role_by_kind(cast: dict[str, Any]) -> None:
    """The whole matrix on one cast (building the cast is the slow part)."""
    wrong = []
    for document, kind in KIND.items():
        for who in USERS:
            user, obj = cast["users"][who], cast["objects"][document]
            allowed = who in ALLOWED[document]
            if document_kind(kind).can_view(user, obj) is not allowed:
                wrong.append((document, who, allowed))
            if not allowed:  # refused at the request: nothing is made
                with pytest.raises(NotAllowed):
                    document_request(kind=kind, obj=obj, by=user)
    assert wrong == []
    assert not GeneratedDocument.objects.exists()


def test_notices_wait_for_the_announcement() -> None:
    from procurement.services.awards import award_confirm
    from tests.procurement.award_setup import evaluated

    ev = evaluated()
    first = Bid.objects.get(pk=ev.report.ranking[0]["bid"])
    award = award_confirm(tender=ev.tender, bid=first, by=ev.purchaser)
    outsider = UserFactory(role=Role.SUPPLIER)
    assert not document_kind("procurement.award_announcement").can_view(outsider, award)
    assert document_kind("procurement.award_announcement").can_view(ev.purchaser, award)
    assert not document_kind("procurement.award_notice").can_view(supplier_of(first.organisation), first)


def test_award_page_offers_each_bidder_only_its_own_notice(client: Any, cast: dict[str, Any]) -> None:
    award = cast["objects"]["announcement"]
    winner_bid, loser_bid = cast["objects"]["winner_notice"], cast["objects"]["loser_notice"]
    url = reverse("procurement:award_announcement", args=[award.pk])

    def shown(user: Any) -> str:
        client.force_login(user)
        return client.get(url).content.decode()

    def notice(bid: Any) -> str:
        return f"document-request-procurement-award_notice-procurement-bid-{bid.pk}"

    page = shown(cast["users"]["loser"])
    assert notice(loser_bid) in page
    assert notice(winner_bid) not in page
    assert "procurement.challenge_reply" in page
    page = shown(cast["users"]["winner"])
    assert notice(winner_bid) in page
    assert notice(loser_bid) not in page
    assert "procurement.challenge_reply" not in page
    page = shown(cast["users"]["purchaser"])
    assert page.count('value="procurement.award_notice"') == len(award.report.ranking)
    assert "procurement.award_announcement" in page
    # and the loser asking for the winner's notice anyway is refused (404, like an unknown object)
    client.force_login(cast["users"]["loser"])
    response = client.post(
        reverse("documents:request"),
        {"kind": "procurement.award_notice", "object_type": "procurement.bid", "object_id": winner_bid.pk},
    )
    assert response.status_code == 404
    assert not GeneratedDocument.objects.exists()
