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
narrow the same index scan. The planner chooses between that GIN scan (rare words, words found
nowhere) and walking the date index newest first (common words fill a page after a few rows); its
statistics on ``grams`` tell it which words are common. On SQLite the same conditions are ``LIKE``
scans of ``text`` and ``terms``.

Results are ordered newest first (no relevance ranking), keyset-paged on (published_at, id): no
OFFSET, no COUNT. Facets are counted from the terms of the newest ``FACET_SCAN_LIMIT`` matches (one
query; beyond that the counts are lower bounds and the result says so).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat

from portal.models import SearchEntry

from .base import PAGE_SIZE, SearchFilters, SearchResult, decode_cursor, encode_cursor
from .facets import build_facets, empty_counts
from .sources import hit_from_record
from .table import fold, record_of

FACET_SCAN_LIMIT = 2_000
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
    return [fold(word) for word in query.split()[:MAX_WORDS]]


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
            terms.append(f"{prefix}={str(value).replace(' ', '_')}")
    return terms


def tsquery(lexemes: list[str]) -> str:
    """``'a' & 'bc'``: lexemes quoted for the ``tsquery`` input syntax, taken verbatim."""
    return " & ".join("'" + x.replace("\\", "\\\\").replace("'", "''") + "'" for x in lexemes)


def _has_all(lexemes: list[str]) -> RawSQL:
    return RawSQL("grams @@ %s::tsquery", [tsquery(lexemes)], output_field=BooleanField())


def matching(query: str, filters: SearchFilters) -> QuerySet[SearchEntry]:
    """The rows that match the query and the filters (unordered)."""
    postgres = connection.vendor == "postgresql"
    qs = SearchEntry.objects.all()
    words = query_words(query)
    if words:
        text = Q()
        if postgres:
            lexemes = list(dict.fromkeys(g for word in words for g in word_grams(word)))
            text &= Q(_has_all(lexemes))
            # Bigrams of a 1- or 2-character word are the word itself: nothing to confirm.
            words = [word for word in words if len(word) > 2]
        for word in words:
            text &= Q(text__contains=word)
        stripped = query.strip()
        if REFERENCE.fullmatch(stripped):
            text |= Q(reference=stripped.upper())
        qs = qs.filter(text)
    terms = filter_terms(filters)
    if terms:
        if postgres:
            qs = qs.filter(_has_all(terms))
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


class DatabaseBackend:
    name = "database"

    def search(
        self, query: str, filters: SearchFilters, cursor: str = "", page_size: int = PAGE_SIZE
    ) -> SearchResult:
        found = matching(query, filters)
        page = found
        after = decode_cursor(cursor) if cursor else None
        condition = _after(after) if after is not None else None
        if condition is not None:
            page = page.filter(condition)
        rows = list(page.order_by("-published_at", "-pk").only(*HIT_COLUMNS)[: page_size + 1])
        shown = rows[:page_size]
        next_cursor = ""
        if len(rows) > page_size:
            last = shown[-1]
            next_cursor = encode_cursor([last.published_at.isoformat(), last.pk])
        hits = [hit_from_record(record_of(entry)) for entry in shown]
        counts, truncated = facet_counts(found)
        return SearchResult(
            hits=hits,
            facets=build_facets(counts, filters),
            next_cursor=next_cursor,
            backend=self.name,
            facets_truncated=truncated,
        )


def facet_counts(found: QuerySet[SearchEntry]) -> tuple[dict[str, dict[str, int]], bool]:
    """Facet counts from the terms of the newest ``FACET_SCAN_LIMIT`` matches (one query)."""
    terms = list(found.order_by("-published_at", "-pk").values_list("terms", flat=True)[:FACET_SCAN_LIMIT])
    merged: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in terms:
        for term in row.split():
            prefix, _sep, value = term.partition("=")
            name = TERM_FACETS.get(prefix)
            if name and value:
                merged[name][value] += 1
    counts = empty_counts()
    for name, values in merged.items():
        counts[name] = dict(values)
    return counts, len(terms) >= FACET_SCAN_LIMIT
