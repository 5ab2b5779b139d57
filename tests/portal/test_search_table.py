"""The database backend's table (``portal_searchentry``): kept after commit, emptied of what stops
being public, rebuilt in bulk, and queried by bigrams with the exact substring confirmed. Runs on
SQLite and on PostgreSQL (where the GIN-indexed ``grams`` column does the matching)."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from portal.models import SearchEntry
from portal.search import SearchFilters, search, table
from portal.tasks import index_task
from procurement.models import Award, AwardStatus, Tender, TenderStatus
from tests.factories import DepartmentFactory
from tests.portal.search_data import (
    CHINA,
    DRAFT_ORGANISATION,
    DRAFT_TITLE,
    SECRET_BIDDER,
    SECRET_PRICE,
    UNANNOUNCED_PRICE,
    UNPUBLISHED_REPORT,
    _tender,
    build,
    category,
)
from tests.procurement.factories import department_purchaser, make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_backend(settings: Any) -> None:
    settings.SEARCH_BACKEND = "database"


def found(query: str, filters: SearchFilters | None = None) -> set[int]:
    return {h.pk for h in search(query, filters or SearchFilters(kind="tender"), page_size=50).hits}


def titled(*titles: str, description: str = "") -> list[Tender]:
    department = DepartmentFactory()
    cat = category("YL", "养老服务")
    published = datetime(2026, 5, 1, 9, 0, tzinfo=CHINA)
    tenders = [
        _tender(
            department,
            cat,
            title,
            status=TenderStatus.PUBLISHED,
            published=published - timedelta(hours=i),
            description=description,
        )
        for i, title in enumerate(titles)
    ]
    table.rebuild(["tender"])
    return tenders


# --- upkeep -----------------------------------------------------------------------------------------
def test_publishing_a_tender_writes_its_row_after_commit(django_capture_on_commit_callbacks: Any) -> None:
    purchaser = department_purchaser()
    draft = make_draft(purchaser, title="台山市社区矫正社会工作服务")
    assert not SearchEntry.objects.exists()  # a draft is never in the table
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        from procurement.services.tenders import tender_publish

        tender = tender_publish(tender=draft, by=purchaser)
    assert not SearchEntry.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    entry = SearchEntry.objects.get()
    assert (entry.kind, entry.object_id) == ("tender", tender.pk)
    assert entry.url == f"/procurement/tenders/{tender.pk}/"
    assert f"d={tender.department_id}" in entry.terms.split()
    assert found("社区矫正") == {tender.pk}
    assert found("台山") == {tender.pk}


def test_what_stops_being_public_leaves_the_table() -> None:
    record = build()
    table.rebuild()
    assert SearchEntry.objects.filter(kind="award", object_id=record.award.pk).exists()
    Award.objects.filter(pk=record.award.pk).update(status=AwardStatus.RESCINDED)
    assert index_task("procurement.award", record.award.pk) == 1
    assert not SearchEntry.objects.filter(kind="award", object_id=record.award.pk).exists()
    assert index_task("procurement.award", record.award.pk) == 0  # idempotent
    assert ("award", record.award.pk) not in {(h.kind, h.pk) for h in search("养老").hits}
    # a published directory version replaces the organisations
    SearchEntry.objects.filter(kind="organisation").delete()
    assert index_task("vendors.directoryversion", record.entry.version_id) == 1
    assert SearchEntry.objects.get(kind="organisation").object_id == record.entry.pk
    # whatever made it not public (here a set-up shortcut back to draft), the task removes it
    tender_pk = record.tender_2025.pk
    Tender.objects.filter(pk=tender_pk).update(status=TenderStatus.DRAFT)
    index_task("procurement.tender", tender_pk)
    assert not SearchEntry.objects.filter(kind="tender", object_id=tender_pk).exists()


def test_rebuild_holds_exactly_the_public_objects_and_no_sealed_content() -> None:
    record = build()
    SearchEntry.objects.create(
        kind="tender", object_id=record.draft.pk, published_at=datetime(2026, 1, 1, tzinfo=CHINA)
    )  # a stale row: the rebuild removes it
    out = StringIO()
    call_command("search_index", "--rebuild", stdout=out)
    assert "8 rows" in out.getvalue()
    rows = set(SearchEntry.objects.values_list("kind", "object_id"))
    assert rows == {
        ("tender", record.tender_2026.pk),
        ("tender", record.tender_2025.pk),
        ("tender", record.awarded.pk),
        ("tender", record.awarded.pk + 1),
        ("award", record.award.pk),
        ("contract", record.contract.pk),
        ("organisation", record.entry.pk),
        ("evaluation", record.evaluation.pk),
    }
    dump = repr(list(SearchEntry.objects.values()))
    for secret in (
        SECRET_BIDDER,
        SECRET_PRICE,
        UNANNOUNCED_PRICE,
        DRAFT_TITLE,
        DRAFT_ORGANISATION,
        UNPUBLISHED_REPORT,
        "未公告中标机构",
    ):
        assert secret not in dump


def test_bulk_sql_fill_gives_the_rows_the_records_give() -> None:
    """The tenders' INSERT … SELECT (PostgreSQL) and the record path write the same values."""
    build()
    titled("混合 Latin ABC-12 与数字", description="第一行\n第二行 含'引号'与\\反斜杠")
    table.rebuild(["tender"])
    columns = [f.name for f in SearchEntry._meta.concrete_fields if f.name != "id"]
    bulk = sorted(SearchEntry.objects.filter(kind="tender").values_list(*columns))
    SearchEntry.objects.all().delete()
    for pk in Tender.objects.values_list("pk", flat=True):
        table.sync("procurement.tender", pk)
    one_by_one = sorted(SearchEntry.objects.filter(kind="tender").values_list(*columns))
    assert bulk == one_by_one
    assert len(bulk) == 5


