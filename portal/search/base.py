"""What every search backend takes and returns: filters, hits, facets, cursors.

The page, the API and the bench call ``portal.search.search`` only; which backend answers
(Elasticsearch or the database) is a setting (``SEARCH_BACKEND``), never a code path the caller sees.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

PAGE_SIZE = 20

# What can be found (one Elasticsearch index each): the kind is also a facet.
KINDS: dict[str, Any] = {
    "tender": _("Tender notices"),
    "award": _("Award announcements"),
    "contract": _("Contracts"),
    "organisation": _("Directory organisations"),
    "evaluation": _("Performance evaluation results"),
}

# Budget / amount ranges (yuan): key → (from, to) with ``to`` exclusive; the same buckets in both
# backends (Elasticsearch ``range`` aggregation, SQL ``CASE``).
BUDGET_RANGES: list[tuple[str, Decimal | None, Decimal | None, Any]] = [
    ("lt100k", None, Decimal("100000"), _("Under ¥100,000")),
    ("100k-500k", Decimal("100000"), Decimal("500000"), _("¥100,000–500,000")),
    ("500k-1m", Decimal("500000"), Decimal("1000000"), _("¥500,000–1 million")),
    ("1m-5m", Decimal("1000000"), Decimal("5000000"), _("¥1–5 million")),
    ("gte5m", Decimal("5000000"), None, _("¥5 million and over")),
]
BUDGET_KEYS = [key for key, *_rest in BUDGET_RANGES]

FACET_NAMES = ["kind", "category", "department", "method", "status", "budget", "year"]
FACET_LABELS: dict[str, Any] = {
    "kind": _("Type"),
    "category": _("Service category"),
    "department": _("Department"),
    "method": _("Procurement method"),
    "status": _("Status"),
    "budget": _("Amount"),
    "year": _("Year"),
}


@dataclass(frozen=True)
class SearchFilters:
    """Facet selections. ``status`` is ``<kind>:<status>`` (statuses of different kinds share names)."""

    kind: str = ""
    category: int | None = None
    department: int | None = None
    method: str = ""
    status: str = ""
    budget: str = ""
    year: int | None = None

    @classmethod
    def from_querydict(cls, data: Any) -> SearchFilters:
        """Parse ``request.GET``; anything malformed is ignored rather than an error page."""

        def integer(name: str) -> int | None:
            value = (data.get(name) or "").strip()
            return int(value) if value.isdigit() and len(value) < 10 else None

        kind = (data.get("kind") or "").strip()
        budget = (data.get("budget") or "").strip()
        return cls(
            kind=kind if kind in KINDS else "",
            category=integer("category"),
            department=integer("department"),
            method=(data.get("method") or "").strip()[:40],
            status=(data.get("status") or "").strip()[:60],
            budget=budget if budget in BUDGET_KEYS else "",
            year=integer("year"),
        )

    def active(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FACET_NAMES if getattr(self, name) not in ("", None)}

    def budget_bounds(self) -> tuple[Decimal | None, Decimal | None]:
        for key, low, high, _label in BUDGET_RANGES:
            if key == self.budget:
                return low, high
        return None, None


@dataclass
class Hit:
    """One public item found: what the result list shows and where it links."""

    kind: str
    pk: int
    title: str
    url: str
    snippet: str = ""
    reference: str = ""
    organisation: str = ""
    department: str = ""
    category: str = ""
    status: str = ""
    amount: Decimal | None = None
    published_at: datetime | None = None

    @property
    def kind_label(self) -> Any:
        return KINDS.get(self.kind, self.kind)


@dataclass
class Bucket:
    key: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    name: str
    buckets: list[Bucket]

    @property
    def label(self) -> Any:
        return FACET_LABELS[self.name]


@dataclass
class SearchResult:
    """A page of hits, the facet counts for the whole query, and the cursor of the next page
    (empty on the last). ``facets_truncated``: the database backend counted only the newest
    ``FACET_SCAN_LIMIT`` matches (the counts are then lower bounds)."""

    hits: list[Hit]
    facets: list[Facet]
    next_cursor: str = ""
    backend: str = ""
    facets_truncated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class SearchBackend(Protocol):
    name: str

    def search(
        self, query: str, filters: SearchFilters, cursor: str = "", page_size: int = PAGE_SIZE
    ) -> SearchResult: ...


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any] | None:
    """The sort values of the last hit of the previous page, or None if the cursor is not ours."""
    if not cursor or len(cursor) > 500:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return values if isinstance(values, list) else None
