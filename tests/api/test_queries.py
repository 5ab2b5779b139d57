"""The API's reads make a bounded number of queries, whatever the size of what they show."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from procurement.services.tenders import clarification_answer
from tests.procurement.factories import department_purchaser, make_published

pytestmark = pytest.mark.django_db


def queries(url: str) -> int:
    client = APIClient()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def published_with(n: int) -> Any:
    purchaser = department_purchaser()
    tender = make_published(purchaser, documents=max(n, 1))
    for i in range(n):
        clarification_answer(tender=tender, by=purchaser, answer=f"澄清{i}")
    return tender


def test_tender_page_queries_do_not_grow_with_its_documents_and_clarifications() -> None:
    small, large = published_with(1), published_with(6)  # 1 and 6 documents, clarifications
    assert queries(f"/api/v1/tenders/{small.pk}/") == queries(f"/api/v1/tenders/{large.pk}/")
    body = APIClient().get(f"/api/v1/tenders/{large.pk}/").json()
    assert len(body["documents"]) == 6
    assert len(body["clarifications"]) == 6


def test_tender_list_queries_do_not_grow_with_the_page(django_assert_max_num_queries: Any) -> None:
    published_with(0)
    one = queries("/api/v1/tenders/")
    for _ in range(5):
        published_with(0)
    assert queries("/api/v1/tenders/") == one
    with django_assert_max_num_queries(3):
        APIClient().get("/api/v1/tenders/?page_size=100")
