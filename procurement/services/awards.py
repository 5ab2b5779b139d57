"""Award (定标), its announcement (中标公告) and the notices (中标/结果通知书).

The purchaser confirms the first-ranked bid of the evaluation report; another ranked bid only with
a recorded legal reason (the first declined, was disqualified, lost its directory qualification ...).
The directory eligibility is checked again at award (DOMAIN.md). Confirmation is due within 5
working days of the report, the announcement within 2 working days of the confirmation; the
announcement names the experts and opens the 7-working-day challenge period.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record
from accounts.exceptions import DomainError, NotAllowed
from accounts.models import User
from accounts.notifications import notify
from procurement.models import (
    Award,
    AwardStatus,
    Bid,
    ChallengeStatus,
    Contract,
    ContractStatus,
    EvaluationReport,
    MemberStatus,
    Tender,
    TenderStatus,
)
from procurement.services.deadlines import (
    challenge_days,
    confirmation_to_announcement_days,
    due_after,
    local_date,
    signing_calendar_days,
)


def organisation_staff(organisation_id: int) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organisation_id=organisation_id, memberships__status="approved", is_active=True
        ).distinct()
    )


def eligibility_refusal(*, tender: Tender, bid: Bid, on: dt.date) -> str | None:
    """Why the bid's organisation may no longer be awarded or sign (None when it may): the same
    check as at bid submission (``bid_eligibility_refusal``), asked again on ``on``."""
    from procurement.services.bids import bid_eligibility_refusal

    refusal, _version = bid_eligibility_refusal(tender=tender, organisation=bid.organisation, on=on)
    return None if refusal is None else str(refusal.message)


def live_award(tender: Tender) -> Award | None:
    return tender.awards.exclude(status=AwardStatus.RESCINDED).select_related("bid__organisation").first()


def award_rescind(*, award: Award, by: Any, reason: str) -> Contract | None:
    """Rescind a live award inside the caller's transaction (an upheld challenge, the tender cancelled
    or failed) and void its unsigned draft contract; both audited; the winner's staff are told.
    Returns the voided contract, if any. A contracted award is not rescinded here (the tender can no
    longer be cancelled once the contract is signed)."""
    award = Award.objects.select_for_update().select_related("tender").get(pk=award.pk)
    tender = award.tender
    award.rescind(reason=reason)
    award.save()
    audit_record(
        actor=by, action="award.rescind", obj=award, summary={"tender": tender.reference, "reason": reason}
    )
    contract = Contract.objects.select_for_update().filter(award=award, status=ContractStatus.DRAFT).first()
    if contract is not None:
        contract.void(reason=reason)
        contract.save()
        audit_record(
            actor=by,
            action="contract.void",
            obj=contract,
            summary={"number": contract.number, "reason": reason},
        )
    notify(
        recipients=organisation_staff(award.bid.organisation_id),
        kind="tender.award_result",
        message=gettext_noop("The award of tender %(ref)s to your organisation was rescinded: %(reason)s"),
        params={"ref": tender.reference, "reason": reason},
        url=reverse("procurement:award_announcement", args=[award.pk]) if award.announced_at else "",
        obj=award,
    )
    return contract


def tender_rescind_live_award(*, tender: Tender, by: Any, reason: str) -> Award | None:
    """Called when the tender is cancelled: the live (not yet contracted) award is rescinded and its
    draft contract voided. Returns the rescinded award, if there was one."""
    award = tender.awards.filter(status__in=[AwardStatus.CONFIRMED, AwardStatus.ANNOUNCED]).first()
    if award is None:
        return None
    award_rescind(award=award, by=by, reason=reason)
    return award


def _create_award(*, tender: Tender, report: EvaluationReport, bid: Bid, by: Any, reason: str) -> Award:
    """Shared by confirmation and a new award after an upheld challenge."""
    line = next((r for r in report.ranking if r["bid"] == bid.pk), None)
    if line is None:
        raise DomainError(_("This bid is not ranked in the evaluation report."), field="bid")
    rank = int(line["rank"])
    ranked_first = [r for r in report.ranking if r["rank"] == 1]
    # A tie on all three keys is decided by the committee and recorded in the report's summary.
    if rank != 1 and not reason.strip():
        raise DomainError(
            _("Awarding a bid other than the first-ranked needs the legal reason."), field="deviation_reason"
        )
    if rank == 1 and len(ranked_first) > 1 and not report.summary.strip():
        raise DomainError(_("The first place is tied and the report records no decision."))
    if bid.opened_price is None:
        raise DomainError(_("This bid has no opened price."), field="bid")
    refusal = eligibility_refusal(tender=tender, bid=bid, on=local_date())
    if refusal:
        raise DomainError(
            _("The organisation cannot be awarded: %(reason)s") % {"reason": refusal}, field="bid"
        )
    now = timezone.now()
    due = due_after(now, confirmation_to_announcement_days())
    award = Award.objects.create(
        tender=tender,
        report=report,
        bid=bid,
        rank=rank,
        price=bid.opened_price,
        total_score=Decimal(line["total"]),
        deviation_reason=reason,
        confirmed_by=by,
        confirmed_at=now,
        confirmation_on_time=local_date(now) <= report.confirmation_due,
        announcement_due=due.date,
        calendar_warnings=due.warnings,
    )
    audit_record(
        actor=by,
        action="award.confirm",
        obj=award,
        summary={
            "tender": tender.reference,
            "bid": bid.pk,
            "rank": rank,
            "price": bid.opened_price,
            "reason": reason,
            "on_time": award.confirmation_on_time,
            "announcement_due": due.date,
        },
    )
    return award


@transaction.atomic
def award_confirm(*, tender: Tender, bid: Bid, by: Any, deviation_reason: str = "") -> Award:
    """The purchaser confirms the winner from the latest evaluation report (定标)."""
    if not by.has_perm("procurement.award_tender", tender):
        raise NotAllowed()
    tender = Tender.objects.select_for_update().get(pk=tender.pk)
    if tender.status != TenderStatus.EVALUATED:
        raise DomainError(_("The winner is confirmed after the evaluation report."))
    report = tender.evaluation_reports.order_by("-submitted_at").first()
    if report is None:
        raise DomainError(_("There is no evaluation report."))
    bid = Bid.objects.select_related("organisation").get(pk=bid.pk)
    award = _create_award(tender=tender, report=report, bid=bid, by=by, reason=deviation_reason)
    tender.award()
    tender.save()
    audit_record(actor=by, action="tender.award", obj=tender, summary={"award": award.pk})
    return award


def announcement_content(award: Award) -> dict[str, Any]:
    """What the award announcement publishes: winner, price, score, the committee's experts."""
    committee = award.report.committee
    experts = [
        str(m.user)
        for m in committee.members.filter(status=MemberStatus.SUBMITTED).select_related("user").order_by("id")
    ]
    return {
        "tender": award.tender.reference,
        "title": award.tender.title,
        "winner": award.bid.organisation.name,
        "winner_credit_code": award.bid.organisation.credit_code,
        "price": str(award.price),
        "total_score": str(award.total_score),
        "rank": award.rank,
        "deviation_reason": award.deviation_reason,
        "experts": experts,
        "ranking": [
            {"organisation": r["organisation"], "total": r["total"], "rank": r["rank"]}
            for r in award.report.ranking
        ],
    }


