"""The database backend: the same interface as Elasticsearch, without a search server.

It reads one table, ``portal.models.SearchEntry`` (one row per public object, kept by
``portal.search.table`` after every commit and by ``search_index --rebuild``), never the source
tables, so a search costs the same whatever the kind and however many rows there are.

Matching: every word of the query must occur as a substring of the row's text (title, body,
organisation; ASCII case folded), or the query is the exact reference number. On PostgreSQL the
``grams`` column (``tsvector`` of every character and character bigram, plus the facet terms; GIN
index, migration 0002) finds the candidates: a word needs all its bigrams (a one-character word its
character), then ``LIKE`` confirms words of three or more characters, whose bigrams could occur
apart (so there are no false positives). Chinese needs no segmentation and ``pg_trgm`` is not used
(it cannot index two-character words, the common case, and ignores non-ASCII under a C ctype).
Facet filters are terms in the same ``tsvector`` (``c=3``, ``y=2026``, …), so a filter and a word
narrow the same index scan.

The backend, not the planner, chooses the plan: PostgreSQL estimates the rows of ``'社区' & '区矫'
& '矫正'`` as if the bigrams were independent (1,236 for 84,000 at a million tenders) and then sorts
every match, or walks the whole date index for a word found nowhere. The lexeme frequencies from
``pg_stats`` tell rare words (the GIN index, matches sorted) from common ones (the date index,
newest first, over the newest ``WINDOW_ROWS`` rows; older rows, if the window does not fill the
page, from the GIN index). On SQLite the same conditions are ``LIKE`` scans of ``text`` and
``terms``.

Results are ordered newest first (no relevance ranking), keyset-paged on (published_at, id): no
OFFSET, no COUNT. Facets are counted from the terms of the matches the plan looked at: the newest
``FACET_SCAN_LIMIT`` matches, or for common words those in the window (the result then says the
counts are lower bounds).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, DateTimeField, F, Min, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

from portal.models import SearchEntry

from .base import PAGE_SIZE, SearchFilters, SearchResult, decode_cursor, encode_cursor
from .facets import build_facets, empty_counts
from .sources import CHINA, hit_from_record
from .table import fold, record_of

FACET_SCAN_LIMIT = 2_000
# PostgreSQL: words whose rarest lexeme is in at most RARE_ROWS rows are found through the GIN index
# (and the matches sorted); commoner words walk the date index over the newest WINDOW_ROWS rows.
RARE_ROWS = 3_000
WINDOW_ROWS = 5_000
# What a reference number looks like (JMMZ-2026-0001, HT-JMMZ-0001, a credit code): only then is the
# query also compared with the reference.
REFERENCE = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
MAX_WORDS = 8
MAX_GRAMS_PER_WORD = 16  # a long word is confirmed by LIKE anyway; more bigrams add index work
TERM_FACETS = {
    "k": "kind",
    "c": "category",
    "d": "department",
    "m": "method",
    "s": "status",
    "b": "budget",
    "y": "year",
}
# The columns a result line needs (``text`` and ``terms`` can be long and are not shown).
HIT_COLUMNS = (
    "kind",
    "object_id",
    "published_at",
    "reference",
    "title",
    "body",
    "organisation",
    "department_name",
    "category_name",
    "status",
    "amount",
    "url",
)


def query_words(query: str) -> list[str]:
    return [fold(word) for word in query.replace("\x00", "").split()[:MAX_WORDS]]


def word_grams(word: str) -> list[str]:
    """The lexemes a word's rows must all have: its bigrams, or the character of a one-character
    word (``portal_search_grams`` in migration 0002 makes the same from the text)."""
    if len(word) == 1:
        return [word]
    grams = list(dict.fromkeys(word[i : i + 2] for i in range(len(word) - 1)))
    if len(grams) > MAX_GRAMS_PER_WORD:
        # Spread over the word: the first and the last bigram and evenly between.
        step = (len(grams) - 1) / (MAX_GRAMS_PER_WORD - 1)
        grams = list(dict.fromkeys(grams[round(i * step)] for i in range(MAX_GRAMS_PER_WORD)))
    return grams


def filter_terms(filters: SearchFilters) -> list[str]:
    """The facet terms a row must have (``portal.search.table.record_terms``)."""
    terms = []
    for prefix, name in TERM_FACETS.items():
        value = getattr(filters, name)
        if value not in ("", None):
            terms.append(f"{prefix}={str(value).replace(' ', '_').replace(chr(0), '')}")
    return terms


def tsquery(lexemes: list[str]) -> str:
    """``'a' & 'bc'``: lexemes quoted for the ``tsquery`` input syntax, taken verbatim."""
    return " & ".join("'" + x.replace("\\", "\\\\").replace("'", "''") + "'" for x in lexemes)


def _grams(lexemes: list[str], *, indexed: bool) -> RawSQL:
    """``grams`` has every lexeme. ``indexed=False`` writes the same test as a function call, which
    the GIN index cannot answer, so PostgreSQL walks the date index instead."""
    sql = "grams @@ %s::tsquery" if indexed else "ts_match_vq(grams, %s::tsquery)"
    return RawSQL(sql, [tsquery(lexemes)], output_field=BooleanField())  # noqa: S611 (constant SQL; the query is a parameter)


def matching(query: str, filters: SearchFilters, *, indexed: bool = True) -> QuerySet[SearchEntry]:
    """The rows that match the query and the filters (unordered)."""
    postgres = connection.vendor == "postgresql"
    qs = SearchEntry.objects.all()
    words = query_words(query)
    terms = filter_terms(filters)
    lexemes = list(dict.fromkeys(g for word in words for g in word_grams(word))) if postgres else []
    if words:
        text = Q()
        if postgres:
            text &= Q(_grams(lexemes + terms, indexed=indexed))
            terms = []  # in the same tsquery
            # Bigrams of a 1- or 2-character word are the word itself: nothing to confirm.
            words = [word for word in words if len(word) > 2]
        for word in words:
            text &= Q(text__contains=word)
        stripped = query.strip()
        if REFERENCE.fullmatch(stripped):  # (no NUL byte, which PostgreSQL refuses in text)
            text |= Q(reference=stripped.upper())
        qs = qs.filter(text)
    if terms:
        if postgres:
            qs = qs.filter(_grams(terms, indexed=indexed))
        else:
            padded = qs.alias(_terms=Concat(Value(" "), "terms", Value(" "), output_field=TextField()))
            for term in terms:
                padded = padded.filter(_terms__contains=f" {term} ")
            qs = padded
    return qs


def _after(cursor: list[Any]) -> Q | None:
    """Rows after the cursor (published_at, id) in the newest-first order; the redundant
    ``published_at <=`` keeps the keyset an index condition."""
    try:
        when = dt.datetime.fromisoformat(str(cursor[0]))
        pk = int(cursor[1])
    except (ValueError, TypeError, IndexError):
        return None
    if len(cursor) != 2:
        return None
    return Q(published_at__lte=when) & (Q(published_at__lt=when) | Q(published_at=when, pk__lt=pk))


# --- choosing the plan (PostgreSQL) -----------------------------------------------------------------
_STATS: dict[str, Any] = {"at": -1e9}
STATS_SECONDS = 300


def _frequencies() -> tuple[dict[str, float], float]:
    """How common each common lexeme of ``grams`` is (``pg_stats``, from ANALYZE; with the column's
    statistics target of 1,000 up to 10,000 lexemes) and the number of rows; read once per
    ``STATS_SECONDS``."""
    now = time.monotonic()
    if now - _STATS["at"] > STATS_SECONDS:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
                "FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
                "WHERE s.tablename = %s AND s.attname = 'grams' AND s.schemaname = current_schema()",
                [SearchEntry._meta.db_table],
            )
            row = cursor.fetchone()
        if row and row[0]:
            elems, freqs, rows = row
            # For tsvector the frequencies end with the minimum and the maximum (ts_typanalyze).
            _STATS.update(freqs=dict(zip(elems, freqs[:-2], strict=False)), rows=max(rows, 0))
        else:
            _STATS.update(freqs={}, rows=0.0)
        _STATS["at"] = now
    return _STATS["freqs"], _STATS["rows"]


def _estimated_rows(lexemes: list[str]) -> float:
    """At most how many rows have every lexeme: the count of the rarest one. (PostgreSQL's own
    estimate multiplies the lexemes' frequencies as if independent, which for the bigrams of one
    word, always found together, is far too low and leads it to sort tens of thousands of rows.)"""
    freqs, rows = _frequencies()
    if not rows:
        return float("inf")
    # A lexeme ANALYZE did not list is rarer than every listed one: the GIN index answers it.
    return min(freqs.get(lexeme, 0.0) for lexeme in lexemes) * rows


def _dates(filters: SearchFilters) -> Q:
    """The year filter as a range of ``published_at`` (China time) too, so that a walk of the date
    index starts in that year instead of filtering its way down to it."""
    if not filters.year or not 1900 < filters.year < 3000:
        return Q()
    start = dt.datetime(filters.year, 1, 1, tzinfo=CHINA)
    return Q(published_at__gte=start, published_at__lt=start.replace(year=filters.year + 1))


def _window_start(where: Q) -> dt.datetime | None:
    """The date of the ``WINDOW_ROWS``-th newest row (of the year filter, after the cursor), or None
    when there are fewer: one index-only scan of the date index, no OFFSET."""
    newest = (
        SearchEntry.objects.filter(where)
        .order_by("-published_at", "-pk")
        .annotate(_window_date=F("published_at"))
        .values("_window_date")[:WINDOW_ROWS]
    )
    window = newest.aggregate(oldest=Min("_window_date"), rows=Count("_window_date"))
    return window["oldest"] if window["rows"] >= WINDOW_ROWS else None


def _newest(qs: QuerySet[SearchEntry], *, by_date_index: bool) -> QuerySet[SearchEntry]:
    if by_date_index:
        return qs.order_by("-published_at", "-pk")
    # An expression the date index cannot provide: the planner takes the GIN bitmap and sorts the
    # (few) matches.
    shifted = RawSQL("published_at + interval '0 seconds'", [], output_field=DateTimeField())
    return qs.order_by(shifted.desc(), "-pk")


class DatabaseBackend:
    name = "database"

    def search(
        self, query: str, filters: SearchFilters, cursor: str = "", page_size: int = PAGE_SIZE
    ) -> SearchResult:
        after = decode_cursor(cursor) if cursor else None
        keyset = _after(after) if after is not None else None
        lexemes = self._lexemes(query, filters)
        want = page_size + 1
        if lexemes is None or _estimated_rows(lexemes) <= RARE_ROWS:
            # SQLite, no condition on grams, or rare words: one plan (the GIN index for rare words).
            found = matching(query, filters)
            page = found.filter(keyset) if keyset is not None else found
            rows = list(_newest(page, by_date_index=lexemes is None).only(*HIT_COLUMNS)[:want])
            terms = list(
                _newest(found, by_date_index=lexemes is None).values_list("terms", flat=True)[
                    :FACET_SCAN_LIMIT
                ]
            )
            truncated = len(terms) >= FACET_SCAN_LIMIT
        else:
            # Common words: newest first along the date index, over the newest WINDOW_ROWS rows at
            # most; what the window does not fill comes from the GIN index (the word is then rare
            # in the older rows, so few rows are sorted).
            dates = _dates(filters)
            start = _window_start(dates & keyset if keyset is not None else dates)
            walked = matching(query, filters, indexed=False).filter(dates)
            window = walked.filter(published_at__gte=start) if start is not None else walked
            page = window.filter(keyset) if keyset is not None else window
            rows = list(_newest(page, by_date_index=True).only(*HIT_COLUMNS)[:want])
            terms = list(
                _newest(window, by_date_index=True).values_list("terms", flat=True)[:FACET_SCAN_LIMIT]
            )
            truncated = start is not None or len(terms) >= FACET_SCAN_LIMIT
            if len(rows) < want and start is not None:
                older = matching(query, filters).filter(dates, published_at__lt=start)
                rows += list(_newest(older, by_date_index=False).only(*HIT_COLUMNS)[: want - len(rows)])
                terms += list(
                    _newest(older, by_date_index=False).values_list("terms", flat=True)[
                        : FACET_SCAN_LIMIT - len(terms)
                    ]
                )
                truncated = len(terms) >= FACET_SCAN_LIMIT
        shown = rows[:page_size]
        next_cursor = ""
        if len(rows) > page_size:
            last = shown[-1]
            next_cursor = encode_cursor([last.published_at.isoformat(), last.pk])
        hits = [hit_from_record(record_of(entry)) for entry in shown]
        return SearchResult(
            hits=hits,
            facets=build_facets(facet_counts(terms), filters),
            next_cursor=next_cursor,
            backend=self.name,
            facets_truncated=truncated,
        )

    @staticmethod
    def _lexemes(query: str, filters: SearchFilters) -> list[str] | None:
        """The lexemes the rows must have on PostgreSQL (None: SQLite, or no words and no filters)."""
        if connection.vendor != "postgresql":
            return None
        lexemes = [g for word in query_words(query) for g in word_grams(word)] + filter_terms(filters)
        return lexemes or None


def facet_counts(rows: list[str]) -> dict[str, dict[str, int]]:
    """Facet counts from the ``terms`` of the matches counted."""
    merged: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for term in row.split():
            prefix, _sep, value = term.partition("=")
            name = TERM_FACETS.get(prefix)
            if name and value:
                merged[name][value] += 1
    counts = empty_counts()
    for name, values in merged.items():
        counts[name] = dict(values)
    return counts
