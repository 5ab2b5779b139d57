"""The organisation's performance record (履约评价记录): written by the evaluation app, read by tenders.

``evaluation`` calls ``organisation_record_performance`` exactly once for every final grade (its
consequence record guards the call; the unique (organisation, contract) constraint backs it up).
``procurement`` reads the grades with ``performance_grades_for`` when a tender scores past
performance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.exceptions import DomainError
from vendors.models import Organisation, PerformanceGrade
from vendors.services.common import require


@transaction.atomic
def organisation_record_performance(
    *,
    organisation: Organisation,
    contract_reference: str,
    grade: str,
    score: Decimal,
    published_on: date,
    by: Any,
) -> PerformanceGrade:
    """Enter a final performance grade into the organisation's record. One grade per contract: a
    second call for the same contract is refused (``code="duplicate"``)."""
    require(by, "vendors.record_performance", organisation)
    if grade not in PerformanceGrade.Grade.values:
        raise DomainError(_("Unknown performance grade."), field="grade")
    if not isinstance(score, Decimal) or not Decimal(0) <= score <= Decimal(100):
        raise DomainError(_("A score lies between 0 and 100."), field="score")
    try:
        with transaction.atomic():
            record = PerformanceGrade.objects.create(
                organisation=organisation,
                contract_reference=contract_reference,
                grade=grade,
                score=score,
                published_on=published_on,
                recorded_by=by,
            )
    except IntegrityError:
        raise DomainError(
            _("A performance grade for this contract is already recorded."), code="duplicate"
        ) from None
    audit_record(
        actor=by,
        action="organisation.performance_record",
        obj=organisation,
        summary={
            "contract": contract_reference,
            "grade": grade,
            "score": score,
            "published_on": published_on,
        },
    )
    return record


def performance_grades_for(
    *, organisation_ids: Iterable[int], since: date, until: date
) -> dict[int, list[str]]:
    """The grades published between ``since`` and ``until`` (inclusive) per organisation, newest
    first; one query. Organisations without grades are absent."""
    result: dict[int, list[str]] = defaultdict(list)
    rows = (
        PerformanceGrade.objects.filter(
            organisation_id__in=list(organisation_ids), published_on__gte=since, published_on__lte=until
        )
        .order_by("organisation_id", "-published_on", "-id")
        .values_list("organisation_id", "grade")
    )
    for organisation_id, grade in rows:
        result[organisation_id].append(grade)
    return dict(result)
