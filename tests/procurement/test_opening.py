"""Opening (开标): decrypt, re-hash, flag mismatches, the opening record; qualification review."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.exceptions import DomainError, NotAllowed
from accounts.models import AuditEntry
from procurement.models import Bid, BidDocument, BidStatus, OpeningRecord, Tender, TenderStatus
from procurement.services.opening import bid_document_read, tender_open
from procurement.services.qualification import (
    bid_disqualify,
    bid_qualify,
    tender_check_directory,
    tender_complete_qualification,
)
from tests.factories import DepartmentFactory, UserFactory
from tests.procurement.bidding import (  # noqa: F401 (fixture)
    PDF,
    fast_passwords,
    make_bidder,
    make_tender,
    pass_deadline,
    purchaser_of,
    submit_bid,
)
from vendors.services.directory import entry_revoke, version_publish

pytestmark = pytest.mark.django_db


def _tender_with_bids(n: int = 3, **kwargs: object) -> tuple[Tender, list[Bid]]:
    tender = make_tender(**kwargs)  # type: ignore[arg-type]
    bids = []
    for i in range(n):
        user, org = make_bidder()
        bids.append(
            submit_bid(tender, user, org, price=f"{400000 + i}.50", content=PDF + f"bidder {i}".encode())
        )
    return tender, bids


def test_opening_decrypts_and_verifies() -> None:
    tender, bids = _tender_with_bids(2)
    tender = pass_deadline(tender)
    purchaser = purchaser_of(tender)
    record = tender_open(tender=tender, by=purchaser)
    assert record.all_hashes_ok
    assert [line["price"] for line in record.lines] == ["400000.50", "400001.50"]
    assert all(line["hash_ok"] and line["documents_ok"] for line in record.lines)
    opened = Bid.objects.get(pk=bids[0].pk)
    assert opened.status == BidStatus.OPENED
    assert str(opened.opened_price) == "400000.50"
    assert opened.hash_ok is True
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.OPENED
    # The salt revealed in the record lets anyone recompute the bid hash.
    from procurement import sealing

    line = record.lines[0]
    assert (
        sealing.bid_hash(
            tender_reference=tender.reference,
            organisation_code=line["credit_code"],
            price=opened.opened_price,
            salt=line["salt"],
            document_hashes=[d["sha256"] for d in line["documents"]],
        )
        == line["bid_hash"]
        == opened.receipt.bid_hash
    )


def test_opening_refused_before_the_opening_time_and_to_others() -> None:
    tender, _ = _tender_with_bids(1)
    purchaser = purchaser_of(tender)
    with pytest.raises(DomainError):
        tender_open(tender=tender, by=purchaser)  # deadline not passed
    Tender.objects.filter(pk=tender.pk).update(
        bid_deadline=timezone.now() - timedelta(seconds=1), opening_at=timezone.now() + timedelta(hours=1)
    )
    tender = Tender.objects.get(pk=tender.pk)
    with pytest.raises(DomainError) as exc:
        tender_open(tender=tender, by=purchaser)
    assert exc.value.code == "too_early"
    tender = pass_deadline(tender)
    other_department = UserFactory(role="purchaser", department=DepartmentFactory())
    for intruder in (
        other_department,
        UserFactory(role="supplier"),
        UserFactory(role="supervisor", department=tender.department),
    ):
        with pytest.raises(NotAllowed):
            tender_open(tender=tender, by=intruder)
    assert not OpeningRecord.objects.exists()
    assert Bid.objects.filter(opened_price__isnull=False).count() == 0


@pytest.mark.parametrize("tamper", ["price", "document", "hash_column", "swap_price"])
def test_tampering_is_flagged_not_hidden(tamper: str) -> None:
    tender, bids = _tender_with_bids(2)
    victim = bids[0]
    if tamper == "price":
        blob = bytearray(bytes(victim.price_ciphertext))
        blob[-1] ^= 1
        Bid.objects.filter(pk=victim.pk).update(price_ciphertext=bytes(blob))
    elif tamper == "document":
        doc = victim.documents.get()
        default_storage.delete(doc.storage_name)
        default_storage.save(doc.storage_name, ContentFile(b"\x01" + b"\x00" * 60))
    elif tamper == "hash_column":
        Bid.objects.filter(pk=victim.pk).update(bid_hash="0" * 64)
    else:
        Bid.objects.filter(pk=victim.pk).update(price_ciphertext=bytes(bids[1].price_ciphertext))
    tender = pass_deadline(tender)
    record = tender_open(tender=tender, by=purchaser_of(tender))
    assert not record.all_hashes_ok
    bad = next(line for line in record.lines if line["bid"] == victim.pk)
    good = next(line for line in record.lines if line["bid"] == bids[1].pk)
    assert bad["hash_ok"] is False
    assert bad["problem"]
    assert good["hash_ok"] is True
    assert Bid.objects.get(pk=victim.pk).hash_ok is False
    assert AuditEntry.objects.get(action="tender.open").summary["hash_failures"] == [victim.pk]


def test_document_reads_after_opening_are_audited() -> None:
    tender, bids = _tender_with_bids(1)
    doc = BidDocument.objects.get(bid=bids[0])
    purchaser = purchaser_of(tender)
    with pytest.raises(NotAllowed):
        bid_document_read(document=doc, by=purchaser)  # still sealed
    tender_open(tender=pass_deadline(tender), by=purchaser)
    doc = BidDocument.objects.get(pk=doc.pk)
    assert bid_document_read(document=doc, by=purchaser) == PDF + b"bidder 0"
    assert AuditEntry.objects.filter(action="bid.read_document", actor=purchaser).count() == 1
    with pytest.raises(NotAllowed):
        bid_document_read(document=doc, by=UserFactory(role="purchaser", department=DepartmentFactory()))


def _opened(n: int, **kwargs: object) -> tuple[Tender, list[Bid], object]:
    tender, bids = _tender_with_bids(n, **kwargs)
    tender = pass_deadline(tender)
    purchaser = purchaser_of(tender)
    tender_open(tender=tender, by=purchaser)
    return Tender.objects.get(pk=tender.pk), [Bid.objects.get(pk=b.pk) for b in bids], purchaser


def test_three_qualified_complete_the_review() -> None:
    tender, bids, purchaser = _opened(3)
    for bid in bids:
        bid_qualify(bid=bid, by=purchaser)
    tender = tender_complete_qualification(tender=tender, by=purchaser)
    assert tender.status == TenderStatus.QUALIFICATION_REVIEWED


def test_fewer_than_three_qualified_fails_a_public_tender() -> None:
    tender, bids, purchaser = _opened(3)
    with pytest.raises(DomainError):
        tender_complete_qualification(tender=tender, by=purchaser)  # undecided bids
    with pytest.raises(DomainError):
        bid_disqualify(bid=bids[0], by=purchaser, reason=" ")
    bid_disqualify(bid=bids[0], by=purchaser, reason="未提供社保缴纳证明")
    bid_qualify(bid=bids[1], by=purchaser)
    bid_qualify(bid=bids[2], by=purchaser)
    tender = tender_complete_qualification(tender=tender, by=purchaser)
    assert tender.status == TenderStatus.FAILED
    assert "2" in tender.failure_reason
    assert Bid.objects.get(pk=bids[0].pk).qualification_reason == "未提供社保缴纳证明"


def test_revocation_after_submission_disqualifies() -> None:
    tender, bids, purchaser = _opened(3)
    entry = entry_revoke(organisation=bids[0].organisation, reason="重大违法", by=None, on=date.today())
    version_publish(version=entry.version, by=None)
    assert tender_check_directory(tender=tender, by=purchaser) == 1
    bid = Bid.objects.get(pk=bids[0].pk)
    assert bid.review_eligible is False
    assert "重大违法" in bid.review_eligibility_reason
    with pytest.raises(DomainError):
        bid_qualify(bid=bid, by=purchaser)


def test_no_review_for_another_department() -> None:
    tender, bids, _ = _opened(3)
    other = UserFactory(role="purchaser", department=DepartmentFactory())
    with pytest.raises(NotAllowed):
        bid_qualify(bid=bids[0], by=other)
    with pytest.raises(NotAllowed):
        tender_complete_qualification(tender=tender, by=other)


def test_reading_opened_pages_is_audited(client: object) -> None:
    from django.urls import reverse

    tender, bids, purchaser = _opened(1)
    client.force_login(purchaser)  # type: ignore[attr-defined]
    before = AuditEntry.objects.filter(action="bid.read_sealed").count()
    for url in (
        reverse("procurement:opening_record", args=[tender.pk]),
        reverse("procurement:qualification_review", args=[tender.pk]),
        reverse("procurement:bid_detail", args=[bids[0].pk]),
    ):
        assert client.get(url).status_code == 200  # type: ignore[attr-defined]
    reads = AuditEntry.objects.filter(action="bid.read_sealed", actor=purchaser)
    assert reads.count() == before + 3
    assert "price" not in str(list(reads.values_list("summary", flat=True)))
