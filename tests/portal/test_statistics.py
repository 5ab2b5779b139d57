"""Public statistics: every figure equals the records it counts, aggregated in a bounded number of
queries; sealed bids and drafts never count; the page renders its charts without any script."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from portal import statistics
from tests.portal.stats_data import china, project, sealed_bid, world
from tests.vendors.factories import entry_spec, published_version

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def data() -> dict[str, Any]:
    return world()


def test_by_year_counts_projects_budgets_awards_and_contracts(data: dict[str, Any]) -> None:
    years = {r.key: r for r in statistics.by_year()}
    assert sorted(years) == [2025, 2026]
    assert (years[2025].projects, years[2025].budget) == (1, D("300000.00"))
    assert (years[2025].awards, years[2025].awarded) == (1, D("280000.00"))
    assert (years[2025].contracts, years[2025].contracted) == (1, D("280000.00"))
    # 2026: the tender published at 01:00 on 1 January in China (still 2025 in UTC) counts in 2026;
    # the rescinded award is not money awarded; the draft's 9.9 million is nowhere.
    assert (years[2026].projects, years[2026].budget) == (2, D("700000.00"))
    assert (years[2026].awards, years[2026].awarded) == (1, D("450000.00"))
    assert (years[2026].contracts, years[2026].contracted) == (1, D("450000.00"))


def test_by_category_and_department(data: dict[str, Any]) -> None:
    categories = {r.label: r for r in statistics.by_category()}
    assert (categories["养老服务"].projects, categories["养老服务"].budget) == (2, D("500000.00"))
    assert categories["养老服务"].awarded == D("280000.00")
    assert (categories["助残服务"].projects, categories["助残服务"].contracted) == (1, D("450000.00"))
    departments = {r.label: r for r in statistics.by_department()}
    assert departments["江门市民政局"].budget == D("300000.00")
    assert departments["江门市残联"].budget == D("700000.00")
    assert departments["江门市残联"].awarded == D("450000.00")
    assert [r.label for r in statistics.by_department()] == ["江门市残联", "江门市民政局"]  # largest first


def test_sealed_bids_never_change_a_figure(data: dict[str, Any]) -> None:
    """Statistics read tenders, awards and contracts, never bids: more sealed bids, same figures."""
    before = statistics.statistics()
    for tender in data["tenders"]:
        sealed_bid(tender, name=f"密封投标人{tender.pk}")
    assert statistics.statistics() == before


def test_directory_versions_over_time(data: dict[str, Any]) -> None:
    from tests.factories import OrganisationFactory

    orgs = [OrganisationFactory() for _ in range(3)]
    published_version([entry_spec(orgs[0]), entry_spec(orgs[1])], at=china(2026, 1, 5))
    published_version(
        [entry_spec(orgs[0]), entry_spec(orgs[1]), entry_spec(orgs[2], status="suspended", reason="整改")],
        at=china(2026, 7, 5),
    )
    points = statistics.qualified_over_time()
    assert [(p.listed, p.in_force) for p in points] == [(2, 2), (3, 2)]
    assert [p.number for p in points] == sorted(p.number for p in points)


def test_grades_by_year_are_the_published_evaluations() -> None:
    from tests.evaluation.factories import World

    w = World()
    evaluation = w.published()  # 90 % of every weight: a published grade this year
    grades = statistics.grades_by_year()
    assert len(grades) == 1
    assert grades[0].total == 1
    assert grades[0].counts[evaluation.grade] == 1
    w.submitted(title="未发布的评价")  # submitted, not published: not counted
    assert statistics.grades_by_year()[0].total == 1


def test_page_renders_charts_offline_in_bounded_queries(
    client: Any, data: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    more = data["departments"][0]
    for n in range(6):  # more rows must not mean more queries
        project(department=more, cat=data["categories"][1], budget="1000.00", published=china(2024, 6, n + 1))
    with django_assert_max_num_queries(16):
        response = client.get(reverse("portal:statistics"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") == 6
    assert '<script src="http' not in page
    assert "cdn" not in page.lower()
    assert "江门市残联" in page
    assert "416" in page  # the programme's own figure for 2014
    assert reverse("portal:export", args=["tenders", "csv"]) in page
    assert "密封投标测试中心" not in page
