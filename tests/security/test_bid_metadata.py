"""Review finding (medium): a sealed bid's metadata must not reach the audit trail's readers.

Before the opening a supervisor reads the trail (/staff/audit/, the AuditEntry admin, the audit
extract PDF, /verify/<code>): none of it may name the bidder or a document (name, size, hash) or the
price. Bid audit entries carry the bid's uuid only; the Bid admin lists opened bids only; the audit
extract of a bid is refused (404) until the opening.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from accounts.audit import audit_record
from accounts.documents import can_view_audit_extract
from accounts.models import AuditEntry, GeneratedDocument, Role
from procurement.models import Bid
from procurement.services.bids import bid_add_document, bid_create_draft, bid_submit
from procurement.services.opening import tender_open
from tests.conftest import _verified
from tests.factories import UserFactory
from tests.procurement.bidding import PDF, make_bidder, make_tender, pass_deadline, purchaser_of
from tests.vendors.web import with_mfa

pytestmark = pytest.mark.django_db

DOC_NAME = "机密报价单-ZX41.pdf"
PRICE = Decimal("876543.21")


@pytest.fixture
def sealed() -> dict[str, Any]:
    tender = make_tender(budget="1000000.00")
    owner, org = make_bidder(name="江门市保密测试社工服务中心")
    bid = bid_create_draft(tender=tender, organisation=org, by=owner)
    document = bid_add_document(bid=bid, name=DOC_NAME, stream=io.BytesIO(PDF + b"secret"), by=owner)
    bid = bid_submit(bid=bid, price=PRICE, by=owner)
    supervisor = _verified(UserFactory(role=Role.SUPERVISOR, department=tender.department))
    superuser = with_mfa(_verified(UserFactory(role="", is_superuser=True, is_staff=True)))
    return {
        "tender": tender,
        "bid": bid,
        "org": org,
        "document": document,
        "supervisor": supervisor,
        "superuser": superuser,
    }


def _secrets(sealed: dict[str, Any], *, identity: bool = True) -> list[str]:
    """What is sealed. The organisation's name and code also appear, legitimately, in the trail of
    its public directory entry: pages are checked for the bid's own secrets only."""
    document, org = sealed["document"], sealed["org"]
    who = [org.name, org.credit_code] if identity else []
    return [*who, DOC_NAME, document.sha256, str(PRICE), "876543"]


def test_bid_audit_entries_name_only_the_bid_uuid(sealed: dict[str, Any]) -> None:
    entries = list(AuditEntry.objects.filter(object_type="procurement.bid"))
    assert {e.action for e in entries} >= {"bid.create_draft", "bid.add_document", "bid.submit"}
    for entry in entries:
        text = f"{entry.object_repr} {entry.summary}"
        assert str(sealed["bid"].uuid) in entry.object_repr
        assert not [s for s in _secrets(sealed) if s in text], entry.action
        assert sealed["document"].size not in entry.summary.values()


def test_the_staff_audit_page_and_admin_show_nothing_of_the_sealed_bid(sealed: dict[str, Any]) -> None:
    client = Client()
    client.force_login(sealed["supervisor"])
    page = client.get(reverse("accounts:audit")).content.decode()
    assert "bid.submit" in page
    assert not [s for s in _secrets(sealed, identity=False) if s in page]

    client.force_login(sealed["superuser"])
    response = client.get(reverse("admin:accounts_auditentry_changelist"))
    assert not [s for s in _secrets(sealed, identity=False) if s in response.content.decode()]
    for query in ["", sealed["org"].credit_code]:
        response = client.get(reverse("admin:procurement_bid_changelist"), {"q": query})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0
    # The sealed bid is not in the admin at all: its change page is "does not exist".
    response = client.get(reverse("admin:procurement_bid_change", args=[sealed["bid"].pk]))
    assert response.status_code == 302


def test_the_audit_extract_of_a_bid_is_refused_until_the_opening(sealed: dict[str, Any]) -> None:
    bid, supervisor = sealed["bid"], sealed["supervisor"]
    assert not can_view_audit_extract(supervisor, bid)
    client = Client()
    client.force_login(supervisor)
    post = {"kind": "accounts.audit_extract", "object_type": "procurement.bid", "object_id": bid.pk}
    assert client.post(reverse("documents:request"), post).status_code == 404
    assert not GeneratedDocument.objects.exists()

    tender = pass_deadline(sealed["tender"])
    tender_open(tender=tender, by=purchaser_of(tender))
    bid = Bid.objects.get(pk=bid.pk)
    assert can_view_audit_extract(supervisor, bid)
    assert client.post(reverse("documents:request"), post).status_code == 302
    document = GeneratedDocument.objects.get()
    assert sealed["org"].name not in document.object_repr
    # After the opening the bid shows in the admin.
    client.force_login(sealed["superuser"])
    response = client.get(reverse("admin:procurement_bid_change", args=[bid.pk]))
    assert response.status_code == 200


