"""Challenges (质疑) and complaints (投诉): the period, the outcomes, and signing suspended."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.exceptions import DomainError, NotAllowed
from accounts.models import Role
from procurement.models import (
    Award,
    AwardStatus,
    Bid,
    Challenge,
    ChallengeStatus,
    Committee,
    CommitteeStatus,
    Complaint,
    ContractStatus,
    Tender,
    TenderStatus,
)
from procurement.services.challenges import (
    challenge_file,
    challenge_reply,
    complaint_decide,
    complaint_record,
)
from procurement.services.contracts import contract_sign
from procurement.services.deadlines import due_after
from tests.factories import MembershipFactory, UserFactory
from tests.procurement.award_setup import (
    announced,
    drafted,
    english,  # noqa: F401 (autouse: messages in English)
    enterprise,
    supplier_of,
)

pytestmark = pytest.mark.django_db


def loser(ev):  # type: ignore[no-untyped-def]
    bid = Bid.objects.get(pk=ev.report.ranking[1]["bid"])
    return bid.organisation, supplier_of(bid.organisation)


def file(ev, award):  # type: ignore[no-untyped-def]
    org, user = loser(ev)
    return challenge_file(award=award, organisation=org, by=user, grounds="评分畸高，请复核")


def test_bidder_files_within_the_period() -> None:
    ev, award = announced()
    challenge = file(ev, award)
    assert challenge.status == ChallengeStatus.PENDING
    assert challenge.reply_due == due_after(challenge.filed_at, 7).date


def test_refused_after_the_period() -> None:
    ev, award = announced()
    Award.objects.filter(pk=award.pk).update(challenge_until=timezone.localdate() - timedelta(days=1))
    with pytest.raises(DomainError, match="challenge period ended"):
        file(ev, Award.objects.get(pk=award.pk))
    assert not Challenge.objects.exists()


def test_only_bidders_of_the_tender_may_challenge() -> None:
    ev, award = announced()
    outsider_org = enterprise()
    outsider = MembershipFactory(organisation=outsider_org).user
    with pytest.raises(NotAllowed):
        challenge_file(award=award, organisation=outsider_org, by=outsider, grounds="x")
    org, _user = loser(ev)
    someone_else = UserFactory(role=Role.SUPPLIER)
    with pytest.raises(NotAllowed):
        challenge_file(award=award, organisation=org, by=someone_else, grounds="x")
    assert not Challenge.objects.exists()


def test_a_pending_challenge_blocks_signing_until_answered() -> None:
    ev, award, contract = drafted()
    challenge = file(ev, award)
    sha = contract.current_version.sha256
    with pytest.raises(DomainError, match="suspended"):
        contract_sign(contract=contract, by=ev.purchaser, confirmed_sha256=sha)
    contract.refresh_from_db()
    assert contract.purchaser_signed_at is None
    challenge_reply(
        challenge=challenge, by=ev.purchaser, outcome=ChallengeStatus.DISMISSED, reply="评分符合评审标准"
    )
    contract_sign(contract=contract, by=ev.purchaser, confirmed_sha256=sha)
    winner = supplier_of(award.bid.organisation)
    contract = contract_sign(contract=contract, by=winner, confirmed_sha256=sha)
    assert contract.status == ContractStatus.SIGNED


def test_dismissed_leaves_the_award_standing() -> None:
    ev, award = announced()
    challenge = challenge_reply(
        challenge=file(ev, award), by=ev.purchaser, outcome="dismissed", reply="不成立"
    )
    assert challenge.status == ChallengeStatus.DISMISSED
    assert challenge.complaint_until == due_after(challenge.replied_at, 15).date
    assert Award.objects.get(pk=award.pk).status == AwardStatus.ANNOUNCED


def test_upheld_with_reevaluation_reconvenes_the_committee() -> None:
    ev, award = announced()
    challenge_reply(
        challenge=file(ev, award), by=ev.purchaser, outcome="upheld_reevaluation", reply="重新评审"
    )
    assert Award.objects.get(pk=award.pk).status == AwardStatus.RESCINDED
    assert Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.UNDER_EVALUATION
    old = Committee.objects.get(pk=ev.committee.pk)
    new = Committee.objects.get(tender=ev.tender, round=2)
    assert old.status == CommitteeStatus.SUPERSEDED
    assert set(new.members.values_list("user_id", flat=True)) == set(
        old.members.filter(status="submitted").values_list("user_id", flat=True)
    )
    assert set(new.members.values_list("status", flat=True)) == {"invited"}  # they declare again


def test_upheld_with_new_award_awards_the_next_ranked() -> None:
    ev, award = announced()
    second = Bid.objects.get(pk=ev.report.ranking[1]["bid"])
    with pytest.raises(DomainError, match="Choose the bid"):
        challenge_reply(challenge=file(ev, award), by=ev.purchaser, outcome="upheld_new_award", reply="成立")
    challenge = Challenge.objects.get()
    challenge_reply(
        challenge=challenge,
        by=ev.purchaser,
        outcome="upheld_new_award",
        reply="第一名资格证明虚假",
        new_bid=second,
    )
    live = Award.objects.exclude(status=AwardStatus.RESCINDED).get()
    assert live.bid_id == second.pk
    assert live.rank == 2
    assert live.deviation_reason
    assert Award.objects.get(pk=award.pk).status == AwardStatus.RESCINDED
    assert Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.AWARDED


def test_upheld_with_failure_fails_the_tender() -> None:
    ev, award = announced()
    challenge_reply(
        challenge=file(ev, award), by=ev.purchaser, outcome="upheld_failed", reply="有效投标不足三家"
    )
    tender = Tender.objects.get(pk=ev.tender.pk)
    assert tender.status == TenderStatus.FAILED
    assert tender.failure_reason == "有效投标不足三家"


def test_only_the_owning_purchaser_replies_and_only_once() -> None:
    ev, award = announced()
    challenge = file(ev, award)
    with pytest.raises(NotAllowed):
        challenge_reply(challenge=challenge, by=UserFactory(purchaser=True), outcome="dismissed", reply="x")
    _org, challenger = loser(ev)
    with pytest.raises(NotAllowed):
        challenge_reply(challenge=challenge, by=challenger, outcome="dismissed", reply="x")
    challenge_reply(challenge=challenge, by=ev.purchaser, outcome="dismissed", reply="不成立")
    with pytest.raises(DomainError, match="already been answered"):
        challenge_reply(challenge=challenge, by=ev.purchaser, outcome="dismissed", reply="再答")


def test_complaint_follows_the_reply_and_a_supervisor_records_the_decision() -> None:
    ev, award = announced()
    challenge = file(ev, award)
    _org, challenger = loser(ev)
    with pytest.raises(DomainError, match="follows the reply"):
        complaint_record(challenge=challenge, by=challenger, authority="江门市财政局", grounds="不服答复")
    challenge_reply(challenge=challenge, by=ev.purchaser, outcome="dismissed", reply="不成立")
    complaint = complaint_record(
        challenge=challenge, by=challenger, authority="江门市财政局", grounds="不服答复"
    )
    # Not the challenger, not a purchaser of another department (the tender's own purchaser and
    # supervisors may record the finance department's decision).
    for refused in (challenger, UserFactory(purchaser=True)):
        with pytest.raises(NotAllowed):
            complaint_decide(complaint=complaint, by=refused, outcome="rejected", decision="驳回")
    supervisor = UserFactory(role=Role.SUPERVISOR, department=ev.tender.department)
    complaint = complaint_decide(
        complaint=complaint, by=supervisor, outcome="rejected", decision="投诉缺乏事实依据，驳回"
    )
    assert Complaint.objects.get().outcome == "rejected"
    assert complaint.decided_at is not None


def test_complaint_refused_after_fifteen_working_days() -> None:
    ev, award = announced()
    challenge = challenge_reply(
        challenge=file(ev, award), by=ev.purchaser, outcome="dismissed", reply="不成立"
    )
    Challenge.objects.filter(pk=challenge.pk).update(complaint_until=timezone.localdate() - timedelta(days=1))
    _org, challenger = loser(ev)
    with pytest.raises(DomainError, match="possible until"):
        complaint_record(
            challenge=Challenge.objects.get(pk=challenge.pk), by=challenger, authority="财政局", grounds="x"
        )
