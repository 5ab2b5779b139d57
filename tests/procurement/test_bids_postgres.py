"""Concurrency on PostgreSQL: simultaneous submissions of one bid, and submissions racing the
closing task. Run with DATABASE_URL=postgres://…; skipped on SQLite (which serialises writers)."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.exceptions import DomainError
from procurement.models import Bid, BidReceipt, BidStatus, Tender, TenderStatus
from procurement.services.bids import bid_add_document, bid_create_draft, bid_submit, tender_close_bidding
from tests.factories import MembershipFactory
from tests.procurement.bidding import PDF, fast_passwords, make_bidder, make_tender  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def _run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at the same instant; results or exceptions, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_simultaneous_submissions_of_one_bid_leave_one(transactional_db: Any) -> None:
    tender = make_tender()
    user, org = make_bidder()
    colleague = MembershipFactory(organisation=org).user
    bid = bid_create_draft(tender=tender, organisation=org, by=user)
    bid_add_document(bid=bid, name="a.pdf", stream=io.BytesIO(PDF), by=user)
    results = _run_together(
        lambda: bid_submit(bid=Bid.objects.get(pk=bid.pk), price="480000", by=user),
        lambda: bid_submit(bid=Bid.objects.get(pk=bid.pk), price="470000", by=colleague),
    )
    assert sum(isinstance(r, Bid) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert Bid.objects.filter(tender=tender, organisation=org).count() == 1
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.SUBMITTED
    assert BidReceipt.objects.filter(bid__tender=tender).count() == 1


def test_two_colleagues_starting_bids_at_once_get_one_draft(transactional_db: Any) -> None:
    tender = make_tender()
    user, org = make_bidder()
    colleague = MembershipFactory(organisation=org).user
    results = _run_together(
        lambda: bid_create_draft(tender=tender, organisation=org, by=user),
        lambda: bid_create_draft(tender=tender, organisation=org, by=colleague),
    )
    assert all(isinstance(r, Bid) for r in results), results
    assert results[0].pk == results[1].pk
    assert Bid.objects.filter(tender=tender).count() == 1


@pytest.mark.parametrize("offset_ms", [-40, -10, 0, 10, 40])
def test_submission_racing_the_closing_task(transactional_db: Any, offset_ms: int) -> None:
    """Either accepted before the deadline or refused after it; never half-stored."""
    tender = make_tender(deadline_in=timedelta(days=1))
    bidders = [make_bidder() for _ in range(4)]
    drafts = []
    for user, org in bidders:
        draft = bid_create_draft(tender=tender, organisation=org, by=user)
        bid_add_document(bid=draft, name="a.pdf", stream=io.BytesIO(PDF), by=user)
        drafts.append((draft, user))
    deadline = timezone.now() + timedelta(milliseconds=600)
    Tender.objects.filter(pk=tender.pk).update(bid_deadline=deadline, opening_at=deadline)

    def at(moment: Any, call: Callable[[], Any]) -> Callable[[], Any]:
        def go() -> Any:
            time.sleep(max(0.0, (moment - timezone.now()).total_seconds()))
            return call()

        return go

    def closer() -> Any:
        for _ in range(50):  # the beat task, retried until the deadline has passed
            if tender_close_bidding(tender=Tender.objects.get(pk=tender.pk)):
                return True
            time.sleep(0.005)
        return False

    calls = [
        at(
            deadline + timedelta(milliseconds=offset_ms + 5 * i),
            lambda d=d, u=u: bid_submit(bid=Bid.objects.get(pk=d.pk), price="400000", by=u),
        )
        for i, (d, u) in enumerate(drafts)
    ]
    results = _run_together(*calls, at(deadline, closer), at(deadline, closer))
    tender = Tender.objects.get(pk=tender.pk)
    assert tender.status == TenderStatus.BIDDING_CLOSED
    assert sorted(r for r in results[-2:]) == [False, True]  # closed exactly once
    for (draft, _), result in zip(drafts, results, strict=False):
        bid = Bid.objects.get(pk=draft.pk)
        if isinstance(result, Bid):
            assert bid.status == BidStatus.SUBMITTED
            assert bid.submitted_at < tender.bid_deadline
            assert bid.submitted_at <= tender.bidding_closed_at
            assert bid.price_ciphertext is not None
            assert BidReceipt.objects.filter(bid=bid).exists()
        else:
            assert isinstance(result, DomainError), result
            assert result.code == "deadline"
            assert bid.status == BidStatus.DRAFT
            assert bid.price_ciphertext is None
            assert not bid.bid_hash
            assert not BidReceipt.objects.filter(bid=bid).exists()
