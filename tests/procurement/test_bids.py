"""Bid services: sealed submission, eligibility refusals, deadlines, withdraw/replace, reconfirm."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from accounts.exceptions import DomainError, NotAllowed
from accounts.models import AuditEntry
from procurement.models import Bid, BidStatus, Tender, TenderStatus
from procurement.services.bids import (
    bid_add_document,
    bid_create_draft,
    bid_reconfirm,
    bid_replace,
    bid_submit,
    bid_withdraw,
    bids_mark_reconfirm,
    tender_close_bidding,
    tenders_close_due,
)
from procurement.tasks import close_due_tenders
from tests.factories import OrganisationFactory, valid_credit_code
from tests.procurement.bidding import (  # noqa: F401 (fixture)
    PDF,
    category,
    fast_passwords,
    list_in_directory,
    make_bidder,
    make_tender,
    other_category,
    pass_deadline,
    submit_bid,
)
from vendors.models import OrganisationRelation
from vendors.services.directory import entry_suspend, version_publish

pytestmark = pytest.mark.django_db


def test_submit_seals_and_gives_a_receipt() -> None:
    tender = make_tender()
    user, org = make_bidder()
    bid = submit_bid(tender, user, org, price="480000.00")
    assert bid.status == BidStatus.SUBMITTED
    assert bid.opened_price is None
    assert b"480000" not in bytes(bid.price_ciphertext)
    assert bid.receipt.bid_hash == bid.bid_hash
    assert len(bid.bid_hash) == 64
    assert bid.receipt.documents[0]["sha256"] == bid.documents.get().sha256
    assert bid.submitted_at == bid.receipt.issued_at
    assert bid.eligibility_version == "1"
    stored = default_storage.open(bid.documents.get().storage_name).read()
    assert PDF not in stored
    entry = AuditEntry.objects.filter(action="bid.submit").get()
    assert "480000" not in str(entry.summary)


def test_the_stored_submission_is_the_one_submitted() -> None:
    """A submission writes only ``Bid.SUBMIT_FIELDS``: everything ``Bid.submit`` sets is among them,
    and the row as stored is the bid the service returned."""
    from django.utils import timezone

    tender = make_tender()
    user, org = make_bidder()
    draft = bid_create_draft(tender=tender, organisation=org, by=user)
    draft.to_reconfirm = True  # as an amendment leaves a draft to confirm again

    def values(bid: Bid) -> dict[str, object]:
        return {f.name: f.value_from_object(bid) for f in Bid._meta.concrete_fields}

    before = values(draft)
    draft.submit(ciphertext=b"x", bid_hash="0" * 64, by=user, at=timezone.now(), eligibility_version="1")
    changed = {name for name, value in values(draft).items() if value != before[name]}
    assert changed <= set(Bid.SUBMIT_FIELDS)
    returned = submit_bid(tender, user, org)
    assert values(Bid.objects.get(pk=returned.pk)) == values(returned)


@pytest.mark.parametrize("case", ["not_in_directory", "suspended", "category", "related", "kind"])
def test_eligibility_refusals(case: str) -> None:
    tender = make_tender()
    if case == "not_in_directory":
        user, org = make_bidder(listed=False)
        make_bidder()  # a published version exists, without this organisation
        code = "not_in_directory"
    elif case == "suspended":
        user, org = make_bidder()
        entry = entry_suspend(organisation=org, reason="年检不合格", by=None, on=date.today())
        version_publish(version=entry.version, by=None)
        code = "suspended"
    elif case == "category":
        user, org = make_bidder(cat=other_category())
        code = "category_not_covered"
    elif case == "related":
        first_user, first = make_bidder(legal_representative="张三")
        submit_bid(tender, first_user, first)
        user, org = make_bidder(legal_representative="张三")
        code = "related_bidder"
    else:
        user, org = make_bidder(listed=False, credit_code=valid_credit_code(7, "9144070"))
        code = "kind_not_admitted"
    bid = bid_create_draft(tender=tender, organisation=org, by=user)
    bid_add_document(bid=bid, name="a.pdf", stream=io.BytesIO(PDF), by=user)
    with pytest.raises(DomainError) as exc:
        bid_submit(bid=bid, price="1000", by=user)
    assert exc.value.code == code
    assert str(exc.value.message)
    bid = Bid.objects.get(pk=bid.pk)
    assert bid.status == BidStatus.DRAFT
    assert bid.price_ciphertext is None


def test_related_by_recorded_control_either_direction() -> None:
    tender = make_tender()
    u1, o1 = make_bidder()
    u2, o2 = make_bidder()
    OrganisationRelation.objects.create(organisation=o2, related=o1, kind="control")
    submit_bid(tender, u1, o1)
    with pytest.raises(DomainError) as exc:
        submit_bid(tender, u2, o2)
    assert exc.value.code == "related_bidder"


def test_enterprise_admitted_when_the_tender_says_so() -> None:
    tender = make_tender(admitted=["social_organisation", "enterprise"])
    user, org = make_bidder(listed=False, credit_code=valid_credit_code(8, "9144070"))
    assert submit_bid(tender, user, org).status == BidStatus.SUBMITTED


def test_after_the_deadline_everything_is_refused() -> None:
    tender = make_tender()
    user, org = make_bidder()
    submitted = submit_bid(tender, user, org)
    u2, o2 = make_bidder()
    draft = bid_create_draft(tender=tender, organisation=o2, by=u2)
    bid_add_document(bid=draft, name="a.pdf", stream=io.BytesIO(PDF), by=u2)
    pass_deadline(tender)
    for call in (
        lambda: bid_submit(bid=draft, price="100", by=u2),
        lambda: bid_add_document(bid=draft, name="b.pdf", stream=io.BytesIO(PDF), by=u2),
        lambda: bid_withdraw(bid=submitted, by=user),
        lambda: bid_replace(bid=submitted, by=user),
        lambda: bid_reconfirm(bid=submitted, by=user),
        lambda: bid_create_draft(tender=tender, organisation=OrganisationFactory(), by=u2),
    ):
        with pytest.raises(DomainError):
            call()
    draft = Bid.objects.get(pk=draft.pk)
    submitted = Bid.objects.get(pk=submitted.pk)
    assert draft.status == BidStatus.DRAFT
    assert submitted.status == BidStatus.SUBMITTED


@pytest.mark.parametrize(
    ("price", "field"), [("1000000.01", "price"), ("0", "price"), ("12.345", "price"), ("abc", "price")]
)
def test_price_rules(price: str, field: str) -> None:
    tender = make_tender(budget="1000000.00")
    user, org = make_bidder()
    with pytest.raises(DomainError) as exc:
        submit_bid(tender, user, org, price=price)
    assert exc.value.field == field


def test_no_documents_no_submission() -> None:
    tender = make_tender()
    user, org = make_bidder()
    bid = bid_create_draft(tender=tender, organisation=org, by=user)
    with pytest.raises(DomainError):
        bid_submit(bid=bid, price="100", by=user)


def test_another_organisation_cannot_act() -> None:
    tender = make_tender()
    user, org = make_bidder()
    intruder, _ = make_bidder()
    with pytest.raises(NotAllowed):
        bid_create_draft(tender=tender, organisation=org, by=intruder)
    bid = bid_create_draft(tender=tender, organisation=org, by=user)
    with pytest.raises(NotAllowed):
        bid_add_document(bid=bid, name="a.pdf", stream=io.BytesIO(PDF), by=intruder)
    bid_add_document(bid=bid, name="a.pdf", stream=io.BytesIO(PDF), by=user)
    with pytest.raises(NotAllowed):
        bid_submit(bid=bid, price="100", by=intruder)
    submitted = bid_submit(bid=bid, price="100", by=user)
    for call in (bid_withdraw, bid_replace, bid_reconfirm):
        with pytest.raises(NotAllowed):
            call(bid=submitted, by=intruder)


def test_double_submission_leaves_one_bid() -> None:
    tender = make_tender()
    user, org = make_bidder()
    bid = submit_bid(tender, user, org)
    with pytest.raises(DomainError):
        bid_submit(bid=bid, price="1", by=user)
    with pytest.raises(DomainError):
        bid_create_draft(tender=tender, organisation=org, by=user)
    assert Bid.objects.filter(tender=tender, organisation=org).count() == 1


def test_withdraw_then_bid_again() -> None:
    tender = make_tender()
    user, org = make_bidder()
    bid = submit_bid(tender, user, org)
    assert bid_withdraw(bid=bid, by=user).status == BidStatus.WITHDRAWN
    again = submit_bid(tender, user, org, price="470000")
    assert again.status == BidStatus.SUBMITTED
    assert Bid.objects.counting().filter(tender=tender).count() == 1


def test_replace_keeps_documents_and_supersedes_on_submit() -> None:
    tender = make_tender()
    user, org = make_bidder()
    old = submit_bid(tender, user, org)
    draft = bid_replace(bid=old, by=user)
    assert draft.replaces_id == old.pk
    assert [d.sha256 for d in draft.documents.all()] == [d.sha256 for d in old.documents.all()]
    old = Bid.objects.get(pk=old.pk)
    assert old.status == BidStatus.SUBMITTED  # counts until the new one is in
    new = bid_submit(bid=draft, price="450000", by=user)
    old = Bid.objects.get(pk=old.pk)
    assert old.status == BidStatus.REPLACED
    assert new.status == BidStatus.SUBMITTED
    assert new.bid_hash != old.bid_hash


def test_amendment_marks_bids_for_reconfirmation(purchaser: object) -> None:
    tender = make_tender()
    user, org = make_bidder()
    bid = submit_bid(tender, user, org)
    assert bids_mark_reconfirm(tender=tender, by=purchaser) == 1
    bid = Bid.objects.get(pk=bid.pk)
    assert bid.to_reconfirm
    bid = bid_reconfirm(bid=bid, by=user)
    assert not bid.to_reconfirm
    assert bid.reconfirmed_at is not None


def test_closing_is_idempotent_and_waits_for_the_deadline() -> None:
    tender = make_tender()
    assert tender_close_bidding(tender=tender) is False
    assert close_due_tenders.delay().get() == 0
    pass_deadline(tender)
    assert tenders_close_due() == 1
    assert tender_close_bidding(tender=tender) is False
    assert tenders_close_due() == 0
    tender = Tender.objects.get(pk=tender.pk)
    assert tender.status == TenderStatus.BIDDING_CLOSED
    assert AuditEntry.objects.filter(action="tender.close_bidding").count() == 1


def test_bid_price_is_decimal_not_float() -> None:
    tender = make_tender()
    user, org = make_bidder()
    bid = submit_bid(tender, user, org, price="0.10")
    assert bid.status == BidStatus.SUBMITTED
    assert Decimal("0.10") <= tender.budget
    _ = category, list_in_directory
