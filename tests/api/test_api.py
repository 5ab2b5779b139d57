"""API behaviour beyond the matrix: sealed bids, the error format and language, tokens, rate limits,
pagination, opening through the API, and the schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.api.tokens import api_token_create, token_digest
from accounts.exceptions import DomainError
from accounts.models import ApiToken, AuditEntry, Role
from procurement.models import Tender
from tests.api.test_matrix import MATRIX
from tests.api.world import CANARY, ROLES, ApiWorld, web_client
from tests.evaluation.factories import with_mfa
from tests.factories import UserFactory
from tests.procurement.bidding import pass_deadline
from tests.procurement.factories import make_published

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


def _get_all(world: ApiWorld, role: str) -> list[tuple[str, str]]:
    """Every GET endpoint of the matrix as ``role``: (url, body text)."""
    out = []
    for (path, method), (target, _body, _expected) in MATRIX.items():
        if method != "GET":
            continue
        url = path.replace("{pk}", str(target(world)))
        params = {"page_size": 100} if "{pk}" not in path else {}
        out.append((url, world.client(role).get(url, params).content.decode()))
    return out


def test_sealed_bid_is_not_leaked_before_the_opening(world: ApiWorld) -> None:
    """The canary price appears in no response for anyone; the bid's documents and the bidder's
    identity on the open tender are shown to the bid's own staff only."""
    org_a_name = world.org_a.name
    for role in ROLES:
        for url, text in _get_all(world, role):
            assert CANARY not in text, (role, url)
            assert "480000" not in text or "/awards/" in url or "/results/" in url or "/bids/" in url
            if role != "supplier_a":
                assert "技术方案.pdf" not in text, (role, url)
                assert str(world.bid_a.uuid) not in text, (role, url)
                if f"/tenders/{world.open_tender.pk}/" in url:
                    assert org_a_name not in text, (role, url)
    own = world.client("supplier_a").get(f"/api/v1/bids/{world.bid_a.pk}/").json()
    assert own["opened_price"] is None
    assert [d["name"] for d in own["documents"]] == ["技术方案.pdf"]


def test_purchaser_opens_after_the_deadline_and_reads_the_price(world: ApiWorld) -> None:
    url = f"/api/v1/tenders/{world.open_tender.pk}/open/"
    early = world.client("purchaser_x").post(url)
    assert early.status_code == 400
    assert early.json()["error"]["code"] != "forbidden"
    pass_deadline(world.open_tender)
    assert world.client("purchaser_y").post(url).status_code == 403
    response = world.client("purchaser_x").post(url)
    assert response.status_code == 200, response.json()
    assert response.json()["bids"] == 1
    bid_url = f"/api/v1/bids/{world.bid_a.pk}/"
    bid = world.client("purchaser_x").get(bid_url).json()
    assert bid["opened_price"] == CANARY
    assert [d["name"] for d in bid["documents"]] == ["技术方案.pdf"]
    for role in ("purchaser_y", "supplier_b", "supervisor", "expert"):
        assert world.client(role).get(bid_url).status_code == 404, role
    # The read is on the audit trail, like the web page's.
    assert AuditEntry.objects.filter(actor=world.users["purchaser_x"], action="bid.read_sealed").exists()


