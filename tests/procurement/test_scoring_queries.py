"""The committee's results (``compute_results``) read a fixed number of queries, whatever the number
of members, bids and criteria (issue 9: 7 experts × 50 bids × 20 criteria in ≤ 5 queries)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from procurement.models import Committee
from procurement.services.scoring import compute_results
from tests.bench.scoring import seed

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("experts", "bids", "criteria"), [(3, 4, 2), (7, 12, 6)])
def test_results_in_five_queries(
    django_assert_max_num_queries: Any, experts: int, bids: int, criteria: int
) -> None:
    committee = seed(experts=experts, bids=bids, criteria=criteria, tag="T")
    # As ``report_submit`` loads it: the committee with its tender.
    committee = Committee.objects.select_related("tender").get(pk=committee.pk)
    with django_assert_max_num_queries(5):
        results = compute_results(committee)
    assert len(results["members"]) == experts
    assert len(results["criteria"]) == criteria
    assert results["past_performance"] is not None
    ranking = results["ranking"]
    assert len(ranking) == bids
    assert ranking[0]["rank"] == 1
    totals = [Decimal(r["total"]) for r in ranking]
    assert totals == sorted(totals, reverse=True)
    for row in ranking:
        assert len(row["member_scores"]) == experts
        for member in row["member_scores"]:
            points = [Decimal(c["points"]) for c in member["criteria"].values()]
            assert len(points) == criteria
            assert Decimal(member["total"]) == sum(points, Decimal(0))