# --- matching ---------------------------------------------------------------------------------------
def test_bigrams_found_apart_are_not_a_match() -> None:
    exact, apart, reversed_ = titled("社区矫正社会工作服务", "矫正 社区区矫", "正矫区社")
    assert found("社区矫正") == {exact.pk}  # ``apart`` has every bigram of the word, not the word
    assert found("区矫") == {exact.pk, apart.pk}
    assert found("矫正") == {exact.pk, apart.pk}
    assert reversed_.pk not in found("社区")


def test_one_character_and_long_words() -> None:
    a, b = titled("开平市居家养老上门服务", "恩平市长者饭堂运营服务")
    assert found("养") == {a.pk}
    assert found("平") == {a.pk, b.pk}
    assert found("居家养老上门服务") == {a.pk}
    assert found("长者饭堂运营服务项目") == set()
    assert found("开平市居家养老上门服务开平市居家养老上门服务") == set()


def test_words_do_not_span_whitespace_and_every_word_must_match() -> None:
    a, b = titled("养\n老服务", "居家养老 服务")
    assert found("养老") == {b.pk}
    assert found("居家 服务") == {b.pk}
    assert found("养 老") == {a.pk, b.pk}
    assert found("居家 不存在") == set()


def test_latin_letters_digits_and_reference_numbers() -> None:
    a, b = titled("ABC-12 智慧养老平台", "2026年度心理健康服务", description="含 Wi-Fi 设备")
    assert found("abc") == {a.pk}
    assert found("ABC-12") == {a.pk}
    assert found("2026") == {b.pk}
    assert found("wi-fi") == {a.pk, b.pk}  # both descriptions
    assert found("年度") == {b.pk}
    assert found(a.reference) == {a.pk}
    assert found(a.reference.lower()) == {a.pk}  # the reference is compared upper-case


@pytest.mark.parametrize(
    "query", ["'", "\\", "a'b", "&|!():*", "'养老' | '服务'", "%", "_", "100%", "养老\x00", "\x00"]
)
def test_query_syntax_characters_are_plain_text(query: str) -> None:
    a, b = titled("养老服务 100% 满意 a'b a_b \\ &|!():*", "社区服务")
    expected = {"'养老' | '服务'": set(), "\x00": {a.pk, b.pk}}.get(query, {a.pk})
    assert found(query) == expected
    assert search("", SearchFilters(method="a\x00b", status="x y")).hits == []


