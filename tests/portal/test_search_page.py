"""The public search page: results, facets that update in place (htmx), Chinese by default."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts import navigation
from portal.search import table
from tests.i18n import in_english
from tests.portal.search_data import DRAFT_TITLE, SECRET_BIDDER, Record, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(settings: Any) -> Record:
    settings.SEARCH_BACKEND = "database"
    built = build()
    table.rebuild()  # what the after-commit indexing does (pytest-django's transactions never commit)
    return built


def test_search_page_in_chinese_with_results_and_facets(client: Client, record: Record) -> None:
    response = client.get(reverse("portal:search"), {"q": "养老"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "搜索" in html
    assert 'role="search"' in html
    assert record.tender_2026.title in html
    assert f'href="/procurement/tenders/{record.tender_2026.pk}/"' in html
    assert f'href="/procurement/awards/{record.award.pk}/"' in html
    assert "养老服务" in html  # category facet label
    assert DRAFT_TITLE not in html
    assert SECRET_BIDDER not in html
    assert 'hx-target="#search-results"' in html


def test_facet_link_selects_and_htmx_gets_only_the_results(client: Client, record: Record) -> None:
    response = client.get(
        reverse("portal:search"), {"q": "养老", "kind": "award"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html  # a fragment for the swap
    assert 'aria-current="true"' in html
    assert response.context["result"].hits[0].kind == "award"
    assert len(response.context["result"].hits) == 1
    # the selected bucket's link removes the filter again
    kind_links = next(f for f in response.context["facets"] if f["facet"].name == "kind")["buckets"]
    assert kind_links[0]["bucket"].selected
    assert "kind=" not in kind_links[0]["query"]
    # in the fragment too, every facet link asks the search page itself for the results
    assert f'hx-get="{reverse("portal:search")}?{kind_links[0]["query"]}"' in html


def test_english_and_nothing_found(record: Record) -> None:
    html = in_english().get(reverse("portal:search"), {"q": "不存在的词"}).content.decode()
    assert "Nothing public matches your search." in html


def test_navigation_entry_for_everyone() -> None:
    from django.contrib.auth.models import AnonymousUser

    items = navigation.items_for(AnonymousUser())
    assert any(item["url"] == reverse("portal:search") for item in items)


def test_page_query_budget(client: Client, record: Record, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(20):
        response = client.get(reverse("portal:search"), {"q": "服务", "category": record.elderly.pk})
    assert response.status_code == 200
