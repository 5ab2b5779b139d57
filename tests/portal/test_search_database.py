"""The database backend end to end (SQLite by default; the same tests run on PostgreSQL when
DATABASE_URL points at it, and ``test_postgres_*`` insist on it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.search import SearchFilters, search, table
from portal.search.base import SearchResult
from tests.portal.search_data import (
    DRAFT_ORGANISATION,
    DRAFT_TITLE,
    SECRET_BIDDER,
    SECRET_PRICE,
    UNANNOUNCED_PRICE,
    UNPUBLISHED_REPORT,
    Record,
    build,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(settings: Any) -> Record:
    settings.SEARCH_BACKEND = "database"
    built = build()
    table.rebuild()  # what the after-commit indexing does (pytest-django's transactions never commit)
    return built


def facet(result: SearchResult, name: str) -> dict[str, int]:
    return {b.key: b.count for f in result.facets if f.name == name for b in f.buckets}


def everything(query: str = "", filters: SearchFilters | None = None) -> list[Any]:
    """Every page of a search, following the cursors."""
    hits: list[Any] = []
    cursor = ""
    for _ in range(50):
        result = search(query, filters or SearchFilters(), cursor=cursor, page_size=2)
        hits.extend(result.hits)
        cursor = result.next_cursor
        if not cursor:
            return hits
    raise AssertionError("cursor never ended")


def text_of(result_hits: list[Any]) -> str:
    return " ".join(
        f"{h.title} {h.snippet} {h.organisation} {h.reference} {h.amount} {h.url}" for h in result_hits
    )


def test_chinese_word_finds_public_items_of_every_kind(record: Record) -> None:
    result = search("养老", SearchFilters())
    found = {(h.kind, h.pk) for h in result.hits}
    assert found == {
        ("tender", record.tender_2026.pk),
        ("tender", record.awarded.pk),
        ("tender", record.awarded.pk + 1),  # "待公告的养老项目": the tender notice itself is public
        ("award", record.award.pk),
        ("contract", record.contract.pk),
        ("organisation", record.entry.pk),
        ("evaluation", record.evaluation.pk),
    }
    assert result.backend == "database"
    award = next(h for h in result.hits if h.kind == "award")
    assert award.organisation == "江门市阳光社会工作服务中心"
    assert award.amount == Decimal("650000.00")
    assert award.url == f"/procurement/awards/{record.award.pk}/"


def test_newest_first_and_cursor_pages_neither_overlap_nor_skip(record: Record) -> None:
    single = search("", SearchFilters(), page_size=50)
    assert not single.next_cursor
    dates = [h.published_at for h in single.hits]
    assert dates == sorted(dates, reverse=True)
    paged = everything()
    assert [(h.kind, h.pk) for h in paged] == [(h.kind, h.pk) for h in single.hits]
    assert len(paged) == 8  # 4 tenders, 1 award, 1 contract, 1 organisation, 1 evaluation
    assert paged[0].kind == "evaluation"  # the newest
    assert paged[0].url == f"/evaluations/results/{record.evaluation.pk}/"


def test_drafts_and_sealed_content_never_appear(record: Record) -> None:
    for query in (
        "",
        UNPUBLISHED_REPORT,
        DRAFT_TITLE,
        SECRET_BIDDER,
        SECRET_PRICE,
        UNANNOUNCED_PRICE,
        DRAFT_ORGANISATION,
        "未公告中标机构",
    ):
        hits = everything(query)
        text = text_of(hits)
        assert DRAFT_TITLE not in text
        assert SECRET_BIDDER not in text
        assert SECRET_PRICE not in text
        assert UNANNOUNCED_PRICE not in text
        assert DRAFT_ORGANISATION not in text
        assert "未公告中标机构" not in text
        assert UNPUBLISHED_REPORT not in text
        assert ("tender", record.draft.pk) not in {(h.kind, h.pk) for h in hits}
    assert everything(SECRET_BIDDER) == []
    assert everything(DRAFT_TITLE) == []


def test_facet_counts(record: Record) -> None:
    result = search("", SearchFilters())
    e, d = str(record.elderly.pk), str(record.disability.pk)
    assert facet(result, "kind") == {
        "tender": 4,
        "award": 1,
        "contract": 1,
        "organisation": 1,
        "evaluation": 1,
    }
    # the organisation counts in both of its categories
    assert facet(result, "category") == {e: 7, d: 2}
    assert facet(result, "department") == {str(record.city.pk): 5, str(record.district.pk): 2}
    assert facet(result, "method") == {"public_tender": 5, "competitive_consultation": 1}
    assert facet(result, "budget") == {"500k-1m": 5, "1m-5m": 1}
    assert facet(result, "year") == {"2026": 7, "2025": 1}
    assert facet(result, "status") == {
        "tender:published": 2,
        "tender:contracted": 1,
        "tender:awarded": 1,
        "award:contracted": 1,
        "contract:published": 1,
        "organisation:in_force": 1,
        "evaluation:final": 1,
    }
    labels = {b.key: b.label for f in result.facets if f.name == "category" for b in f.buckets}
    assert labels == {e: "养老服务", d: "助残服务"}
    assert not result.facets_truncated


@pytest.mark.parametrize(
    ("make_filters", "expected"),
    [
        (lambda r: SearchFilters(kind="award"), lambda r: {("award", r.award.pk)}),
        (
            lambda r: SearchFilters(category=r.disability.pk),
            lambda r: {("tender", r.tender_2025.pk), ("organisation", r.entry.pk)},
        ),
        (
            lambda r: SearchFilters(department=r.district.pk),
            lambda r: {("tender", r.tender_2025.pk), ("tender", r.awarded.pk + 1)},
        ),
        (
            lambda r: SearchFilters(method="competitive_consultation"),
            lambda r: {("tender", r.tender_2025.pk)},
        ),
        (lambda r: SearchFilters(status="contract:published"), lambda r: {("contract", r.contract.pk)}),
        (lambda r: SearchFilters(budget="1m-5m"), lambda r: {("tender", r.tender_2025.pk)}),
        (lambda r: SearchFilters(year=2025), lambda r: {("tender", r.tender_2025.pk)}),
        (lambda r: SearchFilters(status="organisation:in_force"), lambda r: {("organisation", r.entry.pk)}),
    ],
)
def test_each_facet_filter(record: Record, make_filters: Any, expected: Any) -> None:
    filters = make_filters(record)
    result = search("", filters, page_size=50)
    assert {(h.kind, h.pk) for h in result.hits} == expected(record)
    # counts are drill-down: the selected bucket counts exactly what is listed
    name, value = next(iter(filters.active().items()))
    buckets = {b.key: b for f in result.facets if f.name == name for b in f.buckets}
    assert buckets[str(value)].selected
    assert buckets[str(value)].count == len(expected(record)) or name == "category"


def test_query_and_filters_combine(record: Record) -> None:
    result = search("养老", SearchFilters(kind="tender", year=2026, department=record.city.pk))
    assert {h.pk for h in result.hits} == {record.tender_2026.pk, record.awarded.pk}
    assert facet(result, "kind") == {"tender": 2}


def test_exact_reference_number_finds_the_tender(record: Record) -> None:
    result = search(record.tender_2025.reference, SearchFilters())
    assert [(h.kind, h.pk) for h in result.hits] == [("tender", record.tender_2025.pk)]


def test_every_word_must_match(record: Record) -> None:
    assert {h.pk for h in search("长者 助餐", SearchFilters(kind="tender")).hits} == {record.tender_2026.pk}
    assert search("长者 不存在的词", SearchFilters()).hits == []


def test_query_count_is_bounded(record: Record) -> None:
    with CaptureQueriesContext(connection) as ctx:
        result = search("服务", SearchFilters(), page_size=2)
    assert result.hits
    # one page query per kind (+ the directory's current version and its categories), one facet
    # statement, two label look-ups
    # and, with a text query, one index-only probe per kind for the scan window
    assert len(ctx.captured_queries) <= 17
    assert not any(
        "COUNT(*)" in q["sql"] and "GROUP BY" not in q["sql"] and "UNION ALL" not in q["sql"]
        for q in ctx.captured_queries
    )
    assert not any(" OFFSET " in q["sql"] for q in ctx.captured_queries)


def test_bad_input_is_ignored_not_an_error(record: Record) -> None:
    filters = SearchFilters.from_querydict(
        {"kind": "bids", "budget": "all", "year": "20x6", "category": "-1"}
    )
    assert filters == SearchFilters()
    assert search("", SearchFilters(), cursor="garbage").hits


@pytest.mark.postgres
def test_postgres_search_and_facets(record: Record) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    result = search("养老", SearchFilters())
    assert len(result.hits) == 7
    assert facet(result, "year") == {"2026": 7}
    assert facet(result, "budget") == {"500k-1m": 5}
    assert text_of(everything(SECRET_BIDDER)) == ""
    assert [h.pk for h in everything("", SearchFilters(year=2025))] == [record.tender_2025.pk]