def test_supplier_drafts_uploads_submits_and_withdraws(world: ApiWorld) -> None:
    client = world.client("supplier_b")
    started = client.post(f"/api/v1/tenders/{world.open_tender.pk}/bids/", {}, format="json")
    assert started.status_code == 201, started.json()
    pk = started.json()["id"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.procurement.factories import PDF

    upload = client.post(
        f"/api/v1/bids/{pk}/documents/",
        {"file": SimpleUploadedFile("方案.pdf", PDF, content_type="application/pdf")},
        format="multipart",
    )
    assert upload.status_code == 201, upload.json()
    assert [d["name"] for d in upload.json()["documents"]] == ["方案.pdf"]
    submitted = client.post(f"/api/v1/bids/{pk}/submit/", {"price": "450000.00"}, format="json")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["receipt_number"]
    assert "450000" not in str(submitted.json())
    withdrawn = client.post(f"/api/v1/bids/{pk}/withdraw/")
    assert withdrawn.json()["status"] == "withdrawn"


def test_purchaser_drafts_and_publishes_through_the_services(world: ApiWorld) -> None:
    client = world.client("purchaser_x")
    body = {
        "title": "API 起草的项目",
        "category": world.draft.category_id,
        "budget": "500000.00",
        "criteria": [{"name": "服务方案", "max_points": "40"}],
    }
    created = client.post("/api/v1/tenders/", body, format="json")
    assert created.status_code == 201, created.json()
    tender = Tender.objects.get(pk=created.json()["id"])
    assert tender.status == "draft"
    assert tender.reference == created.json()["reference"]
    assert AuditEntry.objects.filter(action="tender.create", object_id=str(tender.pk)).exists()
    # Incomplete for publishing: the compliance check refuses, field by field, in the error format.
    refused = client.post(f"/api/v1/tenders/{tender.pk}/publish/")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "compliance"
    assert refused.json()["error"]["fields"]
    assert Tender.objects.get(pk=tender.pk).status == "draft"
    published = client.post(f"/api/v1/tenders/{world.draft.pk}/publish/")
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"


# --- The error format --------------------------------------------------------------------------


def test_validation_error_names_the_fields(world: ApiWorld) -> None:
    response = world.client("purchaser_x").post("/api/v1/tenders/", {}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert {"title", "category", "budget"} <= set(error["fields"])


def test_not_found_forbidden_and_unauthenticated(world: ApiWorld) -> None:
    missing = world.client("supplier_a").get("/api/v1/tenders/987654/")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert world.client("anonymous").get("/api/v1/no-such-thing/").json()["error"]["code"] == "not_found"
    # Ids and filters beyond what the database stores are a 404 / 400, never a server error
    # (SQLite cannot even bind such an integer).
    huge = "9" * 30
    for url in (f"/api/v1/tenders/{huge}/", f"/api/v1/organisations/{huge}/", f"/api/v1/bids/{huge}/"):
        assert world.client("supplier_a").get(url).status_code == 404, url
    bad_filter = world.client("anonymous").get(f"/api/v1/tenders/?category=-{huge}&page_size=1000")
    assert bad_filter.status_code == 400
    assert set(bad_filter.json()["error"]["fields"]) == {"category", "page_size"}
    forbidden = world.client("supplier_a").post("/api/v1/tenders/", {}, format="json")
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "forbidden"
    anonymous = APIClient().get("/api/v1/me/")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    bad = APIClient(HTTP_AUTHORIZATION="Bearer gb_nonsense").get("/api/v1/tenders/")
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "authentication_failed"


def test_messages_are_in_the_users_language(world: ApiWorld) -> None:
    url = "/api/v1/tenders/987654/"
    assert CJK.search(world.client("supplier_a", language="zh-hans").get(url).json()["error"]["message"])
    assert world.client("supplier_a", language="en").get(url).json()["error"]["message"] == "Not found."
    # No language cookie: the account's saved language.
    user = world.users["supplier_a"]
    user.language = "en"
    user.save(update_fields=["language"])
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {world.tokens['supplier_a']}")
    domain = client.post(f"/api/v1/bids/{world.bid_a.pk}/submit/", {"price": "1"}, format="json")
    assert domain.status_code == 400
    assert not CJK.search(domain.json()["error"]["message"])
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    domain = client.post(f"/api/v1/bids/{world.bid_a.pk}/submit/", {"price": "1"}, format="json")
    assert CJK.search(domain.json()["error"]["message"])


def test_rate_limits(world: ApiWorld, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "100/min", "write": "1/min"},
    }
    anonymous = APIClient()
    assert [anonymous.get("/api/v1/tenders/").status_code for _ in range(3)] == [200, 200, 429]
    throttled = anonymous.get("/api/v1/tenders/")
    assert throttled.json()["error"]["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    # Writes are limited more strictly than reads, per user.
    client = world.client("purchaser_x")
    cancel = f"/api/v1/tenders/{world.open_tender.pk}/cancel/"
    assert client.post(cancel, {"reason": ""}, format="json").status_code == 400
    assert client.post(cancel, {"reason": ""}, format="json").status_code == 429
    assert client.get("/api/v1/tenders/").status_code == 200


# --- Tokens ------------------------------------------------------------------------------------


def test_token_page_creates_a_token_shown_once_and_stored_hashed(world: ApiWorld) -> None:
    user = world.users["supplier_b"]
    client = web_client(user)
    page = client.post("/accounts/api-tokens/", {"name": "ERP"})
    assert page.status_code == 200
    raw = re.search(r"gb_[A-Za-z0-9_\-]+", page.content.decode()).group(0)  # type: ignore[union-attr]
    token = ApiToken.objects.get(user=user, name="ERP")
    assert token.digest == token_digest(raw)
    assert not ApiToken.objects.filter(digest=raw).exists()
    assert raw not in client.get("/accounts/api-tokens/").content.decode()
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/me/").json()["id"] == user.pk
    client.post(f"/accounts/api-tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/me/").status_code == 401
    # Someone else's token cannot be revoked.
    other = ApiToken.objects.filter(user=world.users["supplier_a"]).first()
    assert client.post(f"/accounts/api-tokens/{other.pk}/revoke/").status_code == 404  # type: ignore[union-attr]
    assert Client().get("/accounts/api-tokens/").status_code == 302


def test_mfa_roles_need_an_authenticator_for_a_token(db: Any) -> None:
    evaluator = UserFactory(evaluator=True)
    with pytest.raises(DomainError):
        api_token_create(by=evaluator, name="x")
    page = web_client(evaluator).post("/accounts/api-tokens/", {"name": "x"})
    assert page.status_code == 200
    assert not ApiToken.objects.filter(user=evaluator).exists()
    with_mfa(evaluator)
    _token, raw = api_token_create(by=evaluator, name="x")
    api = APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/me/").status_code == 200
    evaluator.authenticator_set.all().delete()
    refused = api.get("/api/v1/me/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"


def test_inactive_users_tokens_stop_working(db: Any) -> None:
    user = UserFactory(role=Role.SUPPLIER)
    _token, raw = api_token_create(by=user, name="x")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me/").status_code == 401


# --- Pagination and schema ---------------------------------------------------------------------


def test_tender_list_paginates_by_keyset(world: ApiWorld) -> None:
    for _ in range(3):
        make_published(world.users["purchaser_x"])
    expected = list(Tender.objects.public().order_by("-published_at", "-id").values_list("pk", flat=True))
    seen: list[int] = []
    url: str | None = "/api/v1/tenders/?page_size=2"
    client = world.client("anonymous")
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 2
        seen += [t["id"] for t in body["results"]]
        url = body["next"]
    assert seen == expected
    # And back: from the last page, ``previous`` leads to the page before it.
    last = client.get("/api/v1/tenders/?page_size=2").json()
    while last["next"]:
        page_before, last = last, client.get(last["next"]).json()
    back = client.get(last["previous"]).json()
    assert [t["id"] for t in back["results"]] == [t["id"] for t in page_before["results"]]


def test_other_lists_paginate_with_a_cursor(world: ApiWorld) -> None:
    body = world.client("anonymous").get("/api/v1/organisations/?page_size=1").json()
    assert len(body["results"]) == 1
    assert "cursor=" in body["next"]
    second = world.client("anonymous").get(body["next"]).json()
    assert second["results"][0]["id"] != body["results"][0]["id"]


def test_schema_generates_without_warnings(tmp_path: Path) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/tenders/{id}/:" in text
    assert "tokenAuth" in text


def test_schema_and_docs_are_served(db: Any) -> None:
    schema = Client().get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "swagger-ui" in page
    assert "/api/schema/" in page
    assert "cdn" not in page.lower()
    assert "//unpkg" not in page
    reference = Client().get("/api/docs/reference/")
    assert reference.status_code == 200
    assert "/api/v1/tenders/" in reference.content.decode()