@transaction.atomic
def award_announce(*, award: Award, by: Any) -> Award:
    """Publish the award announcement and send the notices: the winner's, and each other bidder's
    with its own score and rank. Opens the challenge period (7 working days) and the 30-day signing
    limit."""
    award = (
        Award.objects.select_for_update()
        .select_related("tender", "bid__organisation", "report")
        .get(pk=award.pk)
    )
    if not by.has_perm("procurement.award_tender", award.tender):
        raise NotAllowed()
    if award.status != AwardStatus.CONFIRMED:
        raise DomainError(_("Only a confirmed award can be announced."))
    now = timezone.now()
    challenge = due_after(now, challenge_days())
    signing_due = local_date(now) + dt.timedelta(days=signing_calendar_days())
    content = announcement_content(award)
    award.announce(by=by, content=content, challenge_until=challenge.date, signing_due=signing_due)
    award.calendar_warnings = [*award.calendar_warnings, *challenge.warnings]
    award.save()
    tender = award.tender
    audit_record(
        actor=by,
        action="award.announce",
        obj=award,
        summary={
            "tender": tender.reference,
            "challenge_until": challenge.date,
            "signing_due": signing_due,
            "on_time": local_date(now) <= award.announcement_due,
            "experts": content["experts"],
        },
    )
    notify(
        recipients=organisation_staff(award.bid.organisation_id),
        kind="tender.award_result",
        message=gettext_noop(
            "Your bid won tender %(ref)s: score %(score)s, rank %(rank)s. Challenges are possible until %(until)s."
        ),
        params={
            "ref": tender.reference,
            "score": content["total_score"],
            "rank": award.rank,
            "until": challenge.date,
        },
        url=reverse("procurement:award_announcement", args=[award.pk]),
        obj=award,
    )
    for line in award.report.ranking:
        if line["bid"] == award.bid_id:
            continue
        notify(
            recipients=organisation_staff(line["organisation_id"]),
            kind="tender.award_result",
            message=gettext_noop(
                "Tender %(ref)s was awarded to %(winner)s. Your bid scored %(score)s and ranked %(rank)s. "
                "You may file a challenge until %(until)s."
            ),
            params={
                "ref": tender.reference,
                "winner": content["winner"],
                "score": line["total"],
                "rank": line["rank"],
                "until": challenge.date,
            },
            url=reverse("procurement:award_announcement", args=[award.pk]),
            obj=award,
        )
    return award


def has_pending_challenge(award: Award) -> bool:
    return award.challenges.filter(status=ChallengeStatus.PENDING).exists()
