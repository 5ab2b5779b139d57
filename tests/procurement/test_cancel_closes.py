"""Cancelling a tender leaves nothing running (issue 5 leftovers): a committee still forming or
scoring is closed, a pending challenge is closed with the cancellation's reason and leaves the
deadlines board. A reported committee and an answered challenge stay as they were."""

from __future__ import annotations

import pytest

from accounts.audit import audit_verify_chain
from accounts.models import AuditEntry, Notification
from procurement.models import Bid, Challenge, ChallengeStatus, Committee, CommitteeStatus, TenderStatus
from procurement.selectors.contracts import deadlines_for_department
from procurement.services.challenges import challenge_file
from procurement.services.tenders import tender_cancel
from tests.procurement.award_setup import (
    announced,
    declare_all,
    english,  # noqa: F401 (autouse: messages in English)
    form_committee,
    make_bid,
    make_tender,
    purchaser_of,
    supplier_of,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("scoring", [False, True])
def test_cancelling_closes_a_forming_or_scoring_committee(scoring: bool) -> None:
    tender = make_tender()
    for price in ("900000.00", "950000.00", "980000.00"):
        make_bid(tender, price)
    purchaser = purchaser_of(tender)
    committee = form_committee(tender, purchaser)
    if scoring:
        declare_all(committee)
        committee = Committee.objects.get(pk=committee.pk)
        assert committee.status == CommitteeStatus.SCORING
    tender_cancel(tender=tender, by=purchaser, reason="预算取消")
    committee = Committee.objects.get(pk=committee.pk)
    assert committee.status == CommitteeStatus.CLOSED
    entry = AuditEntry.objects.get(action="committee.close", object_id=str(committee.pk))
    assert entry.summary == {"was": "scoring" if scoring else "forming", "reason": "预算取消"}
    assert audit_verify_chain()[1] is None
    members = committee.members.exclude(status="declined")
    told = Notification.objects.filter(kind="committee.closed", recipient__in=[m.user for m in members])
    assert told.count() == members.count() > 0


def test_cancelling_closes_a_pending_challenge_and_takes_it_off_the_deadlines_board() -> None:
    ev, award = announced()
    second = Bid.objects.get(pk=ev.report.ranking[1]["bid"])
    challenge = challenge_file(
        award=award, organisation=second.organisation, by=supplier_of(second.organisation), grounds="评分有误"
    )
    department = ev.tender.department_id
    assert f"challenge.reply:{challenge.pk}" in {i.key for i in deadlines_for_department(department)}
    tender_cancel(tender=ev.tender, by=ev.purchaser, reason="项目取消")
    challenge = Challenge.objects.get(pk=challenge.pk)
    assert challenge.status == ChallengeStatus.CLOSED
    assert challenge.reply == "项目取消"
    assert challenge.replied_by == ev.purchaser
    assert challenge.complaint_until is None
    assert ev.tender.__class__.objects.get(pk=ev.tender.pk).status == TenderStatus.CANCELLED
    assert not [i for i in deadlines_for_department(department) if i.key.startswith("challenge.")]
    assert AuditEntry.objects.filter(action="challenge.close", object_id=str(challenge.pk)).exists()
    # The reported committee of the evaluation stays reported.
    assert Committee.objects.get(pk=ev.committee.pk).status == CommitteeStatus.REPORTED
