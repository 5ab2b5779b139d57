"""What is public, per kind, and the one record each public object becomes.

This module is the whole answer to "what may be searched": both backends read only through
``Source.public_queryset()`` and ``Source.record()``. A record is built from an allow-list of fields;
nothing about bids is ever read, so sealed bid content (prices, documents, bidders) cannot reach the
index or a result — before or after the opening. The one price that is public, the winning price of
an *announced* award (中标公告), comes from the award row.

- tender: every state after publication (``Tender.objects.public()``), never a draft;
- award: announced (中标公告) or contracted; a rescinded award is removed;
- contract: published (合同公告), also after termination;
- organisation: the entries of the current published directory version (one per organisation);
- evaluation: performance evaluation results in a public state (published, appealed, final …).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Model, Prefetch, Q, QuerySet
from django.urls import reverse

from evaluation.models import Evaluation, EvaluationStatus
from evaluation.models.evaluations import PUBLIC_STATUSES
from procurement.models import (
    Award,
    AwardStatus,
    Contract,
    ContractStatus,
    ProcurementMethod,
    Tender,
    TenderStatus,
)
from vendors.models import DirectoryEntry, DirectoryVersion, ServiceCategory

from .base import Hit

CHINA = ZoneInfo("Asia/Shanghai")
SNIPPET_CHARS = 160

STATUS_CHOICES: dict[str, dict[str, Any]] = {
    "tender": dict(TenderStatus.choices),
    "award": dict(AwardStatus.choices),
    "contract": dict(ContractStatus.choices),
    "organisation": dict(DirectoryEntry.Status.choices),
    "evaluation": dict(EvaluationStatus.choices),
}
METHOD_CHOICES: dict[str, Any] = dict(ProcurementMethod.choices)


def status_label(key: str) -> str:
    kind, _sep, status = key.partition(":")
    return str(STATUS_CHOICES.get(kind, {}).get(status, status))


def _year(when: dt.datetime | None) -> int | None:
    return when.astimezone(CHINA).year if when else None


def _money(value: Decimal | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


@dataclass(frozen=True)
class Source:
    """One kind of public object and how both backends see it.

    The ``*_path`` attributes are ORM lookups from the model (empty: the kind has no such facet, and a
    filter on it excludes the kind). ``text_fields`` are matched by the database backend.
    """

    kind: str
    model: type[Model]
    public_queryset: Callable[[], QuerySet[Any]]
    record: Callable[[Any], dict[str, Any]]
    date_path: str
    text_fields: tuple[str, ...]
    reference_path: str = ""
    category_path: str = ""
    department_path: str = ""
    method_path: str = ""
    status_path: str = "status"
    amount_path: str = ""

    def is_public(self, pk: int) -> bool:
        return self.public_queryset().filter(pk=pk).exists()


def _base(obj: Any, kind: str, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "uid": f"{kind}-{obj.pk}",
        "kind": kind,
        "pk": obj.pk,
        "title": "",
        "body": "",
        "reference": "",
        "organisation": "",
        "category": [],
        "category_name": "",
        "department": "",
        "department_name": "",
        "method": "",
        "status": "",
        "amount": None,
        "year": None,
        "published_at": None,
        "url": "",
    }
    record.update(fields)
    record["year"] = _year(record["published_at"])
    return record


# --- tenders ---------------------------------------------------------------------------------------
def public_tenders() -> QuerySet[Tender]:
    return Tender.objects.public().select_related("department", "category")


def tender_record(tender: Tender) -> dict[str, Any]:
    return _base(
        tender,
        "tender",
        title=tender.title,
        body="\n".join(x for x in (tender.description, tender.qualification_conditions) if x),
        reference=tender.reference,
        category=[str(tender.category_id)],
        category_name=tender.category.name,
        department=str(tender.department_id),
        department_name=tender.department.name,
        method=tender.method,
        status=f"tender:{tender.status}",
        amount=_money(tender.budget),
        published_at=tender.published_at,
        url=reverse("procurement:tender_detail", args=[tender.pk]),
    )


# --- awards ----------------------------------------------------------------------------------------
AWARD_PUBLIC_STATES = [AwardStatus.ANNOUNCED, AwardStatus.CONTRACTED]


def public_awards() -> QuerySet[Award]:
    return Award.objects.filter(status__in=AWARD_PUBLIC_STATES, announced_at__isnull=False).select_related(
        "tender__department", "tender__category", "bid__organisation"
    )


def award_record(award: Award) -> dict[str, Any]:
    tender = award.tender
    # The winner and the winning price are in the announcement (中标公告); nothing else of the bid.
    winner = award.bid.organisation.name
    return _base(
        award,
        "award",
        title=tender.title,
        body=winner,
        reference=tender.reference,
        organisation=winner,
        category=[str(tender.category_id)],
        category_name=tender.category.name,
        department=str(tender.department_id),
        department_name=tender.department.name,
        method=tender.method,
        status=f"award:{award.status}",
        amount=_money(award.price),
        published_at=award.announced_at,
        url=reverse("procurement:award_announcement", args=[award.pk]),
    )


# --- contracts -------------------------------------------------------------------------------------
def public_contracts() -> QuerySet[Contract]:
    return Contract.objects.filter(
        status__in=[ContractStatus.PUBLISHED, ContractStatus.TERMINATED], published_at__isnull=False
    ).select_related("tender__category", "department", "organisation")


def contract_record(contract: Contract) -> dict[str, Any]:
    tender = contract.tender
    return _base(
        contract,
        "contract",
        title=tender.title,
        body=contract.service_content,
        reference=contract.number,
        organisation=contract.organisation.name,
        category=[str(tender.category_id)],
        category_name=tender.category.name,
        department=str(contract.department_id),
        department_name=contract.department.name,
        method=tender.method,
        status=f"contract:{contract.status}",
        amount=_money(contract.value),
        published_at=contract.published_at,
        # The contract page is for the parties; the public reads the contract notice on the tender page.
        url=reverse("procurement:tender_detail", args=[tender.pk]),
    )


# --- directory organisations ----------------------------------------------------------------------
def current_version_id() -> int | None:
    return (
        DirectoryVersion.objects.published()
        .order_by("-published_at", "-number")
        .values_list("pk", flat=True)
        .first()
    )


def public_entries() -> QuerySet[DirectoryEntry]:
    return (
        DirectoryEntry.objects.filter(version_id=current_version_id())
        .select_related("organisation", "version")
        .prefetch_related(
            Prefetch("categories", queryset=ServiceCategory.objects.order_by("sort_order", "code"))
        )
    )


def entry_record(entry: DirectoryEntry) -> dict[str, Any]:
    categories = list(entry.categories.all())
    organisation = entry.organisation
    record = _base(
        entry,
        "organisation",
        title=entry.organisation_name,
        body="\n".join(x for x in (entry.registering_authority, organisation.description) if x),
        reference=organisation.credit_code,
        organisation=entry.organisation_name,
        category=[str(c.pk) for c in categories],
        category_name="、".join(c.name for c in categories),
        status=f"organisation:{entry.status}",
        published_at=entry.version.published_at,
        url=reverse("vendors:organisation_profile", args=[organisation.credit_code]),
    )
    # One document per organisation: a new directory version replaces the organisation's entry.
    record["uid"] = f"organisation-{organisation.pk}"
    record["version"] = entry.version.number
    return record


# --- performance evaluation results ---------------------------------------------------------------
def public_evaluations() -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(status__in=PUBLIC_STATUSES, published_at__isnull=False).select_related(
        "organisation", "department", "category"
    )


def evaluation_record(evaluation: Evaluation) -> dict[str, Any]:
    grade = evaluation.get_grade_display() if evaluation.grade else ""
    return _base(
        evaluation,
        "evaluation",
        title=f"{evaluation.title} · {evaluation.get_kind_display()}",
        body="\n".join(x for x in (evaluation.organisation.name, str(grade), evaluation.report) if x),
        organisation=evaluation.organisation.name,
        category=[str(evaluation.category_id)] if evaluation.category_id else [],
        category_name=evaluation.category.name if evaluation.category is not None else "",
        department=str(evaluation.department_id) if evaluation.department_id else "",
        department_name=evaluation.department.name if evaluation.department_id else "",
        status=f"evaluation:{evaluation.status}",
        published_at=evaluation.published_at,
        url=reverse("evaluation:result", args=[evaluation.pk]),
    )


SOURCES: dict[str, Source] = {
    "tender": Source(
        kind="tender",
        model=Tender,
        public_queryset=public_tenders,
        record=tender_record,
        date_path="published_at",
        text_fields=("title", "description", "qualification_conditions"),
        reference_path="reference",
        category_path="category_id",
        department_path="department_id",
        method_path="method",
        amount_path="budget",
    ),
    "award": Source(
        kind="award",
        model=Award,
        public_queryset=public_awards,
        record=award_record,
        date_path="announced_at",
        text_fields=("tender__title", "bid__organisation__name"),
        reference_path="tender__reference",
        category_path="tender__category_id",
        department_path="tender__department_id",
        method_path="tender__method",
        amount_path="price",
    ),
    "contract": Source(
        kind="contract",
        model=Contract,
        public_queryset=public_contracts,
        record=contract_record,
        date_path="published_at",
        text_fields=("tender__title", "service_content", "organisation__name"),
        reference_path="number",
        category_path="tender__category_id",
        department_path="department_id",
        method_path="tender__method",
        amount_path="value",
    ),
    "organisation": Source(
        kind="organisation",
        model=DirectoryEntry,
        public_queryset=public_entries,
        record=entry_record,
        date_path="version__published_at",
        text_fields=("organisation_name", "registering_authority", "organisation__description"),
        reference_path="organisation__credit_code",
        category_path="categories",
    ),
    "evaluation": Source(
        kind="evaluation",
        model=Evaluation,
        public_queryset=public_evaluations,
        record=evaluation_record,
        date_path="published_at",
        text_fields=("title", "organisation__name", "report"),
        category_path="category_id",
        department_path="department_id",
    ),
}


def hit_from_record(record: dict[str, Any]) -> Hit:
    """The result-list line of a record (from the index or built from the row)."""
    published = record.get("published_at")
    if isinstance(published, str):
        published = dt.datetime.fromisoformat(published)
    amount = record.get("amount")
    body = " ".join((record.get("body") or "").split())
    return Hit(
        kind=record["kind"],
        pk=int(record["pk"]),
        title=record.get("title") or "",
        url=record.get("url") or "",
        snippet=body[:SNIPPET_CHARS] + ("…" if len(body) > SNIPPET_CHARS else ""),
        reference=record.get("reference") or "",
        organisation=record.get("organisation") or "",
        department=record.get("department_name") or "",
        category=record.get("category_name") or "",
        status=status_label(record.get("status") or ""),
        amount=Decimal(str(amount)) if amount is not None else None,
        published_at=published,
    )


def text_condition(source: Source, query: str, *, with_reference: bool = True) -> Q:
    """Every word of the query in one of the kind's text fields (or the exact reference number)."""
    condition = Q()
    for word in query.split()[:8]:
        any_field = Q()
        for name in source.text_fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    if with_reference and source.reference_path and query.strip():
        condition |= Q(**{f"{source.reference_path}__iexact": query.strip()})
    return condition
