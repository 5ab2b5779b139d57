"""SEALED MEANS SEALED, for official documents, e-mails and notifications.

Canaries go into a bid's price, its document names and its document content; the bid is submitted
(sealed) beside another. Then, before the opening, every registered document kind is requested for
every object of the tender (the tender, its bids, receipts, bid documents and tender documents) as
every role that may have it, and each one is rendered through the real pipeline. Neither the price
nor the content canary appears in any PDF's text, any document record, any e-mail or any
notification. The document names appear only in the bidder's own receipt, requested by the bidder.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from accounts import documents as registry
from accounts.documents import document_request
from accounts.exceptions import NotAllowed
from accounts.models import GeneratedDocument, Notification, Role
from procurement.models import Bid, BidDocument, BidReceipt, TenderDocument
from procurement.services.bids import bid_add_document, bid_create_draft, bid_submit
from tests.conftest import _verified
from tests.factories import DepartmentFactory, ExpertProfileFactory, UserFactory
from tests.procurement.bidding import PDF, fast_passwords, make_bidder, submit_bid  # noqa: F401 (fixture)
from tests.procurement.documents_flow import flat, pdf_bytes, pdf_text, published_tender, supervisor_of

pytestmark = pytest.mark.django_db

PRICE = Decimal("987654.32")
PRICE_FORMS = ["987654.32", "987654", "987,654", "987 654", "９８７６５４"]
CONTENT_CANARY = "CANARY-CONTENT-4242-密文"
NAME_CANARY = "CANARYNAME-8086-报价书"


def _leaks(text: str, *, names_allowed: bool = False) -> list[str]:
    canaries = [*PRICE_FORMS, CONTENT_CANARY] + ([] if names_allowed else [NAME_CANARY])
    squeezed = flat(text)
    return [c for c in canaries if c in text or flat(c) in squeezed]


@pytest.fixture
def sealed(db: Any) -> dict[str, Any]:
    tender, purchaser = published_tender()
    owner, org = make_bidder(name="江门市乐龄社会工作服务中心")
    bid = bid_create_draft(tender=tender, organisation=org, by=owner)
    bid_add_document(
        bid=bid,
        name=f"{NAME_CANARY}.pdf",
        stream=io.BytesIO(PDF + CONTENT_CANARY.encode() + b"\n%%EOF"),
        by=owner,
    )
    bid_add_document(bid=bid, name=f"资质证明-{NAME_CANARY}.pdf", stream=io.BytesIO(PDF + b"cert"), by=owner)
    bid = bid_submit(bid=bid, price=PRICE, by=owner)
    other, other_org = make_bidder()
    other_bid = submit_bid(tender, other, other_org, price="500000.00")
    return {
        "tender": tender,
        "purchaser": purchaser,
        "owner": _verified(owner),
        "other": _verified(other),
        "bid": bid,
        "other_bid": other_bid,
    }


def _roles(sealed: dict[str, Any]) -> dict[str, Any]:
    tender = sealed["tender"]
    return {
        "bidder_itself": sealed["owner"],
        "other_bidder": sealed["other"],
        "unrelated_supplier": _verified(make_bidder()[0]),
        "purchaser": sealed["purchaser"],
        "other_purchaser": _verified(UserFactory(role=Role.PURCHASER, department=DepartmentFactory())),
        "supervisor": supervisor_of(tender),
        "superuser": _verified(UserFactory(role="", is_superuser=True, is_staff=True)),
        "directory_admin": _verified(UserFactory(role=Role.DIRECTORY_ADMIN, department=DepartmentFactory())),
        "expert": _verified(ExpertProfileFactory().user),
    }


def _objects(sealed: dict[str, Any]) -> list[Any]:
    tender = sealed["tender"]
    return [
        tender,
        *Bid.objects.filter(tender=tender),
        *BidReceipt.objects.filter(bid__tender=tender),
        *BidDocument.objects.filter(bid__tender=tender),
        *TenderDocument.objects.filter(tender=tender),
    ]


def _may(kind: str, user: Any, obj: Any) -> bool:
    definition = registry.document_kind(kind)
    accepts = getattr(definition, "accepts", None)
    if accepts is not None and not accepts(obj._meta.label_lower):
        return False
    try:
        return bool(definition.can_view(user, obj))
    except (AttributeError, TypeError, LookupError):
        return False  # a kind about another model


def test_no_document_email_or_notification_reveals_a_sealed_bid(
    sealed: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    kinds = sorted(registry._kinds)
    assert {
        "procurement.tender_announcement",
        "procurement.tender_document",
        "procurement.bid_receipt",
        "procurement.opening_record",
        "procurement.qualification_results",
        "procurement.evaluation_report",
    } <= set(kinds)
    objects = _objects(sealed)
    issued: dict[int, tuple[GeneratedDocument, set[str]]] = {}
    granted: set[tuple[str, str]] = set()
    for role, user in _roles(sealed).items():
        for kind in kinds:
            for obj in objects:
                if not _may(kind, user, obj):
                    continue
                granted.add((role, kind))
                with django_capture_on_commit_callbacks(execute=True):
                    document = document_request(kind=kind, obj=obj, by=user)
                issued.setdefault(document.pk, (document, set()))[1].add(role)

    # What was asked: the public notices by everyone, the receipt by the bidder only, and nothing
    # that only exists after the opening.
    assert ("unrelated_supplier", "procurement.tender_announcement") in granted
    assert ("purchaser", "procurement.tender_document") in granted
    assert {role for role, kind in granted if kind == "procurement.bid_receipt"} == {
        "bidder_itself",
        "other_bidder",  # its own receipt, for its own bid
    }
    for kind in [
        "procurement.opening_record",
        "procurement.qualification_results",
        "procurement.evaluation_report",
    ]:
        assert not any(k == kind for _role, k in granted), kind
    with pytest.raises(NotAllowed):
        document_request(kind="procurement.bid_receipt", obj=sealed["bid"], by=sealed["purchaser"])

    receipts = 0
    for pk, (_document, roles) in issued.items():
        document = GeneratedDocument.objects.get(pk=pk)
        assert document.status == GeneratedDocument.Status.READY, (document.kind, document.error)
        text = pdf_text(pdf_bytes(document))
        own_receipt = document.kind == "procurement.bid_receipt" and document.object_id == str(
            sealed["bid"].pk
        )
        assert not _leaks(text, names_allowed=own_receipt and roles == {"bidder_itself"}), (
            document.kind,
            roles,
            _leaks(text),
        )
        record = f"{document.title}\n{document.reference}\n{document.object_repr}"
        assert not _leaks(record), (document.kind, record)
        if own_receipt:
            receipts += 1
            assert NAME_CANARY in flat(text)  # the bidder's own receipt lists its documents
            assert sealed["bid"].bid_hash in flat(text)
    assert receipts == 1
    assert len(issued) >= 4

    for message in mail.outbox:
        assert not _leaks(f"{message.subject}\n{message.body}\n{message.alternatives}")
    for notification in Notification.objects.all():
        blob = json.dumps(
            {"message": notification.message, "params": notification.params, "url": notification.url},
            ensure_ascii=False,
            default=str,
        )
        assert not _leaks(blob), blob
