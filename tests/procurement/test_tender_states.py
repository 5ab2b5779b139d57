"""The tender state machine: every status × every transition, and the conditions on the clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from procurement.models import Tender, TenderStatus
from procurement.models.tenders import CANCELLABLE_STATES
from tests.procurement.factories import force_state, make_draft

TRANSITIONS: dict[str, dict[str, Any]] = {
    "publish": {"at": None},
    "close_bidding": {},
    "open_bids": {},
    "complete_qualification": {},
    "fail": {"reason": "有效投标不足三家"},
    "cancel": {"reason": "预算调整"},
}

ALLOWED = {
    (TenderStatus.DRAFT, "publish"): TenderStatus.PUBLISHED,
    (TenderStatus.PUBLISHED, "close_bidding"): TenderStatus.BIDDING_CLOSED,
    (TenderStatus.BIDDING_CLOSED, "open_bids"): TenderStatus.OPENED,
    (TenderStatus.OPENED, "complete_qualification"): TenderStatus.QUALIFICATION_REVIEWED,
    (TenderStatus.BIDDING_CLOSED, "fail"): TenderStatus.FAILED,
    (TenderStatus.OPENED, "fail"): TenderStatus.FAILED,
    # Cancellation: from every state before the contract (later issues add their states to the list).
    **{(status, "cancel"): TenderStatus.CANCELLED for status in CANCELLABLE_STATES},
}
assert TenderStatus.QUALIFICATION_REVIEWED in CANCELLABLE_STATES
assert not {TenderStatus.CANCELLED, TenderStatus.FAILED} & set(CANCELLABLE_STATES)


@pytest.mark.django_db
@pytest.mark.parametrize("status", TenderStatus.values)
@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_status_transition_matrix(status: str, name: str) -> None:
    # Deadline and opening time in the past, so only the source state decides.
    tender = make_draft()
    past = timezone.now() - timedelta(minutes=1)
    tender = force_state(tender, status, bid_deadline=past, opening_at=past)
    kwargs = {k: (timezone.now() if v is None else v) for k, v in TRANSITIONS[name].items()}
    expected = ALLOWED.get((status, name))
    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            getattr(tender, name)(**kwargs)
        assert tender.status == status
    else:
        getattr(tender, name)(**kwargs)
        tender.save()
        assert Tender.objects.get(pk=tender.pk).status == expected


@pytest.mark.django_db
def test_bidding_does_not_close_before_the_deadline() -> None:
    tender = force_state(
        make_draft(), TenderStatus.PUBLISHED, bid_deadline=timezone.now() + timedelta(seconds=30)
    )
    with pytest.raises(TransitionNotAllowed):
        tender.close_bidding()
    assert tender.status == TenderStatus.PUBLISHED


@pytest.mark.django_db
def test_bids_are_not_opened_before_the_opening_time() -> None:
    past = timezone.now() - timedelta(minutes=1)
    tender = force_state(
        make_draft(),
        TenderStatus.BIDDING_CLOSED,
        bid_deadline=past,
        opening_at=timezone.now() + timedelta(hours=1),
    )
    with pytest.raises(TransitionNotAllowed):
        tender.open_bids()


@pytest.mark.django_db
def test_a_draft_without_a_deadline_cannot_be_published() -> None:
    tender = make_draft()
    Tender.objects.filter(pk=tender.pk).update(bid_deadline=None)
    tender = Tender.objects.get(pk=tender.pk)
    with pytest.raises(TransitionNotAllowed):
        tender.publish(at=timezone.now())


@pytest.mark.django_db
def test_status_cannot_be_assigned_directly() -> None:
    tender = make_draft()
    with pytest.raises(AttributeError):
        tender.status = TenderStatus.PUBLISHED  # type: ignore[misc]


@pytest.mark.django_db
def test_bids_open_for_submission_follows_state_and_server_clock() -> None:
    tender = force_state(make_draft(), TenderStatus.PUBLISHED)
    now = timezone.now()
    assert tender.bids_open_for_submission(now)
    assert not tender.bids_open_for_submission(tender.bid_deadline)  # at the deadline it is closed
    assert not force_state(tender, TenderStatus.CANCELLED).bids_open_for_submission(now)
    assert not force_state(tender, TenderStatus.DRAFT, published_at=None).bids_open_for_submission(now)


@pytest.mark.django_db
def test_is_public_tender() -> None:
    assert make_draft().is_public_tender
    assert not make_draft(method="competitive_consultation").is_public_tender