def test_filters_alone_and_with_a_word() -> None:
    record = build()
    table.rebuild()
    assert found("", SearchFilters(category=record.disability.pk)) == {
        record.tender_2025.pk,
        record.entry.pk,
    }
    assert found("服务", SearchFilters(department=record.district.pk, year=2025)) == {record.tender_2025.pk}
    assert found("", SearchFilters(method="no such method")) == set()


def test_a_search_makes_a_fixed_number_of_queries(django_assert_max_num_queries: Any) -> None:
    record = build()
    table.rebuild()
    for query in ("养老", "", "不存在的词", record.tender_2025.reference):
        # page and facets (on PostgreSQL, for common words: the window probe, and page and facets
        # again from the older rows), category and department labels, the lexeme statistics
        # (PostgreSQL, once every few minutes)
        with django_assert_max_num_queries(8):
            search(query, SearchFilters(), page_size=2)


@pytest.mark.parametrize("plan", ["common", "rare"])
def test_both_plans_page_through_the_same_results(plan: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL walks the date index over a window of the newest rows for common words, then the
    GIN index for older rows; rare words go to the GIN index at once. Both find the same, in order."""
    from portal.search import db

    tenders = titled(*[f"第{i}号养老服务" if i % 3 else f"第{i}号助残服务" for i in range(12)])
    build()
    table.rebuild()
    expected = [(h.kind, h.pk) for h in search("服务", SearchFilters(), page_size=100).hits]
    assert len(expected) > 12
    monkeypatch.setattr(db, "WINDOW_ROWS", 3)
    monkeypatch.setattr(db, "_estimated_rows", lambda lexemes: 0 if plan == "rare" else 10**9)
    for query, filters in (("服务", SearchFilters()), ("养老", SearchFilters(kind="tender", year=2026))):
        paged, cursor = [], ""
        for _ in range(30):
            result = search(query, filters, cursor=cursor, page_size=2)
            paged += [(h.kind, h.pk) for h in result.hits]
            if not (cursor := result.next_cursor):
                break
        full = search(query, filters, page_size=100).hits
        assert paged == [(h.kind, h.pk) for h in full]
        if query == "服务":
            assert paged == expected
        else:
            assert {pk for _kind, pk in paged} >= {t.pk for i, t in enumerate(tenders) if i % 3}


@pytest.mark.postgres
def test_postgres_uses_the_grams_index() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    titled("台山市社区矫正社会工作服务")
    from portal.search.db import matching

    qs = matching("社区矫正", SearchFilters(year=2026))
    sql, params = qs.query.sql_with_params()
    assert "grams @@" in sql
    assert "'社区' & '区矫' & '矫正' & 'y=2026'" in params
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "portal_search_grams_idx" in plan


def _names(column: str, term: str) -> set[str]:
    """What the entries carrying a facet term (``d=12``, ``c=3``) show in a name column."""
    return {name for terms, name in SearchEntry.objects.values_list("terms", column) if term in terms.split()}


def test_renaming_a_department_or_category_renews_the_names_results_show(
    django_capture_on_commit_callbacks: Any,
) -> None:
    record = build()
    table.rebuild()
    city, elderly = record.city, record.elderly
    assert _names("department_name", f"d={city.pk}") == {city.name}
    with django_capture_on_commit_callbacks(execute=True):
        city.name = "江门市民政局（更名）"
        city.save()
    assert _names("department_name", f"d={city.pk}") == {"江门市民政局（更名）"}
    with django_capture_on_commit_callbacks(execute=True):
        elderly.name = "养老服务（更名）"
        elderly.save()
    shown = _names("category_name", f"c={elderly.pk}")
    assert len(shown) >= 2  # tenders, awards … and the organisations of the directory
    assert all("养老服务（更名）" in name for name in shown)
    hits = search("", SearchFilters(kind="tender", department=city.pk)).hits
    assert hits
    assert {h.department for h in hits} == {"江门市民政局（更名）"}
    # A save that keeps the name re-indexes nothing.
    SearchEntry.objects.filter(terms__contains=f"d={city.pk}").update(department_name="旧行")
    with django_capture_on_commit_callbacks(execute=True):
        city.save()
    assert _names("department_name", f"d={city.pk}") == {"旧行"}
