"""Role × endpoint matrix of the REST API.

The endpoints come from the URL resolver (drf-spectacular's enumerator), so a new endpoint fails
``test_every_endpoint_is_in_the_matrix`` until its row is written here. Every call runs in a
transaction that is rolled back, so each row starts from the same world; a refused write must leave
the database exactly as it was, and every refusal answers in the one error format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from drf_spectacular.generators import EndpointEnumerator

from accounts.models import AuditEntry
from evaluation.models import Score
from procurement.models import Award, Bid, BidDocument, Challenge, Contract, Tender
from tests.api.world import ROLES, ApiWorld
from tests.procurement.factories import PDF

pytestmark = pytest.mark.django_db

ALL_200 = dict.fromkeys(ROLES, 200)
SIGNED_IN_200 = {**ALL_200, "anonymous": 401}


def only(allowed: dict[str, int], others: int, anonymous: int = 401) -> dict[str, int]:
    return {role: allowed.get(role, anonymous if role == "anonymous" else others) for role in ROLES}


def tender_body(w: ApiWorld) -> dict[str, Any]:
    t = w.draft
    return {
        "title": "API 起草的项目",
        "category": t.category_id,
        "budget": "500000.00",
        "description": "说明",
        "deposit": "10000.00",
        "qualification_conditions": "具有相关经验。",
        "bid_deadline": t.bid_deadline.isoformat() if t.bid_deadline else None,
        "criteria": [{"name": "服务方案", "max_points": "40"}, {"name": "项目团队", "max_points": "30"}],
    }


# (path, method) -> (target object id, request body, expected status per role)
Row = tuple[Callable[[ApiWorld], int | None], Callable[[ApiWorld], Any], dict[str, int]]
NONE: Callable[[ApiWorld], Any] = lambda w: None  # noqa: E731

MATRIX: dict[tuple[str, str], Row] = {
    ("/api/v1/me/", "GET"): (NONE, NONE, SIGNED_IN_200),
    ("/api/v1/tenders/", "GET"): (NONE, NONE, ALL_200),
    ("/api/v1/tenders/", "POST"): (NONE, tender_body, only({"purchaser_x": 201, "purchaser_y": 201}, 403)),
    ("/api/v1/tenders/{pk}/", "GET"): (lambda w: w.open_tender.pk, NONE, ALL_200),
    ("/api/v1/tenders/{pk}/", "PATCH"): (
        lambda w: w.draft.pk,
        lambda w: {"title": "改过的标题"},
        only({"purchaser_x": 200, "supervisor": 403}, 404),
    ),
    ("/api/v1/tenders/{pk}/publish/", "POST"): (
        lambda w: w.draft.pk,
        NONE,
        only({"purchaser_x": 200, "supervisor": 403}, 404),
    ),
    ("/api/v1/tenders/{pk}/cancel/", "POST"): (
        lambda w: w.open_tender.pk,
        lambda w: {"reason": "预算调整"},
        only({"purchaser_x": 200}, 403),
    ),
    # Before the opening time the owner is refused by the service (400); everyone else by the rule.
    ("/api/v1/tenders/{pk}/open/", "POST"): (
        lambda w: w.open_tender.pk,
        NONE,
        only({"purchaser_x": 400}, 403),
    ),
    # The tender already has its award: the owner is refused by the service.
    ("/api/v1/tenders/{pk}/award/", "POST"): (
        lambda w: w.award_tender.pk,
        lambda w: {"bid": w.award.bid_id},
        only({"purchaser_x": 400}, 403),
    ),
    # Org A already has a sealed bid on the tender; org B starts a draft; nobody else acts for a bidder.
    ("/api/v1/tenders/{pk}/bids/", "POST"): (
        lambda w: w.open_tender.pk,
        lambda w: {},
        only({"supplier_a": 400, "supplier_b": 201}, 403),
    ),
    ("/api/v1/department/tenders/", "GET"): (NONE, NONE, SIGNED_IN_200),
    ("/api/v1/bids/", "GET"): (NONE, NONE, SIGNED_IN_200),
    ("/api/v1/bids/{pk}/", "GET"): (lambda w: w.bid_a.pk, NONE, only({"supplier_a": 200}, 404)),
    # bid_a is submitted: no more documents and no second submission, but it can be withdrawn.
    ("/api/v1/bids/{pk}/documents/", "POST"): (
        lambda w: w.bid_a.pk,
        lambda w: {"file": SimpleUploadedFile("补充.pdf", PDF, content_type="application/pdf")},
        only({"supplier_a": 400}, 404),
    ),
    ("/api/v1/bids/{pk}/submit/", "POST"): (
        lambda w: w.bid_a.pk,
        lambda w: {"price": "1.00"},
        only({"supplier_a": 400}, 404),
    ),
    ("/api/v1/bids/{pk}/withdraw/", "POST"): (lambda w: w.bid_a.pk, NONE, only({"supplier_a": 200}, 404)),
    ("/api/v1/results/", "GET"): (NONE, NONE, SIGNED_IN_200),
    ("/api/v1/awards/", "GET"): (NONE, NONE, ALL_200),
    ("/api/v1/awards/{pk}/", "GET"): (lambda w: w.award.pk, NONE, ALL_200),
    ("/api/v1/awards/{pk}/challenges/", "POST"): (
        lambda w: w.award.pk,
        lambda w: {"grounds": "评分有误。"},
        only({"supplier_a": 201, "supplier_b": 201}, 403),
    ),
    ("/api/v1/awards/{pk}/contract/", "POST"): (
        lambda w: w.award.pk,
        lambda w: {
            "term_start": "2027-01-01",
            "term_end": "2027-12-01",
            "service_content": "助餐服务",
            "milestones": [
                {"title": "启动", "deliverables": "方案", "due_date": "2027-02-01", "percentage": "40"},
                {"title": "结项", "deliverables": "报告", "due_date": "2027-11-01", "percentage": "60"},
            ],
        },
        only({"purchaser_x": 201}, 403),
    ),
    ("/api/v1/contracts/", "GET"): (NONE, NONE, ALL_200),
    # The world's contract is a draft of another department: not published, so not public.
    ("/api/v1/contracts/{pk}/", "GET"): (lambda w: w.contract.pk, NONE, dict.fromkeys(ROLES, 404)),
    ("/api/v1/contracts/{pk}/sign/", "POST"): (
        lambda w: w.contract.pk,
        lambda w: {"sha256": "0" * 64},
        only({"supervisor": 403}, 404),
    ),
    ("/api/v1/organisations/", "GET"): (NONE, NONE, ALL_200),
    ("/api/v1/organisations/{pk}/", "GET"): (lambda w: w.org_a.pk, NONE, ALL_200),
    ("/api/v1/directory/versions/", "GET"): (NONE, NONE, ALL_200),
    ("/api/v1/directory/versions/{pk}/", "GET"): (lambda w: w.directory_version_id, NONE, ALL_200),
    ("/api/v1/directory/versions/{pk}/entries/", "GET"): (lambda w: w.directory_version_id, NONE, ALL_200),
    ("/api/v1/evaluations/", "GET"): (NONE, NONE, ALL_200),
    ("/api/v1/evaluations/{pk}/", "GET"): (lambda w: w.published_evaluation.pk, NONE, ALL_200),
    ("/api/v1/me/evaluations/", "GET"): (NONE, NONE, SIGNED_IN_200),
    ("/api/v1/me/evaluations/{pk}/", "GET"): (
        lambda w: w.evaluation.pk,
        NONE,
        only({"evaluator": 200, "supervisor": 200}, 404),
    ),
    ("/api/v1/me/evaluations/{pk}/scores/", "POST"): (
        lambda w: w.evaluation.pk,
        lambda w: {"indicator": w.leaf.pk, "value": "1.00"},
        only({"evaluator": 200, "supervisor": 403}, 404),
    ),
}


def api_endpoints() -> set[tuple[str, str]]:
    return {(path, method) for path, _regex, method, _cb in EndpointEnumerator().get_api_endpoints()}


def test_every_endpoint_is_in_the_matrix() -> None:
    endpoints = {
        e for e in api_endpoints() if e[0].startswith("/api/v1/") and not e[0].startswith("/api/v1/ocds/")
    }
    assert endpoints == set(MATRIX), "add the new endpoint's row to MATRIX (and remove rows of removed ones)"


def snapshot() -> dict[str, Any]:
    return {
        "audit": AuditEntry.objects.count(),
        "tenders": list(Tender.objects.order_by("pk").values_list("pk", "status", "title", "updated_at")),
        "bids": list(Bid.objects.order_by("pk").values_list("pk", "status")),
        "bid_documents": BidDocument.objects.count(),
        "awards": list(Award.objects.order_by("pk").values_list("pk", "status")),
        "challenges": Challenge.objects.count(),
        "contracts": list(Contract.objects.order_by("pk").values_list("pk", "status", "purchaser_signed_at")),
        "scores": list(Score.objects.order_by("pk").values_list("pk", "value")),
    }


class _Rollback(Exception):
    pass


def call(world: ApiWorld, role: str, path: str, method: str, row: Row) -> tuple[int, Any, bool]:
    """(status, body, changed) of one request, rolled back afterwards."""
    target, body, _expected = row
    pk = target(world)
    url = path.replace("{pk}", str(pk))
    data = body(world)
    multipart = isinstance(data, dict) and any(isinstance(v, SimpleUploadedFile) for v in data.values())
    result: list[Any] = []
    cache.clear()  # rate limits are tested on their own
    try:
        with transaction.atomic():
            before = snapshot()
            client = world.client(role)
            kwargs: dict[str, Any] = {"format": "multipart" if multipart else "json"}
            response = (
                getattr(client, method.lower())(url, data, **kwargs)
                if data is not None
                else getattr(client, method.lower())(url)
            )
            result = [response.status_code, response.json(), snapshot() != before]
            raise _Rollback
    except _Rollback:
        pass
    return result[0], result[1], result[2]


def test_role_endpoint_matrix(world: ApiWorld) -> None:
    failures = []
    for (path, method), row in MATRIX.items():
        for role in ROLES:
            status, body, changed = call(world, role, path, method, row)
            expected = row[2][role]
            if status != expected:
                failures.append(f"{method} {path} as {role}: {status} (expected {expected}) {body}")
                continue
            if status >= 400:
                if set(body) != {"error"} or not {"code", "message", "fields"} <= set(body["error"]):
                    failures.append(f"{method} {path} as {role}: not the error format: {body}")
                if changed:
                    failures.append(f"{method} {path} as {role}: refused ({status}) but the database changed")
            elif method != "GET" and not changed:
                failures.append(f"{method} {path} as {role}: {status} but nothing changed")
    assert not failures, "\n".join(failures)
