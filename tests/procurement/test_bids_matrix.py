"""The bid state machine: every status × every transition (STYLE.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from procurement.models import Bid, BidStatus
from tests.factories import OrganisationFactory, UserFactory
from tests.procurement.bidding import fast_passwords, make_tender, pass_deadline  # noqa: F401

pytestmark = pytest.mark.django_db

REVIEW = {BidStatus.OPENED, BidStatus.QUALIFIED, BidStatus.DISQUALIFIED}
# transition: (allowed sources, target, needs the bidding period)
TRANSITIONS: dict[str, tuple[set[str], str, bool]] = {
    "submit": ({BidStatus.DRAFT}, BidStatus.SUBMITTED, True),
    "withdraw": ({BidStatus.SUBMITTED}, BidStatus.WITHDRAWN, True),
    "replace": ({BidStatus.SUBMITTED}, BidStatus.REPLACED, True),
    "reconfirm": ({BidStatus.SUBMITTED}, BidStatus.SUBMITTED, True),
    "open": ({BidStatus.SUBMITTED}, BidStatus.OPENED, False),
    "qualify": (REVIEW, BidStatus.QUALIFIED, False),
    "disqualify": (REVIEW, BidStatus.DISQUALIFIED, False),
}


def _kwargs(name: str, user: Any) -> dict[str, Any]:
    return {
        "submit": {
            "ciphertext": b"x" * 40,
            "bid_hash": "a" * 64,
            "by": user,
            "at": timezone.now(),
            "eligibility_version": "1",
        },
        "open": {"price": Decimal("1.00"), "salt": "", "hash_ok": True, "documents_ok": True, "problem": ""},
        "qualify": {"by": user},
        "disqualify": {"by": user, "reason": "r"},
    }.get(name, {})


@pytest.mark.parametrize("deadline_passed", [False, True], ids=["bidding", "closed"])
@pytest.mark.parametrize("transition", list(TRANSITIONS))
@pytest.mark.parametrize("status", BidStatus.values)
def test_status_transition_matrix(status: str, transition: str, deadline_passed: bool) -> None:
    tender = make_tender()
    if deadline_passed:
        tender = pass_deadline(tender)
    user = UserFactory()
    bid = Bid.objects.create(
        tender=tender,
        organisation=OrganisationFactory(),
        created_by=user,
        status=status,
        price_ciphertext=None if status == BidStatus.DRAFT else b"x" * 40,
    )
    sources, target, needs_bidding = TRANSITIONS[transition]
    allowed = status in sources and not (needs_bidding and deadline_passed)
    if allowed:
        getattr(bid, transition)(**_kwargs(transition, user))
        bid.save()
        assert Bid.objects.get(pk=bid.pk).status == target
    else:
        with pytest.raises(TransitionNotAllowed):
            getattr(bid, transition)(**_kwargs(transition, user))
        assert Bid.objects.get(pk=bid.pk).status == status


def test_status_is_protected() -> None:
    bid = Bid.objects.create(
        tender=make_tender(), organisation=OrganisationFactory(), created_by=UserFactory()
    )
    with pytest.raises(AttributeError):
        bid.status = BidStatus.SUBMITTED
