"""Bid pages: the role × action matrix (ids swapped in URLs: 404/403, nothing changed) and the
supplier's path through the pages (draft, upload, submit, receipt, withdraw, replace)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEntry, Role
from procurement.models import Bid, BidDocument, BidStatus
from procurement.services.bids import bid_add_document, bid_create_draft
from tests.conftest import _verified
from tests.factories import DepartmentFactory, MembershipFactory, UserFactory
from tests.procurement.bidding import (  # noqa: F401 (fixture)
    PDF,
    fast_passwords,
    make_bidder,
    make_tender,
    purchaser_of,
    submit_bid,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    tender = make_tender()
    owner, org = make_bidder()
    submitted = submit_bid(tender, owner, org, price="480000.00")
    _, org_b = make_bidder()
    MembershipFactory(user=owner, organisation=org_b, is_admin=True)
    draft = bid_create_draft(tender=tender, organisation=org_b, by=owner)
    bid_add_document(bid=draft, name="a.pdf", stream=io.BytesIO(PDF), by=owner)
    other_supplier, _ = make_bidder()
    superuser = UserFactory(role="", is_superuser=True, is_staff=True)
    return {
        "tender": tender,
        "submitted": submitted,
        "draft": draft,
        "users": {
            "owner": _verified(owner),
            "other_supplier": _verified(other_supplier),
            "purchaser": purchaser_of(tender),
            "other_purchaser": _verified(UserFactory(role=Role.PURCHASER, department=DepartmentFactory())),
            "supervisor": _verified(UserFactory(role=Role.SUPERVISOR, department=tender.department)),
            "superuser": _verified(superuser),
            "anonymous": None,
        },
    }


def _state() -> list[Any]:
    return [
        sorted(Bid.objects.values_list("pk", "status", "to_reconfirm")),
        BidDocument.objects.count(),
        AuditEntry.objects.count(),
    ]


# action: (method, url name, which bid, POST data)
BID_ACTIONS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "detail": ("get", "procurement:bid_detail", "submitted", {}),
    "receipt": ("get", "procurement:bid_receipt", "submitted", {}),
    "withdraw": ("post", "procurement:bid_withdraw", "submitted", {}),
    "replace": ("post", "procurement:bid_replace", "submitted", {}),
    "reconfirm": ("post", "procurement:bid_reconfirm", "submitted", {}),
    "upload": ("post", "procurement:bid_upload", "draft", {"file": "pdf"}),
    "submit": ("post", "procurement:bid_submit", "draft", {"price": "1000.00", "confirm": "on"}),
}
ROLES = ["owner", "other_supplier", "purchaser", "other_purchaser", "supervisor", "superuser", "anonymous"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(BID_ACTIONS))
def test_bid_role_action_matrix(client: Any, world: dict[str, Any], role: str, action: str) -> None:
    method, name, which, data = BID_ACTIONS[action]
    bid = world[which]
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    if data.get("file"):
        data = {"file": SimpleUploadedFile("b.pdf", PDF, content_type="application/pdf")}
    before = _state()
    response = getattr(client, method)(reverse(name, args=[bid.pk]), data)
    if role == "owner":
        assert response.status_code in (200, 302)
        if method == "post":
            assert _state() != before
        return
    if role == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 404
    assert _state() == before


def test_document_download_is_refused_to_everyone_before_opening(client: Any, world: dict[str, Any]) -> None:
    bid = world["submitted"]
    doc = bid.documents.get()
    url = reverse("procurement:bid_document", args=[bid.pk, doc.pk])
    for role, user in world["users"].items():
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code in (302, 404), role
        assert PDF not in response.content


# tender-level pages: role → expected status before the opening
TENDER_PAGES = {
    "procurement:tender_opening": {"purchaser": 200},
    "procurement:qualification_review": {"purchaser": 200},
    "procurement:opening_record": {"purchaser": 404, "supervisor": 404},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(TENDER_PAGES))
def test_tender_pages_matrix(client: Any, world: dict[str, Any], role: str, page: str) -> None:
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    before = _state()
    response = client.get(reverse(page, args=[world["tender"].pk]))
    expected = TENDER_PAGES[page].get(role, 302 if user is None else 403)
    assert response.status_code == expected
    # POST: opening before the opening time changes nothing, for anyone.
    response = client.post(reverse("procurement:tender_opening", args=[world["tender"].pk]))
    assert response.status_code in (302, 403)
    assert _state() == before


def test_supplier_path_through_the_pages(client: Any) -> None:
    tender = make_tender()
    user, org = make_bidder()
    client.force_login(_verified(user))
    response = client.post(reverse("procurement:bid_start", args=[tender.pk]), {"organisation": org.pk})
    bid = Bid.objects.get(tender=tender, organisation=org)
    assert response["Location"] == bid.get_absolute_url()
    bad = SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 exe", content_type="application/pdf")
    response = client.post(reverse("procurement:bid_upload", args=[bid.pk]), {"file": bad}, follow=True)
    assert (
        "type is judged by the content" in response.content.decode()
        or "根据内容" in response.content.decode()
    )
    assert not bid.documents.exists()
    good = SimpleUploadedFile("../../方案.pdf", PDF, content_type="application/pdf")
    client.post(reverse("procurement:bid_upload", args=[bid.pk]), {"file": good})
    assert bid.documents.get().name == "方案.pdf"
    response = client.post(
        reverse("procurement:bid_submit", args=[bid.pk]), {"price": "480000.00", "confirm": "on"}, follow=True
    )
    bid = Bid.objects.get(pk=bid.pk)
    assert bid.status == BidStatus.SUBMITTED
    page = response.content.decode()
    assert bid.receipt.bid_hash in page
    assert bid.documents.get().sha256 in page
    assert "480000" not in page
    client.post(reverse("procurement:bid_replace", args=[bid.pk]))
    replacement = Bid.objects.get(tender=tender, organisation=org, status=BidStatus.DRAFT)
    client.post(
        reverse("procurement:bid_submit", args=[replacement.pk]), {"price": "470000.00", "confirm": "on"}
    )
    assert Bid.objects.get(pk=bid.pk).status == BidStatus.REPLACED
    client.post(reverse("procurement:bid_withdraw", args=[replacement.pk]))
    assert Bid.objects.get(pk=replacement.pk).status == BidStatus.WITHDRAWN
    response = client.get(reverse("procurement:my_bids"))
    assert response.status_code == 200
    assert tender.reference in response.content.decode()


def test_bid_pages_do_not_grow_queries_with_bids(client: Any, django_assert_max_num_queries: Any) -> None:
    tender = make_tender()
    user, org = make_bidder()
    for _ in range(3):
        other = make_tender()
        submit_bid(other, user, org)
    bid = submit_bid(tender, user, org)
    client.force_login(_verified(user))
    with django_assert_max_num_queries(15):
        assert client.get(reverse("procurement:my_bids")).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(reverse("procurement:bid_detail", args=[bid.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("procurement:bid_receipt", args=[bid.pk])).status_code == 200
