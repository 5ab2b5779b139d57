"""Official documents of the award and contract stage (PDF), registered with ``accounts.documents``.

* ``procurement.award_announcement`` (中标公告), about an :class:`Award`: public once announced.
* ``procurement.award_notice``, about a :class:`Bid`: the 中标通知书 when the bid is the live award's
  bid, else the 中标结果通知书 telling that bidder the winner and its own score and rank. One kind,
  the bid as object, so each bidder can get exactly its own notice and nobody else's.
* ``procurement.challenge_reply`` (质疑答复), about an answered :class:`Challenge`.
* ``procurement.contract`` (合同), about a :class:`Contract`: parties, value, term, service content,
  milestones and instalments (summing to 100 %), the signatures with their time and the SHA-256 of
  the signed text, and the text itself.
* ``procurement.payment_record`` (付款记录), about a :class:`Payment` against an instalment.

Builders return plain data: money as Decimal yuan strings (``"800000.00"``) with a display form
(``"800,000.00"``), dates and times in Asia/Shanghai. Nothing here is read from a sealed bid: every
figure comes from the evaluation report, the award or the contract, all made after the opening.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.documents import DocumentSpec, register_document
from procurement.models import (
    Award,
    AwardStatus,
    Bid,
    Challenge,
    ChallengeStatus,
    Contract,
    Payment,
)

CHINA = ZoneInfo("Asia/Shanghai")
PUBLIC_AWARD_STATES = (AwardStatus.ANNOUNCED, AwardStatus.CONTRACTED, AwardStatus.RESCINDED)


def money(value: Decimal | str | None) -> str:
    """Yuan with thousands separators and two decimals (``1,234,567.80``)."""
    if value in (None, ""):
        return ""
    return f"{Decimal(str(value)):,.2f}"


def yuan(value: Decimal | str | None) -> str:
    """The exact Decimal amount as text (``1234567.80``), for machines and the version key."""
    if value in (None, ""):
        return ""
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def when(moment: dt.datetime | None) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(CHINA).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _issuer(tender: Any) -> str:
    return str(tender.department.name)


# --- award announcement (中标公告) -------------------------------------------------------------------


def _ranking_rows(award: Award) -> list[dict[str, Any]]:
    return [
        {
            "rank": r["rank"],
            "organisation": r["organisation"],
            "price": yuan(r.get("price")),
            "price_display": money(r.get("price")),
            "technical": r.get("technical", ""),
            "price_score": r.get("price_score", ""),
            "total": r["total"],
            "is_winner": r["bid"] == award.bid_id,
        }
        for r in sorted(award.report.ranking, key=lambda r: (r["rank"], r["organisation"]))
    ]


def build_award_announcement(award: Award) -> DocumentSpec:
    award = Award.objects.select_related("tender__department", "bid__organisation", "report").get(pk=award.pk)
    tender = award.tender
    content = award.announcement or {}
    return DocumentSpec(
        template="procurement/pdf/award_announcement.html",
        context={
            "issuer": _issuer(tender),
            "tender_reference": tender.reference,
            "tender_title": tender.title,
            "method": str(tender.get_method_display()),
            "budget": yuan(tender.budget),
            "budget_display": money(tender.budget),
            "winner": award.bid.organisation.name,
            "winner_credit_code": award.bid.organisation.credit_code,
            "price": yuan(award.price),
            "price_display": money(award.price),
            "total_score": str(award.total_score),
            "rank": award.rank,
            "deviation_reason": award.deviation_reason,
            "experts": list(content.get("experts", [])),
            "ranking": _ranking_rows(award),
            "confirmed_at": when(award.confirmed_at),
            "announced_at": when(award.announced_at),
            "challenge_until": day(award.challenge_until),
            "rescinded": award.status == AwardStatus.RESCINDED,
            "rescind_reason": award.rescind_reason,
        },
        title=gettext("Award announcement") + f"（{tender.reference}）",
        reference=f"{tender.reference}-ZBGG-{award.pk}",
    )


def can_view_award_announcement(user: Any, award: Award) -> bool:
    if award.status in PUBLIC_AWARD_STATES and award.announced_at is not None:
        return True
    return bool(
        user.has_perm("procurement.award_tender", award.tender) or user.has_perm("accounts.view_audit")
    )


# --- award notice (中标通知书) and result notice (中标结果通知书) ------------------------------------


def _notice_award(bid: Bid) -> Award | None:
    """The announced award this bid's notice is about: the live one, else the latest announced."""
    awards = Award.objects.filter(tender_id=bid.tender_id, announced_at__isnull=False).select_related(
        "bid__organisation", "report", "tender__department"
    )
    return awards.exclude(status=AwardStatus.RESCINDED).first() or awards.order_by("-announced_at").first()