def test_request_document_answers_404_alike_for_unknown_and_not_allowed(sealed: dict[str, Any]) -> None:
    """Before the fix: a model outside the kind was accepted and a refused object was a 403,
    telling a prober that it exists."""
    supplier = _verified(UserFactory(role=Role.SUPPLIER))
    client = Client()
    client.force_login(supplier)
    url = reverse("documents:request")
    tender = sealed["tender"]
    audit_record(actor=None, action="tender.test", obj=tender)  # the tender has a trail
    exists = {"kind": "accounts.audit_extract", "object_type": "procurement.tender", "object_id": tender.pk}
    missing = {**exists, "object_id": 999999}
    assert client.post(url, exists).status_code == 404
    assert client.post(url, missing).status_code == 404
    client.force_login(sealed["supervisor"])
    # A model the kind is not about (no audit trail of sessions): 404 even for a supervisor.
    unlisted = {"kind": "accounts.audit_extract", "object_type": "sessions.session", "object_id": "x"}
    assert client.post(url, unlisted).status_code == 404
    assert client.post(url, {**exists, "kind": "no.such_kind"}).status_code == 404
    assert client.post(url, {**exists, "object_id": "not-a-number"}).status_code == 404
    assert client.post(url, exists).status_code == 302


def test_every_document_kind_has_a_model_allow_list() -> None:
    """A kind registered without ``models=`` and without an annotated builder would be refused
    everywhere (logged at start-up); none may be left so."""
    from accounts.documents import _kinds

    assert _kinds
    assert [k.key for k in _kinds.values() if not k.models] == []


def test_bid_entries_before_the_opening_name_no_actor_and_the_opening_reveals_them(
    sealed: dict[str, Any],
) -> None:
    """Not even who bid is known before the opening (DOMAIN.md): a bidder's entries keep no user and
    no e-mail in clear, only the actor sealed under the tender key; the opening names them in a new
    entry (the sealed ones are never changed, the chain verifies)."""
    from accounts.audit import REVEAL_ACTION, SEALED_ACTOR_KEY, SEALED_ACTOR_LABEL, audit_verify_chain

    bid, supervisor = sealed["bid"], sealed["supervisor"]
    owner = bid.submitted_by or bid.created_by
    entries = list(AuditEntry.objects.filter(object_type="procurement.bid", object_id=str(bid.pk)))
    assert len(entries) == 3
    for entry in entries:
        assert entry.actor_id is None
        assert entry.actor_label == SEALED_ACTOR_LABEL
        assert owner.email not in str(entry.content())
        assert entry.summary[SEALED_ACTOR_KEY]  # the identity, sealed
        # Nor which tender: the trail does not tell how many bids a tender has.
        assert sealed["tender"].reference not in str(entry.content())

    client = Client()
    client.force_login(supervisor)
    page = client.get(reverse("accounts:audit")).content.decode()
    assert "bid.submit" in page
    assert gettext("Sealed bidder") in page
    assert owner.email not in page
    assert owner.full_name not in page
    # No extract button on the sealed bid's rows (the extract would be refused anyway).
    assert f"document-request-accounts-audit_extract-procurement-bid-{bid.pk}" not in page
    assert gettext("Sealed until the opening") in page

    tender = pass_deadline(sealed["tender"])
    tender_open(tender=tender, by=purchaser_of(tender))
    reveal = AuditEntry.objects.get(action=REVEAL_ACTION, object_id=str(bid.pk))
    assert reveal.summary["entries"] == {str(e.seq): owner.email for e in entries}
    assert set(reveal.summary["users"].values()) == {owner.pk}
    assert reveal.summary["tender"] == tender.reference
    assert {r.get("receipt") for r in reveal.summary["sealed"].values()} == {None, bid.receipt.number}
    assert audit_verify_chain()[1] is None
    page = client.get(reverse("accounts:audit")).content.decode()
    assert owner.email in page
    assert gettext("revealed at the opening") in page
    assert f"document-request-accounts-audit_extract-procurement-bid-{bid.pk}" in page
    # The extract of the opened bid names the revealed actor.
    from accounts.documents import build_audit_extract

    actors = {row["actor"] for row in build_audit_extract(Bid.objects.get(pk=bid.pk)).context["entries"]}
    assert owner.email in actors
    assert SEALED_ACTOR_LABEL not in actors


def test_a_tampered_sealed_actor_is_named_as_such_at_the_opening(sealed: dict[str, Any]) -> None:
    """The sealed actor is bound to its bid: a ciphertext that does not authenticate is reported,
    the opening goes on."""
    from accounts.audit import REVEAL_ACTION, SEALED_ACTOR_KEY, audit_record

    owner = sealed["bid"].created_by
    other = Bid.objects.create(tender=sealed["tender"], organisation=make_bidder()[1], created_by=owner)
    entry = AuditEntry.objects.filter(object_id=str(sealed["bid"].pk)).first()
    assert entry is not None
    moved = audit_record(
        actor=None, action="bid.create_draft", obj=other, sealed_actor=entry.summary[SEALED_ACTOR_KEY]
    )
    tender = pass_deadline(sealed["tender"])
    tender_open(tender=tender, by=purchaser_of(tender))
    reveal = AuditEntry.objects.get(action=REVEAL_ACTION, object_id=str(other.pk))
    assert reveal.summary["entries"][str(moved.seq)] == "(the sealed actor does not authenticate)"
