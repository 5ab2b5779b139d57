"""Scoring criteria through the API: the past-performance kind (履约评价) and its neutral share, read
and written with the web form's rules (docs/performance-evaluation.md)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from accounts.api.tokens import api_token_create
from procurement.forms.tenders import CriterionFormSet
from procurement.models import ScoringCriterion, Tender
from tests.procurement.factories import department_purchaser, make_draft, service_category

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")
PAST = ScoringCriterion.Kind.PAST_PERFORMANCE


@pytest.fixture
def purchaser(db: Any) -> Any:
    return department_purchaser()


def client_of(user: Any, language: str = "en") -> APIClient:
    client = APIClient()
    client.cookies["django_language"] = language
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(by=user, name='tests')[1]}")
    return client


def body(criteria: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "title": "长者助餐服务",
        "category": service_category().pk,
        "budget": "500000.00",
        "criteria": criteria,
    }


WITH_PAST = [
    {"name": "服务方案", "max_points": "40"},
    {"name": "项目团队", "max_points": "20"},
    {"name": "履约评价", "max_points": "10", "kind": "past_performance", "neutral_share": "50"},
]


def test_purchaser_drafts_a_past_performance_factor_and_reads_it_back(purchaser: Any) -> None:
    client = client_of(purchaser)
    created = client.post("/api/v1/tenders/", body(WITH_PAST), format="json")
    assert created.status_code == 201, created.json()
    criteria = created.json()["criteria"]
    assert [(c["kind"], c["neutral_share"]) for c in criteria] == [
        ("committee", None),
        ("committee", None),
        ("past_performance", "50.00"),
    ]
    # The platform's guidance is published with the factor, as from the web form.
    assert "50%" in criteria[2]["description"]
    assert "E+" not in criteria[2]["description"]
    stored = Tender.objects.get(pk=created.json()["id"]).criteria.get(kind=PAST)
    assert stored.neutral_share == Decimal(50)
    assert client.get(f"/api/v1/tenders/{stored.tender_id}/").json()["criteria"] == criteria


def test_default_kind_is_the_committee_and_default_share_sixty(purchaser: Any) -> None:
    client = client_of(purchaser)
    criteria = [
        {"name": "服务方案", "max_points": "40"},
        {"name": "履约评价", "max_points": "10", "kind": "past_performance"},
    ]
    created = client.post("/api/v1/tenders/", body(criteria), format="json")
    assert created.status_code == 201, created.json()
    assert [(c["kind"], c["neutral_share"]) for c in created.json()["criteria"]] == [
        ("committee", None),
        ("past_performance", "60.00"),
    ]


def test_patch_without_criteria_keeps_the_past_performance_factor(purchaser: Any) -> None:
    client = client_of(purchaser)
    pk = client.post("/api/v1/tenders/", body(WITH_PAST), format="json").json()["id"]
    patched = client.patch(f"/api/v1/tenders/{pk}/", {"title": "改过的标题"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["criteria"][2]["kind"] == "past_performance"
    assert Tender.objects.get(pk=pk).criteria.get(kind=PAST).neutral_share == Decimal(50)


def test_patch_replaces_the_criteria_with_their_kinds(purchaser: Any) -> None:
    draft = make_draft(purchaser)
    client = client_of(purchaser)
    patched = client.patch(f"/api/v1/tenders/{draft.pk}/", {"criteria": WITH_PAST}, format="json")
    assert patched.status_code == 200, patched.json()
    assert draft.criteria.filter(kind=PAST, neutral_share=50).count() == 1
    # A PATCH replaces the criteria whole, so each is checked in full: no points is a 400.
    refused = client.patch(f"/api/v1/tenders/{draft.pk}/", {"criteria": [{"name": "方案"}]}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()["error"]["fields"]) == {"criteria"}
    assert draft.criteria.count() == 3


def web_form_accepts(criteria: list[dict[str, Any]]) -> bool:
    data = {"criteria-TOTAL_FORMS": str(len(criteria)), "criteria-INITIAL_FORMS": "0"}
    for i, c in enumerate(criteria):
        data.update({f"criteria-{i}-{k}": v for k, v in c.items()})
    return CriterionFormSet(data, prefix="criteria").is_valid()


TWO_PAST = [
    {"name": "履约评价", "max_points": "10", "kind": "past_performance"},
    {"name": "历史业绩", "max_points": "10", "kind": "past_performance"},
]
REFUSED = {
    "two past-performance factors": TWO_PAST,
    "share above 100": [
        {"name": "履约评价", "max_points": "10", "kind": "past_performance", "neutral_share": "100.5"}
    ],
    "negative share": [
        {"name": "履约评价", "max_points": "10", "kind": "past_performance", "neutral_share": "-1"}
    ],
    "unknown kind": [{"name": "履约评价", "max_points": "10", "kind": "lottery"}],
    "no points": [{"name": "服务方案", "max_points": "0"}],
}
ACCEPTED = {
    "share 0": [{"name": "履约评价", "max_points": "10", "kind": "past_performance", "neutral_share": "0"}],
    "share 100": [
        {"name": "履约评价", "max_points": "10", "kind": "past_performance", "neutral_share": "100"}
    ],
    "one of each": WITH_PAST,
}


@pytest.mark.parametrize("case", [*REFUSED, *ACCEPTED])
def test_the_api_refuses_what_the_web_form_refuses(purchaser: Any, case: str) -> None:
    criteria = {**REFUSED, **ACCEPTED}[case]
    response = client_of(purchaser).post("/api/v1/tenders/", body(criteria), format="json")
    assert web_form_accepts(criteria) == (case in ACCEPTED)
    assert response.status_code == (201 if case in ACCEPTED else 400), response.json()
    if case in REFUSED:
        assert set(response.json()["error"]["fields"]) == {"criteria"}
        assert Tender.objects.count() == 0


def test_criteria_errors_are_in_the_users_language(purchaser: Any) -> None:
    chinese = client_of(purchaser, "zh-hans").post("/api/v1/tenders/", body(TWO_PAST), format="json")
    english = client_of(purchaser, "en").post("/api/v1/tenders/", body(TWO_PAST), format="json")
    assert english.json()["error"]["fields"]["criteria"] == [
        "A tender has at most one past-performance scoring factor."
    ]
    with translation.override("zh-hans"):
        expected = str(translation.gettext("A tender has at most one past-performance scoring factor."))
    assert CJK.search(expected)
    assert chinese.json()["error"]["fields"]["criteria"] == [expected]
    share = REFUSED["share above 100"]
    message = client_of(purchaser, "zh-hans").post("/api/v1/tenders/", body(share), format="json")
    assert CJK.search(message.json()["error"]["fields"]["criteria"][0])
