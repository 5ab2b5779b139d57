"""Search over everything public: tenders, awards, contracts, directory organisations and published
performance evaluation results.

    from portal.search import SearchFilters, search
    result = search("养老", SearchFilters(category=3), cursor="")
    result.hits, result.facets, result.next_cursor

One interface, two backends (``settings.SEARCH_BACKEND``): Elasticsearch when ``ELASTICSEARCH_URL``
is set (``portal.search.es``), otherwise the database (``portal.search.db``). What is public is
decided in one place, ``portal.search.sources``; see docs/portal.md.
"""

from __future__ import annotations

from django.conf import settings

from .base import (
    KINDS,
    PAGE_SIZE,
    Bucket,
    Facet,
    Hit,
    SearchBackend,
    SearchFilters,
    SearchResult,
)

__all__ = [
    "KINDS",
    "PAGE_SIZE",
    "Bucket",
    "Facet",
    "Hit",
    "SearchBackend",
    "SearchFilters",
    "SearchResult",
    "get_backend",
    "search",
]


def get_backend() -> SearchBackend:
    if settings.SEARCH_BACKEND == "elasticsearch":
        from .es import ElasticsearchBackend

        return ElasticsearchBackend()
    from .db import DatabaseBackend

    return DatabaseBackend()


def search(
    query: str, filters: SearchFilters | None = None, cursor: str = "", page_size: int = PAGE_SIZE
) -> SearchResult:
    """One page of public results for ``query`` with facet counts; ``cursor`` = the previous page's
    ``next_cursor``."""
    return get_backend().search(query[:200], filters or SearchFilters(), cursor, page_size)
