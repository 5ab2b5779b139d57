"""The database backend: the same interface as Elasticsearch, without a search server.

Matching: every word of the query must occur (``icontains``) in one of the kind's text fields, or the
query is the exact reference number. We decided against PostgreSQL full text and pg_trgm for now:
the built-in text search configurations do not segment Chinese (a title is one "word"), Chinese
queries are mostly two-character words (养老, 助残) for which a trigram index can extract no trigram
and is scanned in full, and with a ``C`` ctype pg_trgm ignores non-ASCII characters altogether. So a
trigram index would cost every tender write and help only some queries. Instead each kind is read
newest first through its date index and the scan stops after one page (``LIMIT n+1``): common words
answer at once; rare words scan more. Sites that need ranking or large-scale matching set
``ELASTICSEARCH_URL``.

Results are ordered newest first (no relevance ranking), keyset-paged on (date, kind, id) across the
kinds: one bounded query per kind per page, no OFFSET, no COUNT over a table.

Facets: one SQL statement (a CTE per kind, ``GROUP BY`` per facet, ``UNION ALL``), each kind limited
to ``FACET_SCAN_LIMIT`` matching rows; beyond that the counts are lower bounds and the result says so.
A text query looks at the newest ``TEXT_SCAN_WINDOW`` public rows of each kind only (a range on the
date index, found by one index-only probe), which bounds the cost of rare words; older items are
found by Elasticsearch, by the filters without a query, or by their exact reference number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import F, Min, Q, QuerySet
from django.db.models.functions import ExtractYear

from .base import BUDGET_RANGES, KINDS, PAGE_SIZE, SearchFilters, SearchResult, decode_cursor, encode_cursor
from .facets import build_facets, empty_counts
from .sources import CHINA, SOURCES, Source, hit_from_record, text_condition

FACET_SCAN_LIMIT = 2_000
# What a reference number looks like (JMMZ-2026-0001, HT-JMMZ-0001, a credit code): only then is the
# query also compared with the reference (an OR with it would keep PostgreSQL off the date index).
REFERENCE = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
# A text query scans at most this many of the newest public rows of each kind (found through the date
# index), so a rare word costs the same bounded scan as a common one (docs/portal.md, Search).
TEXT_SCAN_WINDOW = 20_000
KIND_RANK = {kind: rank for rank, kind in enumerate(KINDS)}


def _resolve(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj


def filtered(source: Source, query: str, filters: SearchFilters) -> QuerySet[Any] | None:
    """The kind's public rows matching the query and the facet filters, or None when a filter names
    a facet the kind does not have (a department filter leaves out directory organisations)."""
    if filters.kind and filters.kind != source.kind:
        return None
    qs = source.public_queryset()
    if query.strip():
        # The oldest date among the newest TEXT_SCAN_WINDOW rows (an index-only scan, no OFFSET).
        newest = (
            source.public_queryset()
            .order_by(f"-{source.date_path}", "-pk")
            .annotate(_window_date=F(source.date_path))
            .values("_window_date")[:TEXT_SCAN_WINDOW]
        )
        cutoff = newest.aggregate(oldest=Min("_window_date"))["oldest"]
        condition = text_condition(source, query, with_reference=False)
        if cutoff is not None:
            condition &= Q(**{f"{source.date_path}__gte": cutoff})
        if source.reference_path and REFERENCE.fullmatch(query.strip()):
            # Exact and upper-case, so the unique index answers it (``iexact`` would scan).
            condition |= Q(**{source.reference_path: query.strip().upper()})
        qs = qs.filter(condition)
    for name, path in (
        ("category", source.category_path),
        ("department", source.department_path),
        ("method", source.method_path),
    ):
        value = getattr(filters, name)
        if value in ("", None):
            continue
        if not path:
            return None
        qs = qs.filter(**{path: value})
    if filters.status:
        kind, _sep, status = filters.status.partition(":")
        if kind != source.kind:
            return None
        qs = qs.filter(**{source.status_path: status})
    if filters.budget:
        if not source.amount_path:
            return None
        low, high = filters.budget_bounds()
        if low is not None:
            qs = qs.filter(**{f"{source.amount_path}__gte": low})
        if high is not None:
            qs = qs.filter(**{f"{source.amount_path}__lt": high})
    if filters.year:
        qs = qs.annotate(_search_year=ExtractYear(source.date_path, tzinfo=CHINA)).filter(
            _search_year=filters.year
        )
    return qs


def _after(source: Source, cursor: list[Any]) -> Q | None:
    """Rows after the cursor (date, kind rank, id) in the newest-first order across kinds."""
    try:
        when = dt.datetime.fromisoformat(str(cursor[0]))
        rank, pk = int(cursor[1]), int(cursor[2])
    except (ValueError, TypeError, IndexError):
        return None
    mine = KIND_RANK[source.kind]
    date = source.date_path
    if mine < rank:
        return Q(**{f"{date}__lte": when})
    if mine == rank:
        return Q(**{f"{date}__lt": when}) | Q(**{date: when, "pk__lt": pk})
    return Q(**{f"{date}__lt": when})


class DatabaseBackend:
    name = "database"

    def search(
        self, query: str, filters: SearchFilters, cursor: str = "", page_size: int = PAGE_SIZE
    ) -> SearchResult:
        after = decode_cursor(cursor) if cursor else None
        matching: list[tuple[Source, QuerySet[Any]]] = []
        rows: list[tuple[dt.datetime, int, int, Source, Any]] = []
        for kind, source in SOURCES.items():
            qs = filtered(source, query, filters)
            if qs is None:
                continue
            matching.append((source, qs))
            page = qs
            if after is not None:
                condition = _after(source, after)
                if condition is None:
                    after = None
                else:
                    page = page.filter(condition)
            for obj in page.order_by(f"-{source.date_path}", "-pk")[: page_size + 1]:
                rows.append((_resolve(obj, source.date_path), KIND_RANK[kind], obj.pk, source, obj))
        rows.sort(key=lambda r: (r[0], r[1], r[2]), reverse=True)
        shown = rows[:page_size]
        next_cursor = ""
        if len(rows) > page_size:
            last = shown[-1]
            next_cursor = encode_cursor([last[0].isoformat(), last[1], last[2]])
        hits = [hit_from_record(source.record(obj)) for _d, _r, _pk, source, obj in shown]
        counts, truncated = facet_counts(matching)
        return SearchResult(
            hits=hits,
            facets=build_facets(counts, filters),
            next_cursor=next_cursor,
            backend=self.name,
            facets_truncated=truncated,
        )


def _budget_case(column: str) -> str:
    parts = []
    for key, _low, high, _label in BUDGET_RANGES:
        if high is None:
            parts.append(f"ELSE '{key}'")
        else:
            parts.append(f"WHEN {column} < {high} THEN '{key}'")
    return "CASE " + " ".join(parts) + " END"


def facet_counts(matching: list[tuple[Source, QuerySet[Any]]]) -> tuple[dict[str, dict[str, int]], bool]:
    """All facet counts of all kinds in one statement (see the module docstring).

    Only code constants (kind names, CTE and column names, the budget bounds) are put into the SQL
    text; the ORM compiles the CTE bodies and everything a visitor typed travels as parameters."""
    counts = empty_counts()
    if not matching:
        return counts, False
    ctes: list[str] = []
    selects: list[str] = []
    params: list[Any] = []
    for i, (source, qs) in enumerate(matching):
        columns = {"f_year": ExtractYear(source.date_path, tzinfo=CHINA), "f_status": F(source.status_path)}
        if source.department_path:
            columns["f_dep"] = F(source.department_path)
        if source.method_path:
            columns["f_method"] = F(source.method_path)
        if source.amount_path:
            columns["f_amount"] = F(source.amount_path)
        if source.category_path and source.category_path != "categories":
            columns["f_cat"] = F(source.category_path)
        names = list(columns)
        base = qs.order_by().prefetch_related(None)
        sql, p = base.annotate(**columns).values_list(*names)[:FACET_SCAN_LIMIT].query.sql_with_params()
        cte = f"k{i}"
        ctes.append(f"{cte}({', '.join(names)}) AS ({sql})")
        params.extend(p)
        kind = source.kind
        selects.append(f"SELECT 'kind', '{kind}', COUNT(*) FROM {cte}")  # noqa: S608
        selects.append(f"SELECT 'status', '{kind}:' || f_status, COUNT(*) FROM {cte} GROUP BY f_status")  # noqa: S608
        selects.append(f"SELECT 'year', CAST(f_year AS TEXT), COUNT(*) FROM {cte} GROUP BY f_year")  # noqa: S608
        if "f_dep" in columns:
            selects.append(f"SELECT 'department', CAST(f_dep AS TEXT), COUNT(*) FROM {cte} GROUP BY f_dep")  # noqa: S608
        if "f_method" in columns:
            selects.append(f"SELECT 'method', f_method, COUNT(*) FROM {cte} GROUP BY f_method")  # noqa: S608
        if "f_amount" in columns:
            case = _budget_case("f_amount")
            selects.append(
                f"SELECT 'budget', {case}, COUNT(*) FROM {cte} WHERE f_amount IS NOT NULL GROUP BY {case}"  # noqa: S608
            )
        if "f_cat" in columns:
            selects.append(f"SELECT 'category', CAST(f_cat AS TEXT), COUNT(*) FROM {cte} GROUP BY f_cat")  # noqa: S608
        elif source.category_path == "categories":
            # A directory organisation counts once in each of its categories.
            sql, p = (
                base.annotate(f_cat=F("categories"))
                .values_list("pk", "f_cat")[:FACET_SCAN_LIMIT]
                .query.sql_with_params()
            )
            ctes.append(f"{cte}c(f_pk, f_cat) AS ({sql})")
            params.extend(p)
            selects.append(
                f"SELECT 'category', CAST(f_cat AS TEXT), COUNT(*) FROM {cte}c "  # noqa: S608
                "WHERE f_cat IS NOT NULL GROUP BY f_cat"
            )
    statement = "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(selects)
    merged: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for name, key, count in cursor.fetchall():
            if key is not None:
                merged[name][str(key)] += int(count)
    truncated = any(count >= FACET_SCAN_LIMIT for count in merged["kind"].values())
    for name, values in merged.items():
        counts[name] = dict(values)
    return counts, truncated
