"""Public statistics (统计): projects and money by year, category and department; qualified
organisations per published directory version; performance grades by year; and, beside them, the
figures the Jiangmen programme published about itself.

Every figure is one aggregate query in the database (nine in all, whatever the amount of data).
Money is only what is public: tender budgets (published with the notice), winning prices of
announced awards and values of signed contracts. Bids are never read, so an unopened (sealed) bid
cannot leak into a figure.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from evaluation.grades import GRADE_ORDER, Grade
from evaluation.models import Evaluation
from evaluation.models.evaluations import PUBLIC_STATUSES
from procurement.models import Award, AwardStatus, Contract, ContractStatus, Tender
from vendors.models import DirectoryEntry, DirectoryVersion

CHINA = ZoneInfo("Asia/Shanghai")
ZERO = Decimal("0.00")
# Awards that stand (a rescinded award's price is not money spent).
LIVE_AWARD_STATES = [AwardStatus.ANNOUNCED, AwardStatus.CONTRACTED]
SIGNED_CONTRACT_STATES = [ContractStatus.SIGNED, ContractStatus.PUBLISHED, ContractStatus.TERMINATED]


@dataclass
class Row:
    """One bar of a breakdown: projects published, their budgets, awarded and contracted money."""

    key: Any
    label: str
    projects: int = 0
    budget: Decimal = ZERO
    awards: int = 0
    awarded: Decimal = ZERO
    contracts: int = 0
    contracted: Decimal = ZERO


@dataclass
class GradeYear:
    year: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _merge(tenders: Any, awards: Any, contracts: Any, *, key: str, name: str, prefix: str = "") -> list[Row]:
    rows: dict[Any, Row] = {}

    def row(item: dict[str, Any], k: str, n: str) -> Row:
        value = item[k]
        if value not in rows:
            label = item.get(n)
            rows[value] = Row(key=value, label=str(label if label is not None else value))
        return rows[value]

    for t in tenders:
        r = row(t, key, name)
        r.projects, r.budget = t["n"], t["total"] or ZERO
    for a in awards:
        r = row(a, prefix + key, prefix + name)
        r.awards, r.awarded = a["n"], a["total"] or ZERO
    for c in contracts:
        r = row(c, prefix + key, prefix + name)
        r.contracts, r.contracted = c["n"], c["total"] or ZERO
    return list(rows.values())


def _public_tenders() -> Any:
    return Tender.objects.public()


def _live_awards() -> Any:
    return Award.objects.filter(status__in=LIVE_AWARD_STATES, announced_at__isnull=False)


def _signed_contracts() -> Any:
    return Contract.objects.filter(status__in=SIGNED_CONTRACT_STATES, signed_at__isnull=False)


def by_year() -> list[Row]:
    """Per year (Asia/Shanghai): tenders by publication, awards by announcement, contracts by
    signature. Three queries."""

    def per_year(qs: Any, moment: str, amount: str) -> Any:
        return (
            qs.annotate(y=ExtractYear(moment, tzinfo=CHINA))
            .values("y")
            .annotate(n=Count("id"), total=Sum(amount))
            .order_by()
        )

    rows = _merge(
        per_year(_public_tenders(), "published_at", "budget"),
        per_year(_live_awards(), "announced_at", "price"),
        per_year(_signed_contracts(), "signed_at", "value"),
        key="y",
        name="y",
    )
    return sorted((r for r in rows if r.key is not None), key=lambda r: r.key)


def _breakdown(key: str, name: str) -> list[Row]:
    def grouped(qs: Any, prefix: str, amount: str) -> Any:
        return qs.values(prefix + key, prefix + name).annotate(n=Count("id"), total=Sum(amount)).order_by()

    rows = _merge(
        grouped(_public_tenders(), "", "budget"),
        grouped(_live_awards(), "tender__", "price"),
        grouped(_signed_contracts(), "tender__", "value"),
        key=key,
        name=name,
        prefix="tender__",
    )
    return sorted(rows, key=lambda r: (-r.budget, -r.projects, r.label))


def by_category() -> list[Row]:
    """Per service category: three queries."""
    return _breakdown("category_id", "category__name")


def by_department() -> list[Row]:
    """Per purchasing department: three queries."""
    return _breakdown("department_id", "department__name")


@dataclass
class DirectoryPoint:
    number: int
    published_at: Any
    in_force: int
    listed: int


def qualified_over_time() -> list[DirectoryPoint]:
    """Organisations listed in each published directory version and how many were in force (one query)."""
    rows = (
        DirectoryVersion.objects.filter(status=DirectoryVersion.Status.PUBLISHED)
        .annotate(
            listed=Count("entries"),
            in_force=Count("entries", filter=Q(entries__status=DirectoryEntry.Status.IN_FORCE)),
        )
        .values("number", "published_at", "listed", "in_force")
        .order_by("number")
    )
    return [DirectoryPoint(r["number"], r["published_at"], r["in_force"], r["listed"]) for r in rows]


def grades_by_year() -> list[GradeYear]:
    """Published performance-evaluation grades per year of publication (Asia/Shanghai) and grade,
    the same evaluations as the public results list (one query)."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Evaluation.objects.filter(status__in=PUBLIC_STATUSES, published_at__isnull=False)
        .exclude(grade="")
        .annotate(y=ExtractYear("published_at", tzinfo=CHINA))
        .values("y", "grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    for r in rows:
        counts[r["y"]][r["grade"]] = r["n"]
    return [
        GradeYear(year, {g.value: counts[year].get(g.value, 0) for g in GRADE_ORDER})
        for year in sorted(counts)
    ]


GRADE_LABELS = {g.value: Grade(g).label for g in GRADE_ORDER}

# What the programme reported about itself (../shared/seed/jiangmen-da-minzheng-2016.txt, 江门市
# “大民政”工作情况, 2016-01). Reference figures, shown beside the platform's own; 万元 converted to yuan.
PROGRAMME_FIGURES: list[dict[str, Any]] = [
    {
        "year": 2014,
        "scope": _("All levels of the city"),
        "projects": 416,
        "money": Decimal("200000000"),
        "approximate": True,
        "note": _("“Nearly 200 million yuan”; the most projects and money of any year"),
    },
    {
        "year": 2014,
        "scope": _("City level"),
        "projects": 100,
        "money": Decimal("46020000"),
        "approximate": False,
        "note": _("Projects up 78 percent, money up 32 percent on the year before"),
    },
    {
        "year": 2015,
        "scope": _("City level (budget)"),
        "projects": 120,
        "money": Decimal("57104100"),
        "approximate": False,
        "note": _("Money up 24 percent on 2014"),
    },
]
PROGRAMME_DIRECTORY = {
    "qualified": 189,
    "registered": 3741,
    "note": _("Social organisations qualified to take on government functions and purchased services"),
}


@dataclass
class Statistics:
    years: list[Row]
    categories: list[Row]
    departments: list[Row]
    directory: list[DirectoryPoint]
    grades: list[GradeYear]


def statistics() -> Statistics:
    """Everything the statistics page shows: eleven aggregate queries."""
    return Statistics(
        years=by_year(),
        categories=by_category(),
        departments=by_department(),
        directory=qualified_over_time(),
        grades=grades_by_year(),
    )
