"""Committee formation, declarations, replacement and scoring through the services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.exceptions import DomainError, NotAllowed
from accounts.models import AuditEntry, Role
from procurement import committee as draw
from procurement.models import (
    Committee,
    CommitteeStatus,
    ExpertRelation,
    MemberStatus,
    Score,
    Tender,
    TenderStatus,
)
from procurement.selectors.evaluation import bids_for_member, visible_scores
from procurement.services.committee import committee_form, expert_candidates, member_declare, member_decline
from procurement.services.scoring import report_submit, score_record, scores_submit
from tests.factories import UserFactory
from tests.procurement.award_setup import (
    declare_all,
    english,  # noqa: F401 (autouse: messages in English)
    evaluated,
    form_committee,
    leader_of,
    make_bid,
    make_experts,
    make_tender,
    purchaser_of,
    score_all,
)

pytestmark = pytest.mark.django_db
D = Decimal


def test_form_draws_lawful_committee_and_records_the_draw() -> None:
    tender = make_tender()
    purchaser = purchaser_of(tender)
    make_bid(tender, "800000")
    committee = form_committee(tender, purchaser, purchaser_representative=purchaser)
    members = list(committee.members.all())
    assert committee.size == 5
    assert len(members) == 5
    assert sum(m.kind == "purchaser" for m in members) == 1
    assert sum(m.is_leader for m in members) == 1
    record = committee.draws[0]
    assert record["seed"] == 2026
    # Re-running the recorded draw gives the same experts.
    again = draw.draw_from(record["candidate_ids"], count=4, seed=record["seed"])
    assert list(again) == record["drawn_ids"]
    entry = AuditEntry.objects.get(action="committee.form")
    assert entry.summary["seed"] == 2026
    assert entry.summary["drawn_ids"] == record["drawn_ids"]


def test_large_budget_needs_seven_and_even_sizes_are_refused() -> None:
    tender = make_tender(budget="12000000.00")
    purchaser = purchaser_of(tender)
    make_experts(10)
    with pytest.raises(DomainError, match="at least 7"):
        committee_form(tender=tender, by=purchaser, size=5)
    with pytest.raises(DomainError, match="odd"):
        committee_form(tender=tender, by=purchaser, size=8)
    committee = committee_form(tender=tender, by=purchaser)
    assert committee.size == 7


def test_conflicted_experts_are_never_drawn() -> None:
    tender = make_tender()
    purchaser = purchaser_of(tender)
    bid = make_bid(tender, "800000")
    experts = make_experts(9)
    # Three conflicts: a relation with the bidder, kin of its legal representative, affiliation.
    ExpertRelation.objects.create(expert=experts[0], kind="employee", organisation=bid.organisation)
    ExpertRelation.objects.create(
        expert=experts[1], kind="kin", person_name=bid.organisation.legal_representative
    )
    experts[2].affiliation = bid.organisation.name
    experts[2].save()
    committee = committee_form(tender=tender, by=purchaser, seed=1)
    drawn = set(committee.draws[0]["drawn_ids"])
    assert not drawn & {experts[0].pk, experts[1].pk, experts[2].pk}
    assert set(committee.draws[0]["excluded"]) == {str(experts[i].pk) for i in range(3)}


def test_relation_ended_more_than_three_years_ago_no_longer_counts() -> None:
    from datetime import date

    tender = make_tender()
    bid = make_bid(tender, "800000")
    (expert,) = make_experts(1)
    ExpertRelation.objects.create(
        expert=expert, kind="employee", organisation=bid.organisation, ended_on=date(2020, 1, 1)
    )
    assert expert_candidates(tender)[0].related_organisation_ids == frozenset()


def test_declining_member_is_replaced_by_a_new_draw() -> None:
    tender = make_tender()
    purchaser = purchaser_of(tender)
    make_bid(tender, "800000")
    committee = form_committee(tender, purchaser, pool=6)
    leader = leader_of(committee)
    replacement = member_decline(member=leader, by=leader.user, reason="出差")
    assert replacement is not None
    leader.refresh_from_db()
    assert leader.status == MemberStatus.DECLINED
    assert replacement.is_leader
    assert replacement.user_id not in {m.user_id for m in committee.members.exclude(pk=replacement.pk)}
    committee.refresh_from_db()
    assert len(committee.draws) == 2
    assert committee.draws[1]["purpose"].startswith("replace")
    # The pool of 6 is now exhausted: the next decline cannot be replaced, and nothing changes.
    other = committee.members.filter(status="invited").exclude(pk=replacement.pk).first()
    with pytest.raises(DomainError, match="No further expert"):
        member_decline(member=other, by=other.user, reason="生病")
    other.refresh_from_db()
    assert other.status == MemberStatus.INVITED


def test_declared_conflict_steps_down_and_all_declared_starts_evaluation() -> None:
    tender = make_tender()
    purchaser = purchaser_of(tender)
    make_bid(tender, "800000")
    committee = form_committee(tender, purchaser, pool=7)
    member = committee.members.first()
    member_declare(member=member, by=member.user, has_conflict=True, statement="曾在投标单位任职")
    member.refresh_from_db()
    assert member.status == MemberStatus.DECLINED
    assert committee.members.exclude(status="declined").count() == 5
    declare_all(committee)
    committee.refresh_from_db()
    assert committee.status == CommitteeStatus.SCORING
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.UNDER_EVALUATION


def test_someone_else_cannot_answer_for_a_member() -> None:
    tender = make_tender()
    committee = form_committee(tender, purchaser_of(tender))
    member = committee.members.first()
    other = UserFactory(role=Role.EXPERT)
    with pytest.raises(NotAllowed):
        member_declare(member=member, by=other, has_conflict=False, statement="x")


def test_bids_are_hidden_until_the_member_declared_and_the_committee_is_complete() -> None:
    tender = make_tender()
    bid = make_bid(tender, "800000")
    committee = form_committee(tender, purchaser_of(tender))
    first = committee.members.first()
    with pytest.raises(NotAllowed):
        bids_for_member(first)
    member_declare(member=first, by=first.user, has_conflict=False, statement="无")
    first.refresh_from_db()
    with pytest.raises(NotAllowed):  # declared, but the committee is not complete yet
        bids_for_member(first)
    declare_all(committee)
    first.refresh_from_db()
    assert [b.pk for b in bids_for_member(first)] == [bid.pk]


def test_scores_are_bounded_commented_and_complete() -> None:
    tender = make_tender()
    bid = make_bid(tender, "800000")
    make_bid(tender, "900000")
    committee = form_committee(tender, purchaser_of(tender))
    declare_all(committee)
    member = committee.members.first()
    crit = tender.criteria.first()
    with pytest.raises(DomainError, match="between 0 and 40"):
        score_record(member=member, by=member.user, bid=bid, criterion=crit, points=D("40.01"), comment="x")
    with pytest.raises(DomainError, match="between 0 and"):
        score_record(member=member, by=member.user, bid=bid, criterion=crit, points=D("-1"), comment="x")
    with pytest.raises(DomainError, match="comment"):
        score_record(member=member, by=member.user, bid=bid, criterion=crit, points=D("30"), comment=" ")
    score_record(member=member, by=member.user, bid=bid, criterion=crit, points=D("40"), comment="优秀")
    with pytest.raises(DomainError, match="3 scores are still missing"):
        scores_submit(member=member, by=member.user)
    assert Score.objects.count() == 1


def test_disqualified_bids_are_not_scored() -> None:
    tender = make_tender()
    make_bid(tender, "800000")
    bad = make_bid(tender, "700000", status="disqualified")
    committee = form_committee(tender, purchaser_of(tender))
    declare_all(committee)
    member = committee.members.first()
    with pytest.raises(DomainError, match="qualified"):
        score_record(
            member=member,
            by=member.user,
            bid=bad,
            criterion=tender.criteria.first(),
            points=D("1"),
            comment="x",
        )


def test_members_see_only_their_own_scores_until_all_submitted() -> None:
    tender = make_tender()
    bid = make_bid(tender, "800000")
    committee = form_committee(tender, purchaser_of(tender))
    declare_all(committee)
    members = list(committee.members.all())
    crits = list(tender.criteria.all())
    for m in members[:-1]:
        for c in crits:
            score_record(member=m, by=m.user, bid=bid, criterion=c, points=D("20"), comment="ok")
        scores_submit(member=m, by=m.user)
    first = members[0]
    assert {s.member_id for s in visible_scores(first)} == {first.pk}
    last = members[-1]
    for c in crits:
        score_record(member=last, by=last.user, bid=bid, criterion=c, points=D("10"), comment="ok")
    scores_submit(member=last, by=last.user)
    first.refresh_from_db()
    assert {s.member_id for s in visible_scores(first)} == {m.pk for m in members}


def test_report_ranks_bids_and_shows_every_members_scores() -> None:
    ev = evaluated()
    ranking = ev.report.ranking
    assert [r["price"] for r in ranking] == ["800000.00", "850000.00", "900000.00"]
    assert ranking[0]["price_score"] == "30.00"
    assert ranking[0]["total"] == "90.00"  # 35 + 25 + 30
    assert ranking[1]["price_score"] == "28.24"  # 800000 / 850000 × 30 = 28.235…
    assert len(ranking[0]["member_scores"]) == 5
    assert ev.tender.status == TenderStatus.EVALUATED
    assert ev.report.confirmation_due > ev.report.submitted_at.date()


def test_only_the_leader_submits_the_report_after_everyone() -> None:
    tender = make_tender()
    bid = make_bid(tender, "800000")
    committee = form_committee(tender, purchaser_of(tender))
    declare_all(committee)
    non_leader = committee.members.filter(is_leader=False).first()
    with pytest.raises(NotAllowed):
        report_submit(committee=committee, by=non_leader.user)
    with pytest.raises(DomainError, match="Every member"):
        report_submit(committee=committee, by=leader_of(committee).user)
    score_all(committee, {bid.pk: ("30", "20")})
    report_submit(committee=committee, by=leader_of(committee).user)
    assert Committee.objects.get(pk=committee.pk).status == CommitteeStatus.REPORTED
