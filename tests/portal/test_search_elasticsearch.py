"""Against a real Elasticsearch server: runs only when ELASTICSEARCH_URL is set (CI's search job),
with its own index prefix so it never touches a site's indices."""

from __future__ import annotations

import os
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from portal.search import SearchFilters, search
from tests.portal.search_data import DRAFT_TITLE, SECRET_BIDDER, SECRET_PRICE, Record, build

URL = os.environ.get("ELASTICSEARCH_URL", "")
pytestmark = [
    pytest.mark.elasticsearch,
    pytest.mark.django_db,
    pytest.mark.skipif(not URL, reason="needs ELASTICSEARCH_URL"),
]


@pytest.fixture
def indexed(settings: Any) -> Any:
    from portal.search import es
    from portal.search.base import KINDS

    settings.ELASTICSEARCH_URL = URL
    settings.SEARCH_BACKEND = "elasticsearch"
    # The Document classes carry the default prefix; the test indices carry the test's.
    settings.SEARCH_INDEX_PREFIX = "govbuy-test"
    record = build()
    out = StringIO()
    call_command("search_index", "--rebuild", stdout=out)
    yield record, out.getvalue()
    client = es.client()
    for kind in KINDS:
        name = es.index_name(kind)
        if client.indices.exists_alias(name=name):
            for concrete in client.indices.get_alias(name=name).body:
                client.indices.delete(index=concrete)


def test_rebuild_then_search_a_chinese_word_with_facets(indexed: tuple[Record, str]) -> None:
    record, output = indexed
    assert "govbuy-test-tender: 4 documents" in output
    assert "govbuy-test-award: 1 documents" in output
    assert "govbuy-test-organisation: 1 documents" in output

    result = search("养老", SearchFilters())
    found = {(h.kind, h.pk) for h in result.hits}
    assert ("tender", record.tender_2026.pk) in found
    assert ("award", record.award.pk) in found
    assert ("contract", record.contract.pk) in found
    assert ("organisation", record.entry.pk) in found
    assert ("tender", record.tender_2025.pk) not in found
    facets = {f.name: {b.key: b.count for b in f.buckets} for f in result.facets}
    assert facets["kind"]["tender"] == 3
    assert facets["year"] == {"2026": 7}
    assert facets["budget"]["500k-1m"] == 5
    assert facets["category"][str(record.elderly.pk)] == 7
    assert ("evaluation", record.evaluation.pk) in found

    only_2025 = search("", SearchFilters(year=2025))
    assert [(h.kind, h.pk) for h in only_2025.hits] == [("tender", record.tender_2025.pk)]

    for query in (DRAFT_TITLE, SECRET_BIDDER, SECRET_PRICE):
        assert search(query, SearchFilters()).hits == []


def test_pages_by_search_after(indexed: tuple[Record, str]) -> None:
    seen: list[tuple[str, int]] = []
    cursor = ""
    for _ in range(10):
        result = search("", SearchFilters(), cursor=cursor, page_size=3)
        seen.extend((h.kind, h.pk) for h in result.hits)
        cursor = result.next_cursor
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 8
