"""The public search page (/search/): query, facets, cursor pages; htmx swaps the results in place."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.pagecache import public_page
from portal.search import SearchFilters, search
from portal.search.base import FACET_NAMES


def _facet_links(facets: list[Any], params: dict[str, str]) -> list[dict[str, Any]]:
    """Each bucket with the query string that selects it (or, when selected, removes it)."""
    from urllib.parse import urlencode

    out = []
    for facet in facets:
        buckets = []
        for bucket in facet.buckets:
            chosen = {k: v for k, v in params.items() if v}
            if bucket.selected:
                chosen.pop(facet.name, None)
            else:
                chosen[facet.name] = bucket.key
            buckets.append({"bucket": bucket, "query": urlencode(chosen)})
        if buckets:
            out.append({"facet": facet, "buckets": buckets})
    return out


@require_GET
@public_page
def search_page(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:200]
    filters = SearchFilters.from_querydict(request.GET)
    result = search(query, filters, cursor=request.GET.get("after", ""))
    params = {"q": query, **{name: str(value) for name, value in filters.active().items()}}
    from urllib.parse import urlencode

    context = {
        "query": query,
        "filters": filters,
        "result": result,
        "facets": _facet_links(result.facets, params),
        "params": urlencode({k: v for k, v in params.items() if v}),
        "facet_names": FACET_NAMES,
        "is_continued": bool(request.GET.get("after")),
    }
    template = "portal/search.html"
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        template = "portal/search_results.html"
    return render(request, template, context)