def build_award_notice(bid: Bid) -> DocumentSpec:
    bid = Bid.objects.select_related("organisation", "tender__department").get(pk=bid.pk)
    award = _notice_award(bid)
    if award is None:
        raise LookupError("No announced award for this tender.")
    tender = award.tender
    line = next((r for r in award.report.ranking if r["bid"] == bid.pk), None)
    won = award.bid_id == bid.pk and award.status != AwardStatus.RESCINDED
    context: dict[str, Any] = {
        "issuer": _issuer(tender),
        "won": won,
        "addressee": bid.organisation.name,
        "addressee_credit_code": bid.organisation.credit_code,
        "tender_reference": tender.reference,
        "tender_title": tender.title,
        "winner": award.bid.organisation.name,
        "price": yuan(award.price),
        "price_display": money(award.price),
        "winner_score": str(award.total_score),
        "own_price": yuan(line["price"]) if line else "",
        "own_price_display": money(line["price"]) if line else "",
        "own_score": line["total"] if line else "",
        "own_rank": line["rank"] if line else "",
        "bidders": len(award.report.ranking),
        "qualified": line is not None,
        "announced_at": when(award.announced_at),
        "challenge_until": day(award.challenge_until),
        "signing_due": day(award.signing_due),
        "purchaser_address": tender.department.address,
        "purchaser_phone": tender.department.phone,
    }
    if won:
        title = gettext("Award notice") + f"（{tender.reference}）"
        reference = f"{tender.reference}-ZBTZ-{bid.pk}"
    else:
        title = gettext("Award result notice") + f"（{tender.reference}）"
        reference = f"{tender.reference}-JGTZ-{bid.pk}"
    return DocumentSpec("procurement/pdf/award_notice.html", context, title, reference)


def can_view_award_notice(user: Any, bid: Bid) -> bool:
    """The bidder's own staff, the owning purchaser, a supervisor; only once an award was announced."""
    if (
        bid.opened_at is None
        or not Award.objects.filter(tender_id=bid.tender_id, announced_at__isnull=False).exists()
    ):
        return False
    return bool(
        user.has_perm("procurement.view_bid", bid)
        or user.has_perm("procurement.award_tender", bid.tender)
        or user.has_perm("accounts.view_audit")
    )


# --- challenge reply (质疑答复) ----------------------------------------------------------------------


def build_challenge_reply(challenge: Challenge) -> DocumentSpec:
    challenge = Challenge.objects.select_related("tender__department", "organisation", "award").get(
        pk=challenge.pk
    )
    tender = challenge.tender
    return DocumentSpec(
        template="procurement/pdf/challenge_reply.html",
        context={
            "issuer": _issuer(tender),
            "challenger": challenge.organisation.name,
            "challenger_credit_code": challenge.organisation.credit_code,
            "tender_reference": tender.reference,
            "tender_title": tender.title,
            "filed_at": when(challenge.filed_at),
            "grounds": challenge.grounds.splitlines() or [""],
            "outcome": challenge.status,
            "outcome_label": str(ChallengeStatus(challenge.status).label),
            "upheld": challenge.status != ChallengeStatus.DISMISSED,
            "reply": challenge.reply.splitlines() or [""],
            "replied_at": when(challenge.replied_at),
            "reply_due": day(challenge.reply_due),
            "on_time": challenge.replied_at is not None
            and challenge.replied_at.astimezone(CHINA).date() <= challenge.reply_due,
            "complaint_until": day(challenge.complaint_until),
        },
        title=gettext("Reply to a challenge") + f"（{tender.reference}）",
        reference=f"{tender.reference}-ZYDF-{challenge.pk}",
    )


def can_view_challenge_reply(user: Any, challenge: Challenge) -> bool:
    return challenge.replied_at is not None and bool(user.has_perm("procurement.view_challenge", challenge))


# --- contract (合同) --------------------------------------------------------------------------------


