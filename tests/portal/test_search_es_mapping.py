"""The Elasticsearch side without a server: the index mappings and the body of every search."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.search.base import SearchFilters, decode_cursor, encode_cursor
from portal.search.documents import DOCUMENTS, TenderDoc, index_body
from portal.search.es import build_search

CJK_TEXT = {"type": "text", "analyzer": "cjk"}
FACET_AGGS = {
    "kind": {"terms": {"field": "kind", "size": 50}},
    "category": {"terms": {"field": "category", "size": 50}},
    "department": {"terms": {"field": "department", "size": 50}},
    "method": {"terms": {"field": "method", "size": 50}},
    "status": {"terms": {"field": "status", "size": 50}},
    "year": {"terms": {"field": "year", "size": 50}},
    "budget": {
        "range": {
            "field": "amount",
            "ranges": [
                {"key": "lt100k", "to": 100000.0},
                {"key": "100k-500k", "from": 100000.0, "to": 500000.0},
                {"key": "500k-1m", "from": 500000.0, "to": 1000000.0},
                {"key": "1m-5m", "from": 1000000.0, "to": 5000000.0},
                {"key": "gte5m", "from": 5000000.0},
            ],
        }
    },
}
DATE_ORDER = [{"published_at": {"order": "desc"}}, {"uid": {"order": "desc"}}]


def test_tender_mapping() -> None:
    assert TenderDoc._doc_type.mapping.to_dict() == {
        "dynamic": "strict",
        "properties": {
            "uid": {"type": "keyword"},
            "kind": {"type": "keyword"},
            "pk": {"type": "integer"},
            "title": {**CJK_TEXT, "fields": {"raw": {"type": "keyword", "ignore_above": 256}}},
            "body": CJK_TEXT,
            "reference": {"type": "keyword"},
            "organisation": CJK_TEXT,
            "category": {"type": "keyword"},
            "category_name": {"type": "keyword", "index": False},
            "department": {"type": "keyword"},
            "department_name": {"type": "keyword", "index": False},
            "method": {"type": "keyword"},
            "status": {"type": "keyword"},
            "amount": {"type": "scaled_float", "scaling_factor": 100},
            "year": {"type": "integer"},
            "published_at": {"type": "date"},
            "url": {"type": "keyword", "index": False},
        },
    }


@pytest.mark.parametrize("kind", list(DOCUMENTS))
def test_every_index_has_the_shared_fields_strictly_and_one_shard(kind: str) -> None:
    body = index_body(kind)
    assert body["settings"] == {"number_of_shards": 1}
    assert body["mappings"]["dynamic"] == "strict"
    props = body["mappings"]["properties"]
    assert props["title"]["analyzer"] == "cjk"
    assert props["body"]["analyzer"] == "cjk"
    for facet in ("category", "department", "method", "status", "kind"):
        assert props[facet] == {"type": "keyword"}
    assert DOCUMENTS[kind]._index._name == f"govbuy-{kind}"
    # Nothing a bid's content could be written into.
    assert not {"price", "bid", "bids", "documents", "opened_price", "bidder"} & set(props)
    if kind == "organisation":
        assert props["version"] == {"type": "integer"}


def test_empty_query_lists_everything_newest_first_with_all_facets() -> None:
    assert build_search("", SearchFilters()).to_dict() == {
        "aggs": FACET_AGGS,
        "sort": DATE_ORDER,
        "size": 21,
        "track_total_hits": False,
    }


def test_text_query_matches_cjk_fields_or_the_reference_and_ranks_first() -> None:
    body = build_search("养老 服务", SearchFilters(), page_size=10).to_dict()
    assert body["query"] == {
        "bool": {
            "should": [
                {
                    "multi_match": {
                        "query": "养老 服务",
                        "fields": ["title^3", "organisation^2", "body"],
                        "type": "best_fields",
                        "operator": "and",
                    }
                },
                {"term": {"reference": {"value": "养老 服务", "boost": 10}}},
            ],
            "minimum_should_match": 1,
        }
    }
    assert body["sort"] == [{"_score": {"order": "desc"}}, *DATE_ORDER]
    assert body["size"] == 11
    assert body["aggs"] == FACET_AGGS


@pytest.mark.parametrize(
    ("filters", "clause"),
    [
        (SearchFilters(kind="award"), {"term": {"kind": "award"}}),
        (SearchFilters(category=7), {"term": {"category": "7"}}),
        (SearchFilters(department=3), {"term": {"department": "3"}}),
        (SearchFilters(method="single_source"), {"term": {"method": "single_source"}}),
        (SearchFilters(status="tender:published"), {"term": {"status": "tender:published"}}),
        (SearchFilters(budget="100k-500k"), {"range": {"amount": {"gte": 100000.0, "lt": 500000.0}}}),
        (SearchFilters(budget="lt100k"), {"range": {"amount": {"lt": 100000.0}}}),
        (SearchFilters(budget="gte5m"), {"range": {"amount": {"gte": 5000000.0}}}),
        (SearchFilters(year=2025), {"term": {"year": 2025}}),
    ],
)
def test_each_facet_filter(filters: SearchFilters, clause: dict) -> None:
    body = build_search("", filters).to_dict()
    assert body["query"] == {"bool": {"filter": [clause]}}
    assert body["aggs"] == FACET_AGGS


def test_filters_combine_with_the_query() -> None:
    body = build_search("助残", SearchFilters(category=2, year=2026)).to_dict()
    assert body["query"]["bool"]["filter"] == [{"term": {"category": "2"}}, {"term": {"year": 2026}}]
    assert body["query"]["bool"]["minimum_should_match"] == 1
    assert len(body["query"]["bool"]["should"]) == 2


def test_next_page_uses_search_after_never_from() -> None:
    cursor = encode_cursor(["2026-03-01T00:00:00+00:00", "tender-9"])
    body = build_search("", SearchFilters(), cursor=cursor).to_dict()
    assert body["search_after"] == ["2026-03-01T00:00:00+00:00", "tender-9"]
    assert "from" not in body
    # A cursor of another sort (with a score) is ignored rather than sent to the server.
    assert (
        "search_after"
        not in build_search("", SearchFilters(), cursor=encode_cursor([1.0, "x", "y"])).to_dict()
    )
    assert "search_after" not in build_search("", SearchFilters(), cursor="not-a-cursor!").to_dict()


def test_search_runs_over_the_five_aliases() -> None:
    search = build_search("", SearchFilters())
    assert search._index == [
        "govbuy-tender",
        "govbuy-award",
        "govbuy-contract",
        "govbuy-organisation",
        "govbuy-evaluation",
    ]
    assert search._params == {"ignore_unavailable": True}


def test_cursor_round_trip() -> None:
    assert decode_cursor(encode_cursor(["a", 1, 2.5])) == ["a", 1, 2.5]
    assert decode_cursor("%%%") is None
    assert decode_cursor(encode_cursor({"a": 1})) is None  # type: ignore[arg-type]


@pytest.mark.django_db
def test_a_server_response_becomes_hits_facets_and_the_next_cursor() -> None:
    """What the backend makes of a response as Elasticsearch 8 sends it (no server needed)."""
    from elasticsearch.dsl.response import Response

    from portal.search.es import result_from_response
    from vendors.models import ServiceCategory

    elderly = ServiceCategory.objects.get(code="YL")
    source = {
        "uid": "tender-5",
        "kind": "tender",
        "pk": 5,
        "title": "长者饭堂养老服务",
        "body": "为辖区长者提供助餐服务。",
        "reference": "JMMZ-2026-0005",
        "category": [str(elderly.pk)],
        "category_name": "养老服务",
        "department": "1",
        "department_name": "江门市民政局",
        "method": "public_tender",
        "status": "tender:published",
        "amount": 800000.0,
        "year": 2026,
        "published_at": "2026-03-02T01:00:00+00:00",
        "url": "/procurement/tenders/5/",
    }
    raw = {
        "took": 3,
        "timed_out": False,
        "hits": {
            "max_score": None,
            "hits": [
                {
                    "_index": "govbuy-tender-1",
                    "_id": "tender-5",
                    "_score": 2.5,
                    "_source": source,
                    "sort": [2.5, 1772413200000, "tender-5"],
                },
                {
                    "_index": "govbuy-tender-1",
                    "_id": "tender-4",
                    "_score": 2.0,
                    "_source": {**source, "uid": "tender-4", "pk": 4},
                    "sort": [2.0, 1772413100000, "tender-4"],
                },
            ],
        },
        "aggregations": {
            "kind": {"buckets": [{"key": "tender", "doc_count": 2}]},
            "category": {"buckets": [{"key": str(elderly.pk), "doc_count": 2}]},
            "department": {"buckets": [{"key": "1", "doc_count": 2}]},
            "method": {"buckets": [{"key": "public_tender", "doc_count": 2}]},
            "status": {"buckets": [{"key": "tender:published", "doc_count": 2}]},
            "year": {"buckets": [{"key": 2026, "doc_count": 2}]},
            "budget": {
                "buckets": [
                    {"key": "lt100k", "to": 100000.0, "doc_count": 0},
                    {"key": "500k-1m", "from": 500000.0, "to": 1000000.0, "doc_count": 2},
                ]
            },
        },
    }
    search = build_search("养老", SearchFilters(), page_size=1)
    result = result_from_response(Response(search, raw), SearchFilters(), page_size=1)
    assert [(h.kind, h.pk, h.title, h.url) for h in result.hits] == [
        ("tender", 5, "长者饭堂养老服务", "/procurement/tenders/5/")
    ]
    assert result.hits[0].amount == Decimal("800000.0")
    assert result.hits[0].category == "养老服务"
    assert decode_cursor(result.next_cursor) == [2.5, 1772413200000, "tender-5"]
    facets = {f.name: {b.key: (b.label, b.count) for b in f.buckets} for f in result.facets}
    assert facets["category"] == {str(elderly.pk): ("养老服务", 2)}
    assert facets["year"] == {"2026": ("2026", 2)}
    assert facets["budget"] == {"500k-1m": ("50 万–100 万元", 2)}  # empty buckets are left out
    assert facets["status"]["tender:published"][1] == 2
