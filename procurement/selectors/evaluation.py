"""Reads of the evaluation: what a committee member may see, and when."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.exceptions import NotAllowed
from procurement.models import (
    Bid,
    BidStatus,
    Committee,
    CommitteeMember,
    CommitteeStatus,
    EvaluationReport,
    MemberStatus,
    Score,
    Tender,
)
from procurement.services.committee import current_committee

SCORING_VISIBLE = [CommitteeStatus.SCORING, CommitteeStatus.REPORTED]


def member_may_see_bids(member: CommitteeMember) -> bool:
    """Only after the member declared no conflict and the whole committee is formed (实施条例 Art. 9)."""
    return member.status in (MemberStatus.DECLARED, MemberStatus.SUBMITTED) and (
        member.committee.status in SCORING_VISIBLE
    )


def bids_for_member(member: CommitteeMember) -> QuerySet[Bid]:
    """The qualified bids a member scores; refused before the declaration."""
    if not member_may_see_bids(member):
        raise NotAllowed()
    return (
        Bid.objects.filter(tender_id=member.committee.tender_id, status=BidStatus.QUALIFIED)
        .select_related("organisation")
        .order_by("id")
    )


def visible_scores(member: CommitteeMember) -> QuerySet[Score]:
    """A member's own scores; everyone's once every member has submitted."""
    committee = member.committee
    seats = committee.members.exclude(status=MemberStatus.DECLINED)
    everyone_done = (
        seats.count() == committee.size and not seats.exclude(status=MemberStatus.SUBMITTED).exists()
    )
    scores = Score.objects.filter(member__committee=committee).select_related(
        "criterion", "bid__organisation", "member__user"
    )
    if not everyone_done:
        scores = scores.filter(member=member)
    return scores.order_by("member_id", "bid_id", "criterion__order")


def seats_for_user(user: Any) -> QuerySet[CommitteeMember]:
    return (
        CommitteeMember.objects.filter(user=user)
        .exclude(committee__status=CommitteeStatus.SUPERSEDED)
        .select_related("committee__tender")
        .order_by("-committee__created_at")
    )


def committee_for_tender(tender: Tender) -> Committee | None:
    return current_committee(tender)


def latest_report(tender: Tender) -> EvaluationReport | None:
    return tender.evaluation_reports.select_related("committee").order_by("-submitted_at").first()
