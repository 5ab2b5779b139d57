"""The public tender list pages by keyset on (published_at desc, id desc): next and previous
cursors, one bounded query per page, never an OFFSET and never a COUNT."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procurement.selectors.tenders import TenderFilters, tender_public_page
from tests.factories import DepartmentFactory
from tests.portal.search_data import _tender, category

pytestmark = pytest.mark.django_db
CHINA = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def tenders() -> list[Any]:
    """Seven public tenders, two sharing a publication instant (the id breaks the tie), and a draft."""
    department = DepartmentFactory(code="JMMZ", name="江门市民政局")
    cat = category("YL", "养老服务")
    start = datetime(2026, 1, 1, 9, 0, tzinfo=CHINA)
    made = [
        _tender(department, cat, f"项目{i}", status="published", published=start + timedelta(days=min(i, 5)))
        for i in range(7)
    ]
    _tender(department, cat, "草稿", status="draft", published=None)
    # newest first: published_at desc, id desc
    return sorted(made, key=lambda t: (t.published_at, t.pk), reverse=True)


def test_next_and_previous_pages_walk_the_list_both_ways(tenders: list[Any]) -> None:
    ids = [t.pk for t in tenders]
    first = tender_public_page(TenderFilters(), page_size=3)
    assert [t.pk for t in first.items] == ids[:3]
    assert first.is_first
    assert first.prev_cursor == ""
    second = tender_public_page(TenderFilters(), cursor=first.next_cursor, page_size=3)
    assert [t.pk for t in second.items] == ids[3:6]
    third = tender_public_page(TenderFilters(), cursor=second.next_cursor, page_size=3)
    assert [t.pk for t in third.items] == ids[6:]
    assert third.next_cursor == ""
    back = tender_public_page(TenderFilters(), before=third.prev_cursor, page_size=3)
    assert [t.pk for t in back.items] == ids[3:6]
    assert back.next_cursor
    assert not back.is_first
    back_again = tender_public_page(TenderFilters(), before=back.prev_cursor, page_size=3)
    assert [t.pk for t in back_again.items] == ids[:3]
    assert back_again.is_first
    assert back_again.prev_cursor == ""


def test_a_tender_published_meanwhile_does_not_shift_the_next_page(tenders: list[Any]) -> None:
    first = tender_public_page(TenderFilters(), page_size=3)
    _tender(
        tenders[0].department,
        tenders[0].category,
        "新项目",
        status="published",
        published=datetime(2026, 6, 1, tzinfo=CHINA),
    )
    second = tender_public_page(TenderFilters(), cursor=first.next_cursor, page_size=3)
    assert [t.pk for t in second.items] == [t.pk for t in tenders[3:6]]


def test_a_page_is_one_query_without_offset_or_count(tenders: list[Any]) -> None:
    first = tender_public_page(TenderFilters(), page_size=3)
    for kwargs in ({}, {"cursor": first.next_cursor}, {"before": first.next_cursor}):
        with CaptureQueriesContext(connection) as ctx:
            tender_public_page(TenderFilters(), page_size=3, **kwargs)
        assert len(ctx.captured_queries) == 1
        sql = ctx.captured_queries[0]["sql"].upper()
        assert "COUNT(" not in sql
        assert "OFFSET" not in sql
        assert "LIMIT 4" in sql
        assert "ORDER BY" in sql


def test_list_page_links_and_query_budget(client: Client, tenders: list[Any]) -> None:
    url = reverse("procurement:tender_list")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
    assert not any("OFFSET" in q["sql"].upper() for q in ctx.captured_queries)
    assert len(ctx.captured_queries) <= 8
    page = response.context["page"]
    assert page.next_cursor == ""
    assert page.prev_cursor == ""
    assert "草稿" not in response.content.decode()

    small = tender_public_page(TenderFilters(), page_size=3)
    html = client.get(url, {"after": small.next_cursor, "method": "public_tender"}).content.decode()
    assert f"before={response.context['page'].prev_cursor}" in html or 'rel="prev"' in html
    assert "method=public_tender" in html


def test_garbage_cursors_give_the_first_page(client: Client, tenders: list[Any]) -> None:
    response = client.get(reverse("procurement:tender_list"), {"after": "%%%", "before": "xyz"})
    assert response.status_code == 200
    assert [t.pk for t in response.context["page"].items] == [t.pk for t in tenders]
