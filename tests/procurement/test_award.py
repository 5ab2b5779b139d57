"""Award confirmation and announcement (定标, 中标公告)."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.exceptions import DomainError, NotAllowed
from accounts.models import AuditEntry, Role
from procurement.models import Award, AwardStatus, Bid, Tender, TenderStatus
from procurement.services.awards import award_announce, award_confirm
from procurement.services.deadlines import due_after
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.procurement.award_setup import (
    announced,
    english,  # noqa: F401 (autouse: messages in English)
    enterprise,
    evaluated,
)

pytestmark = pytest.mark.django_db


def ranked_bid(ev, rank: int) -> Bid:  # type: ignore[no-untyped-def]
    return Bid.objects.get(pk=next(r["bid"] for r in ev.report.ranking if r["rank"] == rank))


def test_purchaser_confirms_the_first_ranked() -> None:
    ev = evaluated()
    award = award_confirm(tender=ev.tender, bid=ranked_bid(ev, 1), by=ev.purchaser)
    assert award.status == AwardStatus.CONFIRMED
    assert award.rank == 1
    assert award.price == Decimal("800000.00")
    assert award.total_score == Decimal("90.00")
    assert award.confirmation_on_time
    assert award.announcement_due == due_after(award.confirmed_at, 2).date
    assert Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.AWARDED
    assert AuditEntry.objects.filter(action="award.confirm", object_id=str(award.pk)).exists()


def test_another_bid_only_with_a_legal_reason() -> None:
    ev = evaluated()
    second = ranked_bid(ev, 2)
    with pytest.raises(DomainError, match="legal reason"):
        award_confirm(tender=ev.tender, bid=second, by=ev.purchaser)
    assert not Award.objects.exists()
    award = award_confirm(
        tender=ev.tender, bid=second, by=ev.purchaser, deviation_reason="第一名放弃中标（书面声明）"
    )
    assert award.rank == 2
    assert award.deviation_reason


def test_eligibility_is_checked_again_at_award() -> None:
    # The first-ranked bidder is a social organisation that is not in any published directory.
    ev = evaluated(organisations=[OrganisationFactory(), enterprise(), enterprise()])
    first = ranked_bid(ev, 1)
    MembershipFactory(organisation=first.organisation)
    with pytest.raises(DomainError, match="cannot be awarded"):
        award_confirm(tender=ev.tender, bid=first, by=ev.purchaser)
    assert Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.EVALUATED


def test_announcement_names_the_experts_and_opens_the_challenge_period() -> None:
    ev, award = announced()
    assert award.status == AwardStatus.ANNOUNCED
    experts = {str(m.user) for m in ev.committee.members.all()}
    assert set(award.announcement["experts"]) == experts
    assert award.announcement["winner"] == ranked_bid(ev, 1).organisation.name
    assert award.challenge_until == due_after(award.announced_at, 7).date
    # 30 calendar days from the announcement's date in China time (after 16:00 UTC that is the next day)
    announced_on = award.announced_at.astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert (award.signing_due - announced_on).days == 30
    with pytest.raises(DomainError):
        award_announce(award=award, by=ev.purchaser)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("purchaser", True),
        ("purchaser_other_department", False),
        ("supplier_bidder", False),
        ("expert", False),
        ("supervisor", False),
        ("directory_admin", False),
    ],
)
def test_role_matrix_for_confirming(who: str, allowed: bool) -> None:
    ev = evaluated()
    first = ranked_bid(ev, 1)
    users = {
        "purchaser": ev.purchaser,
        "purchaser_other_department": UserFactory(purchaser=True),
        "supplier_bidder": first.organisation.memberships.first().user,
        "expert": ev.committee.members.first().user,
        "supervisor": UserFactory(role=Role.SUPERVISOR, department=ev.tender.department),
        "directory_admin": UserFactory(role=Role.DIRECTORY_ADMIN, department=ev.tender.department),
    }
    if allowed:
        award_confirm(tender=ev.tender, bid=first, by=users[who])
        assert Award.objects.count() == 1
    else:
        with pytest.raises(NotAllowed):
            award_confirm(tender=ev.tender, bid=first, by=users[who])
        assert not Award.objects.exists()
        assert Tender.objects.get(pk=ev.tender.pk).status == TenderStatus.EVALUATED


def test_notices_give_each_bidder_its_own_score_and_rank() -> None:
    from accounts.models import Notification

    ev, award = announced()
    for line in ev.report.ranking:
        bid = Bid.objects.get(pk=line["bid"])
        staff = bid.organisation.memberships.first().user
        notice = Notification.objects.get(recipient=staff, kind="tender.award_result")
        assert notice.params["score"] == line["total"]
        assert notice.params["rank"] == line["rank"]
        assert notice.url == f"/procurement/awards/{award.pk}/"
    # Purchasers were told of the report, experts of their seats.
    assert Notification.objects.filter(recipient=ev.purchaser, kind="evaluation.report").exists()
    member = ev.committee.members.first()
    assert Notification.objects.filter(recipient=member.user, kind="committee.invited").exists()