def build_contract(contract: Contract) -> DocumentSpec:
    contract = Contract.objects.select_related(
        "tender__department",
        "organisation",
        "purchaser_signed_by",
        "supplier_signed_by",
    ).get(pk=contract.pk)
    tender = contract.tender
    milestones = list(contract.milestones.order_by("order"))
    instalments = list(contract.instalments.order_by("order"))
    by_milestone: dict[int | None, list[Any]] = {}
    for i in instalments:
        by_milestone.setdefault(i.milestone_id, []).append(i)
    rows = []
    for m in milestones:
        for i in by_milestone.get(m.pk, []) or [None]:
            rows.append(
                {
                    "order": m.order,
                    "title": m.title,
                    "deliverables": m.deliverables,
                    "due": day(m.due_date),
                    "instalment": i.order if i else "",
                    "percentage": str(i.percentage) if i else "",
                    "amount": yuan(i.amount) if i else "",
                    "amount_display": money(i.amount) if i else "",
                    "is_final": bool(i and i.is_final),
                }
            )
    for i in by_milestone.get(None, []):
        rows.append(
            {
                "order": "",
                "title": "",
                "deliverables": "",
                "due": "",
                "instalment": i.order,
                "percentage": str(i.percentage),
                "amount": yuan(i.amount),
                "amount_display": money(i.amount),
                "is_final": i.is_final,
            }
        )
    share = sum((i.percentage for i in instalments), Decimal("0"))
    total = sum((i.amount for i in instalments), Decimal("0"))
    version = contract.versions.order_by("-number").first()
    signatures = []
    for side, who, at, sha in (
        (
            gettext("Purchaser (Party A)"),
            contract.purchaser_signed_by,
            contract.purchaser_signed_at,
            contract.purchaser_signed_hash,
        ),
        (
            gettext("Undertaker (Party B)"),
            contract.supplier_signed_by,
            contract.supplier_signed_at,
            contract.supplier_signed_hash,
        ),
    ):
        signatures.append(
            {"side": side, "signer": str(who) if who else "", "at": when(at), "sha256": sha or ""}
        )
    return DocumentSpec(
        template="procurement/pdf/contract.html",
        context={
            "issuer": _issuer(tender),
            "number": contract.number,
            "status": contract.status,
            "status_label": str(contract.get_status_display()),
            "tender_reference": tender.reference,
            "tender_title": tender.title,
            "purchaser": tender.department.name,
            "purchaser_address": tender.department.address,
            "supplier": contract.organisation.name,
            "supplier_credit_code": contract.organisation.credit_code,
            "value": yuan(contract.value),
            "value_display": money(contract.value),
            "term_start": day(contract.term_start),
            "term_end": day(contract.term_end),
            "service_content": [p for p in contract.service_content.splitlines() if p.strip()],
            "milestones": rows,
            "share_total": str(share),
            "amount_total": yuan(total),
            "amount_total_display": money(total),
            "signatures": signatures,
            "signed_at": when(contract.signed_at),
            "version": version.number if version else None,
            "text_sha256": version.sha256 if version else "",
            "text": version.text.splitlines() if version else [],
            "terminated": contract.terminated_at is not None,
            "termination_reason": contract.termination_reason,
        },
        title=gettext("Government purchase of services contract") + f"（{contract.number}）",
        reference=contract.number,
    )


def can_view_contract(user: Any, contract: Contract) -> bool:
    return bool(user.has_perm("procurement.view_contract", contract))


# --- payment record (付款记录) ----------------------------------------------------------------------


def build_payment_record(payment: Payment) -> DocumentSpec:
    payment = Payment.objects.select_related(
        "instalment__contract__tender__department",
        "instalment__contract__organisation",
        "instalment__milestone",
        "recorded_by",
    ).get(pk=payment.pk)
    instalment = payment.instalment
    contract = instalment.contract
    earlier = instalment.payments.filter(paid_on__lte=payment.paid_on).exclude(
        paid_on=payment.paid_on, id__gt=payment.pk
    )
    paid_to_date = earlier.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    contract_paid = Payment.objects.filter(instalment__contract=contract).filter(
        pk__lte=payment.pk
    ).aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return DocumentSpec(
        template="procurement/pdf/payment_record.html",
        context={
            "issuer": _issuer(contract.tender),
            "contract_number": contract.number,
            "tender_reference": contract.tender.reference,
            "tender_title": contract.tender.title,
            "purchaser": contract.tender.department.name,
            "payee": contract.organisation.name,
            "payee_credit_code": contract.organisation.credit_code,
            "contract_value": yuan(contract.value),
            "contract_value_display": money(contract.value),
            "instalment": instalment.order,
            "instalment_percentage": str(instalment.percentage),
            "instalment_amount": yuan(instalment.amount),
            "instalment_amount_display": money(instalment.amount),
            "is_final": instalment.is_final,
            "milestone": instalment.milestone.title if instalment.milestone else "",
            "amount": yuan(payment.amount),
            "amount_display": money(payment.amount),
            "paid_on": day(payment.paid_on),
            "payment_reference": payment.reference,
            "recorded_by": str(payment.recorded_by),
            "recorded_at": when(payment.recorded_at),
            "instalment_paid": yuan(paid_to_date),
            "instalment_paid_display": money(paid_to_date),
            "instalment_outstanding_display": money(instalment.amount - paid_to_date),
            "contract_paid_display": money(contract_paid),
        },
        title=gettext("Payment record") + f"（{contract.number}）",
        reference=f"{contract.number}-FK-{payment.pk}",
    )


def can_view_payment_record(user: Any, payment: Payment) -> bool:
    return bool(user.has_perm("procurement.view_contract", payment.instalment.contract))


def register() -> None:
    register_document(
        "procurement.award_announcement",
        build_award_announcement,
        _("Award announcement (中标公告)"),
        can_view=can_view_award_announcement,
        public=True,
        models=["procurement.award"],
    )
    register_document(
        "procurement.award_notice",
        build_award_notice,
        _("Award notice (中标通知书 / 结果通知书)"),
        can_view=can_view_award_notice,
        models=["procurement.bid"],
    )
    register_document(
        "procurement.challenge_reply",
        build_challenge_reply,
        _("Reply to a challenge (质疑答复)"),
        can_view=can_view_challenge_reply,
        models=["procurement.challenge"],
    )
    register_document(
        "procurement.contract",
        build_contract,
        _("Contract (合同)"),
        can_view=can_view_contract,
        models=["procurement.contract"],
    )
    register_document(
        "procurement.payment_record",
        build_payment_record,
        _("Payment record (付款记录)"),
        can_view=can_view_payment_record,
        models=["procurement.payment"],
    )
