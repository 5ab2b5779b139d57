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


def _drafts(tender: Tender, bidders: list[tuple[Any, Any]]) -> list[tuple[Bid, Any]]:
    drafts = []
    for user, org in bidders:
        draft = bid_create_draft(tender=tender, organisation=org, by=user)
        bid_add_document(bid=draft, name="a.pdf", stream=io.BytesIO(PDF), by=user)
        drafts.append((draft, user))
    return drafts


@pytest.mark.parametrize("attempt", range(3))
def test_two_related_bidders_submitting_at_once_leave_one_bid(transactional_db: Any, attempt: int) -> None:
    """Submissions share the tender row, but related bidders take it exclusively: their checks (each
    looks for the other's bid) never pass side by side."""
    from vendors.models import OrganisationRelation

    tender = make_tender()
    (u1, o1), (u2, o2) = make_bidder(), make_bidder()
    OrganisationRelation.objects.create(organisation=o2, related=o1, kind="control")
    drafts = _drafts(tender, [(u1, o1), (u2, o2)])
    results = _run_together(
        *[lambda d=d, u=u: bid_submit(bid=Bid.objects.get(pk=d.pk), price="480000", by=u) for d, u in drafts]
    )
    assert sum(isinstance(r, Bid) for r in results) == 1, results
    refused = [r for r in results if isinstance(r, DomainError)]
    assert [r.code for r in refused] == ["related_bidder"]
    assert Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).count() == 1


def test_unrelated_bidders_submit_side_by_side(transactional_db: Any) -> None:
    """The shared lock: while another submission holds the tender row (as one does until it appends
    to the audit trail), a second bidder's submission goes through; the closing task's exclusive
    lock has to wait."""
    tender = make_tender()
    ((draft, user),) = _drafts(tender, [make_bidder()])
    holder_ready, release = threading.Event(), threading.Event()

    def hold() -> None:
        from django.db import transaction

        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM procurement_tender WHERE id = %s FOR SHARE", [tender.pk])
                holder_ready.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holder_ready.wait(10)
        started = time.monotonic()
        submitted = bid_submit(bid=Bid.objects.get(pk=draft.pk), price="470000", by=user)
        assert submitted.status == BidStatus.SUBMITTED
        assert time.monotonic() - started < 5  # it did not wait for the other transaction
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
            with pytest.raises(Exception, match="lock timeout"):
                cursor.execute("SELECT 1 FROM procurement_tender WHERE id = %s FOR UPDATE", [tender.pk])
            cursor.execute("SET lock_timeout = 0")
    finally:
        release.set()
        holder.join(10)
