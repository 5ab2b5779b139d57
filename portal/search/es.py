"""The Elasticsearch backend: one query over the five indices, facets as aggregations, pages by
``search_after`` (never ``from``), so a deep page costs what the first one does."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from django.conf import settings
from django.utils import timezone
from elasticsearch import Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import Q, Search

from .base import BUDGET_RANGES, KINDS, PAGE_SIZE, SearchFilters, SearchResult, decode_cursor, encode_cursor
from .documents import document_source, index_body, index_name
from .facets import FACET_SIZE, build_facets
from .sources import SOURCES, hit_from_record

TEXT_FIELDS = ["title^3", "organisation^2", "body"]
TERM_FACETS = {
    "kind": "kind",
    "category": "category",
    "department": "department",
    "method": "method",
    "status": "status",
    "year": "year",
}


@cache
def _client(url: str) -> Elasticsearch:
    return Elasticsearch(url, request_timeout=10, retry_on_timeout=True, max_retries=2)


def client() -> Elasticsearch:
    return _client(settings.ELASTICSEARCH_URL)


def all_indices() -> list[str]:
    return [index_name(kind) for kind in KINDS]


def build_search(query: str, filters: SearchFilters, cursor: str = "", page_size: int = PAGE_SIZE) -> Search:
    """The request body of one search page (tests assert ``build_search(...).to_dict()``)."""
    search = Search(index=all_indices()).params(ignore_unavailable=True)
    query = query.strip()
    if query:
        search = search.query(
            Q(
                "bool",
                should=[
                    # cjk bigrams; "and": every bigram of the query must be in the same field
                    Q("multi_match", query=query, fields=TEXT_FIELDS, type="best_fields", operator="and"),
                    Q("term", reference={"value": query, "boost": 10}),
                ],
                minimum_should_match=1,
            )
        )
    for name in ("kind", "department", "method", "status"):
        value = getattr(filters, name)
        if value:
            search = search.filter("term", **{name: str(value)})
    if filters.category:
        search = search.filter("term", category=str(filters.category))
    if filters.year:
        search = search.filter("term", year=filters.year)
    if filters.budget:
        low, high = filters.budget_bounds()
        bounds: dict[str, float] = {}
        if low is not None:
            bounds["gte"] = float(low)
        if high is not None:
            bounds["lt"] = float(high)
        search = search.filter("range", amount=bounds)
    for name, field in TERM_FACETS.items():
        search.aggs.bucket(name, "terms", field=field, size=FACET_SIZE)
    ranges: list[dict[str, Any]] = []
    for key, low, high, _label in BUDGET_RANGES:
        bucket: dict[str, Any] = {"key": key}
        if low is not None:
            bucket["from"] = float(low)
        if high is not None:
            bucket["to"] = float(high)
        ranges.append(bucket)
    search.aggs.bucket("budget", "range", field="amount", ranges=ranges)
    order: list[Any] = [{"published_at": {"order": "desc"}}, {"uid": {"order": "desc"}}]
    if query:
        order.insert(0, {"_score": {"order": "desc"}})
    search = search.sort(*order)
    extra: dict[str, Any] = {"size": page_size + 1, "track_total_hits": False}
    after = decode_cursor(cursor)
    if after is not None and len(after) == len(order):
        extra["search_after"] = after
    return search.extra(**extra)


class ElasticsearchBackend:
    name = "elasticsearch"

    def search(
        self, query: str, filters: SearchFilters, cursor: str = "", page_size: int = PAGE_SIZE
    ) -> SearchResult:
        response = build_search(query, filters, cursor, page_size).using(client()).execute()
        return result_from_response(response, filters, page_size)


def result_from_response(response: Any, filters: SearchFilters, page_size: int) -> SearchResult:
    """Hits, facet counts and the next cursor from an ``elasticsearch.dsl`` response."""
    raw = list(response.hits)
    hits = [hit_from_record(h.to_dict()) for h in raw[:page_size]]
    next_cursor = encode_cursor(list(raw[page_size - 1].meta.sort)) if len(raw) > page_size else ""
    counts: dict[str, dict[str, int]] = {}
    aggregations = response.aggregations
    for name in [*TERM_FACETS, "budget"]:
        agg = getattr(aggregations, name, None) if name in aggregations else None
        counts[name] = {str(b.key): b.doc_count for b in agg.buckets} if agg is not None else {}
    return SearchResult(
        hits=hits, facets=build_facets(counts, filters), next_cursor=next_cursor, backend="elasticsearch"
    )


# --- indexing --------------------------------------------------------------------------------------
def index_action(record: dict[str, Any], index: str | None = None) -> dict[str, Any]:
    return {
        "_op_type": "index",
        "_index": index or index_name(record["kind"]),
        "_id": record["uid"],
        "_source": document_source(record),
    }


def delete_action(kind: str, uid: str) -> dict[str, Any]:
    return {"_op_type": "delete", "_index": index_name(kind), "_id": uid}


def object_actions(model_label: str, pk: int) -> list[dict[str, Any]]:
    """The bulk actions that bring the index in line with one changed row (idempotent: running them
    twice leaves the same index). Public → its document is (re)written; anything else → removed."""
    if model_label.lower() in ("vendors.directoryversion", "vendors.directoryentry"):
        return directory_actions()
    for kind, source in SOURCES.items():
        if source.model._meta.label_lower != model_label.lower():
            continue
        obj = source.public_queryset().filter(pk=pk).first()
        if obj is None:
            return [delete_action(kind, f"{kind}-{pk}")]
        return [index_action(source.record(obj))]
    raise ValueError(f"not a searchable model: {model_label}")


def directory_actions() -> list[dict[str, Any]]:
    """A newly published directory version replaces every organisation document (removals are done by
    ``prune_directory`` after the bulk)."""
    source = SOURCES["organisation"]
    return [index_action(source.record(entry)) for entry in source.public_queryset().iterator(chunk_size=500)]


def _is_missing(item: dict[str, Any]) -> bool:
    info: dict[str, Any] = next(iter(item.values()), {})
    return info.get("status") == 404


def apply_actions(actions: Iterable[dict[str, Any]]) -> int:
    """Send actions in bulk; deleting a document that is not there is not an error."""
    done = 0
    for ok, item in helpers.streaming_bulk(
        client(), actions, chunk_size=500, raise_on_error=False, raise_on_exception=True
    ):
        if not ok and not _is_missing(item):
            raise RuntimeError(f"bulk indexing failed: {item}")
        done += 1
    return done


def prune_directory() -> None:
    """Organisations no longer in the current directory version leave the index."""
    from vendors.models import DirectoryVersion

    version = (
        DirectoryVersion.objects.published()
        .order_by("-published_at", "-number")
        .values_list("number", flat=True)
        .first()
    )
    if version is None:
        return
    with contextlib.suppress(NotFoundError):
        client().delete_by_query(
            index=index_name("organisation"),
            query={"range": {"version": {"lt": version}}},
            conflicts="proceed",
            refresh=True,
        )


def all_records(kind: str) -> Iterator[dict[str, Any]]:
    source = SOURCES[kind]
    qs = source.public_queryset().order_by("pk")
    yield from (source.record(obj) for obj in qs.iterator(chunk_size=1000))


def rebuild(kinds: Iterable[str] = KINDS, out: Any = None) -> dict[str, int]:
    """Each kind into a fresh concrete index, then the alias swapped to it in one step, then the old
    index dropped: searches keep answering from the old index until the new one is complete."""
    es = client()
    counts: dict[str, int] = {}
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    for kind in kinds:
        alias = index_name(kind)
        concrete = f"{alias}-{stamp}"
        es.indices.create(index=concrete, **index_body(kind))
        actions = (index_action(record, concrete) for record in all_records(kind))
        counts[kind] = apply_actions(actions)
        es.indices.refresh(index=concrete)
        old: list[str] = []
        if es.indices.exists_alias(name=alias):
            old = list(es.indices.get_alias(name=alias).body)
        elif es.indices.exists(index=alias):
            es.indices.delete(index=alias)  # a plain index in the alias's place (an older layout)
        swap: list[dict[str, Any]] = [{"remove": {"index": name, "alias": alias}} for name in old]
        swap.append({"add": {"index": concrete, "alias": alias, "is_write_index": True}})
        es.indices.update_aliases(actions=swap)
        for name in old:
            es.indices.delete(index=name, ignore_unavailable=True)
        if out is not None:
            out(f"{alias}: {counts[kind]} documents")
    return counts
