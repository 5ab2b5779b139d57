"""Scoring by the committee and the evaluation report (评标报告).

Each member scores every qualified bid on every criterion (0 ≤ points ≤ the criterion's maximum,
with a comment) and submits; scores are final once submitted. The price score is the platform's
(``procurement.scoring``) from the prices read at the opening. Nobody on the committee sees another
member's scores until all have submitted. The leader then submits the report, which freezes the
ranking and every member's scores. A past-performance factor (履约评价) is not scored by the members:
the platform computes it from ``vendors``' performance record (``procurement.scoring``) when the
results are computed, and the report keeps the points and the grades they rest on.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record
from accounts.exceptions import DomainError, NotAllowed
from accounts.models import User
from accounts.notifications import notify
from procurement import scoring
from procurement.models import (
    Bid,
    BidStatus,
    Committee,
    CommitteeMember,
    CommitteeStatus,
    EvaluationReport,
    MemberStatus,
    Score,
    ScoringCriterion,
    Tender,
    TenderStatus,
)
from procurement.services.committee import qualified_bids
from procurement.services.deadlines import due_after, report_to_confirmation_days
from vendors.services.performance import performance_grades_for

CHINA = ZoneInfo("Asia/Shanghai")


def _scoring_seat(member: CommitteeMember, by: Any) -> CommitteeMember:
    member = CommitteeMember.objects.select_for_update().select_related("committee__tender").get(pk=member.pk)
    if member.user_id != by.pk:
        raise NotAllowed()
    if member.committee.status != CommitteeStatus.SCORING:
        raise DomainError(_("Scoring is open only while the committee is scoring."))
    if member.status != MemberStatus.DECLARED:
        raise DomainError(_("Your scores are already submitted and final."))
    return member


@transaction.atomic
def score_record(
    *, member: CommitteeMember, by: Any, bid: Bid, criterion: ScoringCriterion, points: Decimal, comment: str
) -> Score:
    """Record (or correct, before submitting) one score."""
    member = _scoring_seat(member, by)
    tender = member.committee.tender
    if not isinstance(points, Decimal):
        raise DomainError(_("Points must be a decimal number."), field="points")
    if bid.tender_id != tender.pk or bid.status != "qualified":
        raise DomainError(_("Only qualified bids of this tender are scored."))
    if criterion.tender_id != tender.pk:
        raise DomainError(_("This criterion belongs to another tender."))
    if criterion.is_computed:
        raise DomainError(_("The platform computes this factor from the bidders' performance records."))
    if points < 0 or points > criterion.max_points:
        raise DomainError(
            _("Points must be between 0 and %(max)s.") % {"max": criterion.max_points}, field="points"
        )
    if points != points.quantize(Decimal("0.01")):
        raise DomainError(_("Points have at most two decimal places."), field="points")
    if not comment.strip():
        raise DomainError(_("Every score needs a comment."), field="comment")
    score, _created = Score.objects.update_or_create(
        member=member, bid=bid, criterion=criterion, defaults={"points": points, "comment": comment}
    )
    return score


def committee_criteria(tender: Tender) -> list[ScoringCriterion]:
    """The criteria the members score (all but the platform's past-performance factor)."""
    return [c for c in tender.criteria.all() if not c.is_computed]


def past_performance_window(tender: Tender) -> tuple[date, date]:
    """Grades published in the three years up to the bid deadline (China time), both ends included.
    Fixed by the deadline, so a grade published while the bids are evaluated changes nothing."""
    deadline = tender.bid_deadline or tender.opening_at or timezone.now()
    until = timezone.localtime(deadline, CHINA).date()
    try:
        since = until.replace(year=until.year - scoring.PAST_PERFORMANCE_YEARS)
    except ValueError:  # 29 February
        since = until.replace(year=until.year - scoring.PAST_PERFORMANCE_YEARS, day=28)
    return since, until


def past_performance(
    tender: Tender, bids: list[Bid], criteria: list[ScoringCriterion] | None = None
) -> dict[str, Any] | None:
    """The platform's past-performance points of each bid, with the grades they rest on, or None
    when the tender has no such factor. One query for all bidders (vendors' performance record),
    plus one for the criteria unless the caller has them (``criteria``: all the tender's)."""
    criterion = next(
        (c for c in (tender.criteria.all() if criteria is None else criteria) if c.is_computed), None
    )
    if criterion is None:
        return None
    since, until = past_performance_window(tender)
    grades = performance_grades_for(
        organisation_ids={b.organisation_id for b in bids}, since=since, until=until
    )
    points = {
        b.pk: scoring.past_performance_score(
            grades=grades.get(b.organisation_id, []),
            max_points=criterion.max_points,
            neutral_share=criterion.neutral_share,
        )
        for b in bids
    }
    return {
        "criterion": criterion,
        "since": since,
        "until": until,
        "points": points,
        "grades": {b.pk: grades.get(b.organisation_id, []) for b in bids},
    }


def missing_scores(member: CommitteeMember) -> list[tuple[int, int]]:
    """(bid id, criterion id) pairs the member has not scored yet."""
    tender = member.committee.tender
    wanted = {(b.pk, c.pk) for b in qualified_bids(tender) for c in committee_criteria(tender)}
    have = set(member.scores.values_list("bid_id", "criterion_id"))
    return sorted(wanted - have)


@transaction.atomic
def scores_submit(*, member: CommitteeMember, by: Any) -> CommitteeMember:
    """The member submits: every qualified bid scored on every criterion. Final afterwards."""
    member = _scoring_seat(member, by)
    missing = missing_scores(member)
    if missing:
        raise DomainError(_("%(n)s scores are still missing.") % {"n": len(missing)})
    member.submit_scores()
    member.save()
    audit_record(
        actor=by,
        action="committee.scores_submit",
        obj=member.committee,
        summary={
            "member": member.pk,
            "scores": [
                {"bid": s.bid_id, "criterion": s.criterion_id, "points": s.points}
                for s in member.scores.order_by("bid_id", "criterion_id")
            ],
        },
    )
    return member


def all_submitted(committee: Committee) -> bool:
    seats = committee.members.exclude(status=MemberStatus.DECLINED)
    return seats.count() == committee.size and not seats.exclude(status=MemberStatus.SUBMITTED).exists()


def compute_results(committee: Committee) -> dict[str, Any]:
    """The ranking and every member's scores, as stored in the report (JSON-ready, Decimals as text).

    Five queries whatever the size of the committee, bids and criteria (qualified bids, criteria,
    past-performance grades, members, scores as plain tuples) when the committee comes with its
    tender, as ``report_submit`` loads it; a test holds the budget."""
    tender = committee.tender
    bids = qualified_bids(tender)
    all_criteria = list(tender.criteria.all())
    criteria = [c for c in all_criteria if not c.is_computed]
    performance = past_performance(tender, bids, all_criteria)
    members = list(
        committee.members.filter(status=MemberStatus.SUBMITTED)
        .select_related("user")
        .order_by("-is_leader", "id")
    )
    points: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    comments: dict[tuple[int, int], dict[int, str]] = defaultdict(dict)
    rows = Score.objects.filter(
        member__committee=committee,
        member__status=MemberStatus.SUBMITTED,
        bid__tender=tender,
        bid__status=BidStatus.QUALIFIED,
    ).values_list("member_id", "bid_id", "criterion_id", "points", "comment")
    for member_id, bid_id, criterion_id, value, comment in rows:
        points[(member_id, bid_id)][criterion_id] = value
        comments[(member_id, bid_id)][criterion_id] = comment
    prices = {b.pk: b.opened_price for b in bids}
    if any(p is None for p in prices.values()):
        raise DomainError(_("A qualified bid has no opened price."))
    totals = {
        (m.pk, b.pk): scoring.member_total(points[(m.pk, b.pk)].values()) for b in bids for m in members
    }
    member_totals = {b.pk: [totals[(m.pk, b.pk)] for m in members] for b in bids}
    ranked = scoring.rank_bids(
        scoring.compute_bid_scores(
            prices={k: v for k, v in prices.items() if v is not None},
            member_totals=member_totals,
            price_weight=tender.price_weight,
            performance=performance["points"] if performance else None,
        )
    )
    by_id = {b.pk: b for b in bids}
    return {
        "price_weight": str(tender.price_weight),
        "criteria": [{"id": c.pk, "name": c.name, "max": str(c.max_points)} for c in criteria],
        "past_performance": (
            {
                "criterion": performance["criterion"].pk,
                "name": performance["criterion"].name,
                "max": str(performance["criterion"].max_points),
                "neutral_share": str(performance["criterion"].neutral_share),
                "since": performance["since"].isoformat(),
                "until": performance["until"].isoformat(),
            }
            if performance
            else None
        ),
        "members": [
            {"id": m.pk, "name": str(m.user), "kind": m.kind, "is_leader": m.is_leader} for m in members
        ],
        "ranking": [
            {
                "bid": r.key,
                "organisation_id": by_id[r.key].organisation_id,
                "organisation": by_id[r.key].organisation.name,
                "price": str(r.price),
                "price_score": str(r.price_score),
                "technical": str(r.technical),
                "performance": str(r.performance) if performance else None,
                "performance_grades": performance["grades"][r.key] if performance else None,
                "total": str(r.total),
                "rank": r.rank,
                "tied": r.tied,
                "member_scores": [
                    {
                        "member": m.pk,
                        "total": str(totals[(m.pk, r.key)]),
                        "criteria": {
                            str(c.pk): {
                                "points": str(points[(m.pk, r.key)].get(c.pk, "")),
                                "comment": comments[(m.pk, r.key)].get(c.pk, ""),
                            }
                            for c in criteria
                        },
                    }
                    for m in members
                ],
            }
            for r in ranked
        ],
    }


@transaction.atomic
def report_submit(*, committee: Committee, by: Any, summary: str = "") -> EvaluationReport:
    """The leader submits the evaluation report once every member has submitted. The purchaser must
    confirm the winner within 5 working days (实施条例 Art. 43)."""
    committee = Committee.objects.select_for_update().select_related("tender").get(pk=committee.pk)
    leader = committee.members.filter(is_leader=True).exclude(status=MemberStatus.DECLINED).first()
    if leader is None or leader.user_id != by.pk:
        raise NotAllowed(_("Only the committee leader submits the report."))
    if committee.status != CommitteeStatus.SCORING:
        raise DomainError(_("The committee is not scoring."))
    if not all_submitted(committee):
        raise DomainError(_("Every member must submit scores before the report."))
    results = compute_results(committee)
    if any(r["tied"] for r in results["ranking"] if r["rank"] == 1) and not summary.strip():
        raise DomainError(
            _(
                "The first place is tied on score, price and technical score: record the committee's decision."
            ),
            field="summary",
        )
    now = timezone.now()
    due = due_after(now, report_to_confirmation_days())
    report = EvaluationReport.objects.create(
        committee=committee,
        tender=committee.tender,
        submitted_by=by,
        submitted_at=now,
        summary=summary,
        results=results,
        confirmation_due=due.date,
        calendar_warnings=due.warnings,
    )
    committee.close_with_report()
    committee.save()
    tender = Tender.objects.select_for_update().get(pk=committee.tender_id)
    tender.complete_evaluation()
    tender.save()
    audit_record(
        actor=by,
        action="tender.evaluation_report",
        obj=tender,
        summary={"report": report.pk, "confirmation_due": due.date, "ranking": results["ranking"]},
    )
    staff = User.objects.filter(department_id=tender.department_id, role="purchaser", is_active=True)
    notify(
        recipients=staff,
        kind="evaluation.report",
        message=gettext_noop("The evaluation report of tender %(ref)s is in; confirm the winner by %(due)s"),
        params={"ref": tender.reference, "due": due.date},
        url=reverse("procurement:evaluation_manage", args=[tender.pk]),
        obj=tender,
    )
    return report


def tender_in_evaluation(tender: Tender) -> bool:
    return tender.status == TenderStatus.UNDER_EVALUATION
