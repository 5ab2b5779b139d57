"""Upkeep of the database backend's table, ``portal.models.SearchEntry`` (docs/portal.md, Search).

Everything written here comes from a ``portal.search.sources`` record (the allow-list of public
fields), so what the database backend can find is exactly what Elasticsearch would index:

- ``sync(model_label, pk)``: one changed row, after commit (``portal.tasks.index_task``): a public
  object is written, anything else removed; idempotent;
- ``sync_directory()``: the organisations of the current directory version replace the old ones;
- ``rebuild(kinds)``: everything public again, in one transaction. Tenders, the one kind that
  grows to millions, are copied with a single ``INSERT … SELECT`` on PostgreSQL (the same values as
  ``entry_values``, which a test compares); the others go through their records in batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.urls import reverse

from portal.models import SearchEntry

from .base import BUDGET_RANGES, KINDS
from .sources import SOURCES

# Query words and the searched text are compared with ASCII letters folded to lower case, the same
# in Python, PostgreSQL (``translate``) and SQLite (whose ``lower`` folds ASCII only): a reference
# like "jmmz" finds "JMMZ", and nothing depends on the database's locale.
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FOLD = str.maketrans(_UPPER, _UPPER.lower())
BODY_CHARS = 1_000  # of the body kept for the result line's snippet (which shows 160)
BATCH = 500


def fold(value: str) -> str:
    return value.translate(_FOLD)


def budget_key(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    for key, low, high, _label in BUDGET_RANGES:
        if (low is None or amount >= low) and (high is None or amount < high):
            return key
    return ""


def record_terms(record: dict[str, Any]) -> str:
    """The facet values of a record as terms: ``k=<kind> c=<category>… d=<department> m=<method>
    s=<kind:status> b=<budget range> y=<year>`` (empty values left out)."""
    terms = [f"k={record['kind']}"]
    terms += [f"c={category}" for category in record.get("category") or []]
    for prefix, name in (("d", "department"), ("m", "method"), ("s", "status")):
        if record.get(name):
            terms.append(f"{prefix}={record[name]}")
    if record.get("amount") is not None:
        terms.append(f"b={budget_key(record['amount'])}")
    if record.get("year"):
        terms.append(f"y={record['year']}")
    return " ".join(term.replace(" ", "_") for term in terms)


def entry_values(record: dict[str, Any]) -> dict[str, Any]:
    """The ``SearchEntry`` fields of a record."""
    text = "\n".join(x for x in (record["title"], record["body"], record["organisation"]) if x)
    return {
        "published_at": record["published_at"],
        "reference": record["reference"] or "",
        "terms": record_terms(record),
        "text": fold(text),
        "title": record["title"],
        "body": (record["body"] or "")[:BODY_CHARS],
        "organisation": record["organisation"] or "",
        "department_name": record["department_name"] or "",
        "category_name": record["category_name"] or "",
        "status": record["status"],
        "amount": record["amount"],
        "url": record["url"],
    }


def record_of(entry: SearchEntry) -> dict[str, Any]:
    """The record a result line is built from (``sources.hit_from_record``)."""
    return {
        "kind": entry.kind,
        "pk": entry.object_id,
        "title": entry.title,
        "body": entry.body,
        "reference": entry.reference,
        "organisation": entry.organisation,
        "department_name": entry.department_name,
        "category_name": entry.category_name,
        "status": entry.status,
        "amount": entry.amount,
        "published_at": entry.published_at,
        "url": entry.url,
    }


def _new(record: dict[str, Any]) -> SearchEntry:
    return SearchEntry(kind=record["kind"], object_id=record["pk"], **entry_values(record))


def sync(model_label: str, pk: int) -> int:
    """Bring the table in line with one row (``app_label.modelname``); returns the rows written or
    removed. A directory version or entry re-syncs the whole directory."""
    label = model_label.lower()
    if label in ("vendors.directoryversion", "vendors.directoryentry"):
        return sync_directory()
    for kind, source in SOURCES.items():
        if source.model._meta.label_lower != label:
            continue
        obj = source.public_queryset().filter(pk=pk).first()
        if obj is None:
            deleted, _ = SearchEntry.objects.filter(kind=kind, object_id=pk).delete()
            return deleted
        record = source.record(obj)
        SearchEntry.objects.update_or_create(kind=kind, object_id=pk, defaults=entry_values(record))
        return 1
    raise ValueError(f"not a searchable model: {model_label}")


@transaction.atomic
def sync_directory() -> int:
    """The entries of the current published directory version, and no other organisation."""
    SearchEntry.objects.filter(kind="organisation").delete()
    return _fill("organisation")


def _records(kind: str) -> Iterator[dict[str, Any]]:
    source = SOURCES[kind]
    for obj in source.public_queryset().order_by("pk").iterator(chunk_size=BATCH * 2):
        yield source.record(obj)


def _fill(kind: str) -> int:
    if kind == "tender" and connection.vendor == "postgresql":
        return _fill_tenders_sql()
    count = 0
    batch: list[SearchEntry] = []
    for record in _records(kind):
        batch.append(_new(record))
        if len(batch) >= BATCH:
            SearchEntry.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    SearchEntry.objects.bulk_create(batch)
    return count + len(batch)


def _fill_tenders_sql() -> int:
    """Every public tender in one ``INSERT … SELECT`` (PostgreSQL): the values ``tender_record`` and
    ``entry_values`` would give, computed by the database (a million tenders: minutes, not hours).
    Rows are written oldest first, so the table is in date order, as later inserts of newly
    published objects keep it: a newest-first scan of the date index then reads neighbouring pages,
    not a random page per row."""
    from accounts.models import Department
    from procurement.models import Tender, TenderStatus
    from vendors.models import ServiceCategory

    marker = 999999999
    prefix, suffix = reverse("procurement:tender_detail", args=[marker]).split(str(marker))
    budget = "CASE " + " ".join(
        f"WHEN t.budget < {high} THEN '{key}'" if high is not None else f"ELSE '{key}'"
        for key, _low, high, _label in BUDGET_RANGES
    )
    budget += " END"
    year = "CAST(EXTRACT(YEAR FROM t.published_at AT TIME ZONE 'Asia/Shanghai') AS integer)"
    body = "concat_ws(E'\\n', NULLIF(t.description, ''), NULLIF(t.qualification_conditions, ''))"
    sql = f"""
        INSERT INTO {SearchEntry._meta.db_table} (kind, object_id, published_at, reference, terms, text,
            title, body, organisation, department_name, category_name, status, amount, url)
        SELECT 'tender', t.id, t.published_at, t.reference,
            concat_ws(' ', 'k=tender', 'c=' || t.category_id, 'd=' || t.department_id,
                'm=' || NULLIF(t.method, ''), 's=tender:' || t.status, 'b=' || {budget}, 'y=' || {year}),
            translate(concat_ws(E'\\n', NULLIF(t.title, ''), NULLIF(t.description, ''),
                NULLIF(t.qualification_conditions, '')), %s, %s),
            t.title, left({body}, {BODY_CHARS}), '', d.name, c.name, 'tender:' || t.status, t.budget,
            %s || t.id || %s
        FROM {Tender._meta.db_table} t
        JOIN {Department._meta.db_table} d ON d.id = t.department_id
        JOIN {ServiceCategory._meta.db_table} c ON c.id = t.category_id
        WHERE t.status <> %s AND t.published_at IS NOT NULL
        ORDER BY t.published_at, t.id
    """  # noqa: S608 (table names from model metadata, constants only; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [_UPPER, _UPPER.lower(), prefix, suffix, TenderStatus.DRAFT])
        return int(cursor.rowcount)


@transaction.atomic
def rebuild(kinds: Iterable[str] = KINDS, out: Callable[[str], Any] | None = None) -> dict[str, int]:
    """Everything public of ``kinds`` again, in one transaction (searches see the old rows until it
    commits). On PostgreSQL the GIN index is dropped and built again after the fill, which is much
    faster than updating it row by row; that blocks searches while the transaction runs."""
    kinds = list(kinds)
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS portal_search_grams_idx")
    counts: dict[str, int] = {}
    for kind in kinds:
        SearchEntry.objects.filter(kind=kind).delete()
        counts[kind] = _fill(kind)
        if out is not None:
            out(f"{kind}: {counts[kind]} rows")
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute(
                "CREATE INDEX portal_search_grams_idx ON portal_searchentry USING gin (grams) "
                "WITH (fastupdate = off)"
            )
            cursor.execute(f"ANALYZE {SearchEntry._meta.db_table}")
    return counts


def vacuum() -> None:
    """After a rebuild (PostgreSQL, outside a transaction): set the visibility map and hint bits the
    first searches would otherwise write, and the lexeme statistics the backend plans with."""
    if connection.vendor == "postgresql" and connection.get_autocommit():
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {SearchEntry._meta.db_table}")
