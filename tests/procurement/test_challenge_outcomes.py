"""The outcomes of an upheld challenge end to end, and what a rescinded award leaves behind.

* Re-evaluation: committee reconvened → members declare and score again → second report →
  purchaser confirms → new award announced; the first award rescinded and its draft contract void.
* New award: the next-ranked bid is awarded and announced; the old draft contract is void.
* Failure: the tender fails, the award is rescinded, the draft contract void.
* Cancelling a tender with a live award rescinds it and voids the draft contract (audited, notified).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.exceptions import DomainError
from accounts.models import AuditEntry, Notification
from procurement.models import (
    Award,
    AwardStatus,
    Bid,
    Committee,
    CommitteeStatus,
    Contract,
    ContractStatus,
    EvaluationReport,
    Tender,
    TenderStatus,
)
from procurement.services.awards import award_announce, award_confirm
from procurement.services.challenges import challenge_file, challenge_reply
from procurement.services.contracts import contract_draft, contract_sign
from procurement.services.scoring import report_submit
from procurement.services.tenders import tender_cancel
from tests.procurement.award_setup import (
    announced,
    declare_all,
    drafted,
    english,  # noqa: F401 (autouse: messages in English)
    evaluated,
    leader_of,
    milestones,
    score_all,
    supplier_of,
)

pytestmark = pytest.mark.django_db


def _challenge(ev, award):  # type: ignore[no-untyped-def]
    second = Bid.objects.get(pk=ev.report.ranking[1]["bid"])
    return challenge_file(
        award=award, organisation=second.organisation, by=supplier_of(second.organisation), grounds="评分有误"
    )


def _actions(obj) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_reevaluation_end_to_end_gives_a_second_report_and_a_new_announced_award() -> None:
    ev, first_award, draft = drafted()
    first_winner = first_award.bid
    challenge = _challenge(ev, first_award)
    challenge_reply(
        challenge=challenge,
        by=ev.purchaser,
        outcome="upheld_reevaluation",
        reply="评分标准适用错误，重新评审",
    )

    assert Award.objects.get(pk=first_award.pk).status == AwardStatus.RESCINDED
    assert Contract.objects.get(pk=draft.pk).status == ContractStatus.VOIDED
    tender = Tender.objects.get(pk=ev.tender.pk)
    assert tender.status == TenderStatus.UNDER_EVALUATION
    second_round = Committee.objects.get(tender=tender, round=2)
    assert Committee.objects.get(pk=ev.committee.pk).status == CommitteeStatus.SUPERSEDED

    # The same members declare again and score again; this time the first winner's plan scores low.
    declare_all(second_round)
    second_round.refresh_from_db()
    assert second_round.status == CommitteeStatus.SCORING
    points = {b.pk: ("35", "25") for b in ev.bids}
    points[first_winner.pk] = ("10", "10")
    score_all(second_round, points)
    report2 = report_submit(committee=second_round, by=leader_of(second_round).user, summary="复评")
    assert EvaluationReport.objects.filter(tender=tender).count() == 2
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.EVALUATED
    new_first = Bid.objects.get(pk=report2.ranking[0]["bid"])
    assert new_first.pk != first_winner.pk

    award2 = award_confirm(tender=Tender.objects.get(pk=tender.pk), bid=new_first, by=ev.purchaser)
    assert award2.report_id == report2.pk
    assert award2.rank == 1
    award2 = award_announce(award=award2, by=ev.purchaser)
    assert award2.status == AwardStatus.ANNOUNCED
    assert award2.announcement["winner"] == new_first.organisation.name
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.AWARDED
    # Exactly one live award; the first stays on record as rescinded.
    assert list(Award.objects.exclude(status=AwardStatus.RESCINDED).values_list("pk", flat=True)) == [
        award2.pk
    ]

    # The new winner gets its own contract and can sign it; the voided draft cannot be signed.
    today = timezone.localdate()
    contract2 = contract_draft(
        award=award2,
        by=ev.purchaser,
        term_start=today,
        term_end=today + timedelta(days=300),
        service_content="助餐服务",
        milestones=milestones(),
    )
    sha = contract2.current_version.sha256
    contract_sign(contract=contract2, by=ev.purchaser, confirmed_sha256=sha)
    signed = contract_sign(contract=contract2, by=supplier_of(new_first.organisation), confirmed_sha256=sha)
    assert signed.status == ContractStatus.SIGNED
    with pytest.raises(DomainError, match="not awaiting signatures"):
        contract_sign(contract=draft, by=ev.purchaser, confirmed_sha256=draft.current_version.sha256)
    assert "award.rescind" in _actions(first_award)
    assert "contract.void" in _actions(draft)


def test_new_award_outcome_announces_the_next_ranked_and_voids_the_old_draft() -> None:
    ev, award, draft = drafted()
    second = Bid.objects.get(pk=ev.report.ranking[1]["bid"])
    challenge_reply(
        challenge=_challenge(ev, award),
        by=ev.purchaser,
        outcome="upheld_new_award",
        reply="第一名资格证明虚假",
        new_bid=second,
    )
    assert Contract.objects.get(pk=draft.pk).status == ContractStatus.VOIDED
    new = Award.objects.get(status=AwardStatus.CONFIRMED)
    assert new.bid_id == second.pk
    assert new.deviation_reason
    new = award_announce(award=new, by=ev.purchaser)
    assert new.announcement["winner"] == second.organisation.name
    assert new.announcement["deviation_reason"] == "第一名资格证明虚假"
    # The old winner is told its award was rescinded.
    old_winner = supplier_of(award.bid.organisation)
    assert Notification.objects.filter(recipient=old_winner, message__contains="was rescinded").exists()


def test_failure_outcome_fails_the_tender_and_voids_the_draft() -> None:
    ev, award, draft = drafted()
    challenge_reply(
        challenge=_challenge(ev, award), by=ev.purchaser, outcome="upheld_failed", reply="有效投标不足三家"
    )
    assert Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.FAILED
    assert Award.objects.get(pk=award.pk).status == AwardStatus.RESCINDED
    voided = Contract.objects.get(pk=draft.pk)
    assert voided.status == ContractStatus.VOIDED
    assert voided.void_reason == "有效投标不足三家"
    assert not Award.objects.exclude(status=AwardStatus.RESCINDED).exists()


def test_cancelling_an_awarded_tender_rescinds_the_award_and_voids_the_draft() -> None:
    ev, award, draft = drafted()
    tender_cancel(tender=ev.tender, by=ev.purchaser, reason="预算调整，项目取消")
    assert Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.CANCELLED
    award = Award.objects.get(pk=award.pk)
    assert award.status == AwardStatus.RESCINDED
    assert award.rescind_reason == "预算调整，项目取消"
    draft = Contract.objects.get(pk=draft.pk)
    assert draft.status == ContractStatus.VOIDED
    assert _actions(award)[-1] == "award.rescind"
    assert _actions(draft)[-1] == "contract.void"
    winner = supplier_of(award.bid.organisation)
    assert Notification.objects.filter(
        recipient=winner, kind="tender.award_result", message__contains="rescinded"
    ).exists()
    with pytest.raises(DomainError):
        contract_sign(contract=draft, by=winner, confirmed_sha256=draft.current_version.sha256)


def test_cancelling_with_a_confirmed_unannounced_award_rescinds_it() -> None:
    _ev, award = announced()  # another tender's award, which must stay untouched
    ev2 = evaluated()
    award2 = award_confirm(
        tender=ev2.tender, bid=Bid.objects.get(pk=ev2.report.ranking[0]["bid"]), by=ev2.purchaser
    )
    tender_cancel(tender=ev2.tender, by=ev2.purchaser, reason="需求变更")
    assert Award.objects.get(pk=award2.pk).status == AwardStatus.RESCINDED
    assert not Contract.objects.filter(award=award2).exists()
    # The other tender's award is untouched.
    assert Award.objects.get(pk=award.pk).status == AwardStatus.ANNOUNCED


def test_a_signed_contract_stays_and_the_tender_can_no_longer_be_cancelled() -> None:
    ev, award, draft = drafted()
    sha = draft.current_version.sha256
    contract_sign(contract=draft, by=ev.purchaser, confirmed_sha256=sha)
    contract_sign(contract=draft, by=supplier_of(award.bid.organisation), confirmed_sha256=sha)
    with pytest.raises(DomainError):
        tender_cancel(tender=ev.tender, by=ev.purchaser, reason="取消")
    assert Award.objects.get(pk=award.pk).status == AwardStatus.CONTRACTED
    assert Contract.objects.get(pk=draft.pk).status == ContractStatus.SIGNED


def test_reevaluation_through_the_pages(settings) -> None:  # type: ignore[no-untyped-def]
    """The same flow through the forms: the purchaser upholds the challenge on the evaluation page,
    the reconvened members declare and score on their seat pages, the leader submits the second
    report, the purchaser confirms and announces the new award."""
    from django.urls import reverse

    from procurement.models import Challenge, CommitteeMember
    from tests.i18n import in_english

    def client_for(user):  # type: ignore[no-untyped-def]
        c = in_english()
        c.force_login(user)
        return c

    settings.GOVBUY_MFA_REQUIRED_ROLES = []  # experts' second factor is tested in accounts
    ev, award = announced()
    challenge = _challenge(ev, award)
    manage = reverse("procurement:evaluation_manage", args=[ev.tender.pk])
    purchaser = client_for(ev.purchaser)
    response = purchaser.post(
        manage,
        {"action": "reply", "challenge": challenge.pk, "outcome": "upheld_reevaluation", "reply": "重新评审"},
    )
    assert response.status_code == 302
    assert Challenge.objects.get(pk=challenge.pk).status == "upheld_reevaluation"
    second_round = Committee.objects.get(tender=ev.tender, round=2)
    criteria = list(ev.tender.criteria.order_by("order"))
    first_winner = award.bid_id
    seats = list(CommitteeMember.objects.filter(committee=second_round).select_related("user"))
    for seat in seats:
        client = client_for(seat.user)
        url = reverse("procurement:seat_detail", args=[seat.pk])
        client.post(url, {"action": "declare", "has_conflict": "no", "statement": "无利害关系"})
    for seat in seats:
        client = client_for(seat.user)
        url = reverse("procurement:seat_detail", args=[seat.pk])
        data = {"action": "submit"}
        for bid in ev.bids:
            low = bid.pk == first_winner
            for c, p in zip(criteria, ("10", "10") if low else ("35", "25"), strict=True):
                data[f"p_{bid.pk}_{c.pk}"] = p
                data[f"c_{bid.pk}_{c.pk}"] = "复评意见"
        client.post(url, data)
    leader = next(s for s in seats if s.is_leader)
    client_for(leader.user).post(
        reverse("procurement:seat_detail", args=[leader.pk]), {"action": "report", "summary": "复评完成"}
    )
    report2 = EvaluationReport.objects.get(committee=second_round)
    assert Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.EVALUATED
    new_first = report2.ranking[0]["bid"]
    assert new_first != first_winner
    page = purchaser.get(manage).content.decode()
    assert "复评完成" in page
    purchaser.post(manage, {"action": "confirm", "bid": new_first})
    new_award = Award.objects.get(status=AwardStatus.CONFIRMED)
    assert new_award.report_id == report2.pk
    purchaser.post(manage, {"action": "announce", "award": new_award.pk})
    new_award.refresh_from_db()
    assert new_award.status == AwardStatus.ANNOUNCED
    public = in_english().get(reverse("procurement:award_announcement", args=[new_award.pk])).content.decode()
    assert Bid.objects.get(pk=new_first).organisation.name in public
    old = in_english().get(reverse("procurement:award_announcement", args=[award.pk])).content.decode()
    assert "This award was rescinded" in old
