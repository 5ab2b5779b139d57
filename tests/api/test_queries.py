"""The API's reads make a bounded number of queries, whatever the size of what they show."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from procurement.services.tenders import clarification_answer
from tests.api.world import CANARY, ApiWorld
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


# --- Every list endpoint: the same queries for a page of 1 and a page of 100 ------------------------

# (url, role): every GET list operation of the API (test_every_list_endpoint_is_counted keeps this
# in step with the resolver). A list that checked a permission or loaded a relation per row would
# make more queries for the larger page.
LISTS: list[tuple[str, str]] = [
    ("/api/v1/tenders/", "anonymous"),
    ("/api/v1/department/tenders/", "purchaser_x"),
    ("/api/v1/bids/", "supplier_a"),
    ("/api/v1/results/", "supplier_a"),
    ("/api/v1/awards/", "anonymous"),
    ("/api/v1/contracts/", "anonymous"),
    ("/api/v1/organisations/", "anonymous"),
    ("/api/v1/directory/versions/", "anonymous"),
    ("/api/v1/directory/versions/{version}/entries/", "anonymous"),
    ("/api/v1/evaluations/", "anonymous"),
    ("/api/v1/me/evaluations/", "evaluator"),
]
# Authentication (token, user) and, for some lists, one look-up before the rows: the rows, their
# joins and one query per prefetched relation make the rest.
MAX_LIST_QUERIES = 7


def more_rows(world: ApiWorld) -> None:
    """A second row where the world has only one, so a page of 100 holds more than a page of 1."""
    from procurement.models import Contract, ContractStatus
    from tests.procurement import award_setup

    # Another bid of org A that reached the opening (results/).
    award_setup.make_bid(award_setup.make_tender(), "88000.00", organisation=world.org_a)
    # Two published contracts: the world's draft contract and one more, put into that state directly
    # (the signing flow has its own tests).
    _, _, second = award_setup.drafted()
    Contract.objects.filter(pk__in=[world.contract.pk, second.pk]).update(
        status=ContractStatus.PUBLISHED, published_at=timezone.now(), signed_at=timezone.now()
    )
    # A second published evaluation.
    world.evaluation_world.published(title="第三个项目")


def list_url(world: ApiWorld, url: str, page_size: int) -> str:
    return url.replace("{version}", str(world.directory_version_id)) + f"?page_size={page_size}"


def test_every_list_endpoint_is_counted() -> None:
    from tests.api.test_matrix import MATRIX

    lists = {
        path for (path, method) in MATRIX if method == "GET" and not path.rstrip("/").endswith("{pk}")
    } - {"/api/v1/me/"}
    assert lists == {url.replace("{version}", "{pk}") for url, _role in LISTS}


@pytest.mark.parametrize(("url", "role"), LISTS, ids=[u for u, _r in LISTS])
def test_list_queries_do_not_grow_with_the_page_size(
    world: ApiWorld, url: str, role: str, django_assert_max_num_queries: Any
) -> None:
    more_rows(world)
    client = world.client(role)
    client.get(list_url(world, url, 1))  # a token's first use of the minute records it (one UPDATE)
    counts, sizes = [], []
    for page_size in (1, 100):
        with (
            django_assert_max_num_queries(MAX_LIST_QUERIES),
            CaptureQueriesContext(connection) as ctx,
        ):
            response = client.get(list_url(world, url, page_size))
        assert response.status_code == 200, response.content
        counts.append(len(ctx.captured_queries))
        sizes.append(len(response.json()["results"]))
    assert sizes[0] == 1
    assert sizes[1] > 1, f"{url}: the test needs more than one row ({sizes})"
    assert counts[0] == counts[1], f"{url}: {counts[0]} queries for 1 row, {counts[1]} for {sizes[1]}"


def test_bid_list_shows_each_own_bid_as_its_rules_allow(world: ApiWorld) -> None:
    """The list decides the permission in SQL (``bids_owned_by``); every row must agree with the rule
    the detail checks row by row: documents to the owner, the price only after the opening."""
    from procurement.models import Bid
    from procurement.services.bids import can

    more_rows(world)
    user = world.users["supplier_a"]
    rows = world.client("supplier_a").get("/api/v1/bids/?page_size=100").json()["results"]
    assert {r["id"] for r in rows} == set(
        Bid.objects.filter(organisation=world.org_a).values_list("pk", flat=True)
    )
    for row in rows:
        bid = Bid.objects.get(pk=row["id"])
        assert can(user, "procurement.change_bid", bid)
        assert (row["documents"] is not None) == (
            can(user, "procurement.change_bid", bid) or can(user, "procurement.read_bid_documents", bid)
        )
        assert (row["opened_price"] is not None) == can(user, "procurement.read_bid_documents", bid)
    assert any(r["opened_price"] for r in rows)
    assert any(r["opened_price"] is None for r in rows)
    assert str(CANARY) not in str(rows)


@pytest.mark.parametrize("role", ["purchaser_x", "expert", "supervisor", "anonymous"])
def test_bid_list_is_empty_for_anyone_but_suppliers(world: ApiWorld, role: str) -> None:
    response = world.client(role).get("/api/v1/bids/")
    assert response.status_code == (401 if role == "anonymous" else 200)
    if role != "anonymous":
        assert response.json()["results"] == []
