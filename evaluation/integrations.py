"""Calls into the lower apps' services for an evaluation's consequences.

The evaluation app tells ``procurement`` and ``vendors`` about a result by calling their services
(they never import this app). Each call runs inside the caller's transaction, so the consequence
record and the other app's change commit or roll back together.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.exceptions import DomainError


def release_final_instalment(*, contract: Any, release: bool, reason: str, by: Any) -> tuple[bool, str]:
    """Release or hold the contract's final instalment (``procurement.services.contracts``).

    Returns (carried out, why not). A refusal by procurement (e.g. the instalment was already
    decided otherwise by hand) does not block the evaluation becoming final: its savepoint is rolled
    back and the decision is kept in the consequence record for a person to follow up."""
    from procurement.services.contracts import contract_release_final_instalment

    if contract is None:
        return False, str(_("No contract is linked to this evaluation."))
    try:
        contract_release_final_instalment(contract=contract, by=by, release=release, reason=reason)
    except DomainError as exc:
        return False, str(exc.message)
    return True, ""


def record_performance(*, evaluation: Any) -> None:
    """Enter the final grade into the organisation's performance record in ``vendors``, which later
    tenders read as a scoring factor (``vendors.services.performance``). Called exactly once per
    final evaluation: the caller's ``ConsequenceRecord`` guards it."""
    from vendors.services.performance import organisation_record_performance

    assert evaluation.score is not None
    assert evaluation.published_at is not None
    organisation_record_performance(
        organisation=evaluation.organisation,
        contract_reference=evaluation.contract.number if evaluation.contract_id else f"EV-{evaluation.pk}",
        grade=evaluation.grade,
        score=evaluation.score,
        published_on=timezone.localdate(evaluation.published_at),
        by=evaluation.commissioned_by,
    )


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month0 + 1, min(day.day, monthrange(year, month0 + 1)[1]))


def suspension_end(*, start: date, months: int) -> date:
    """The last day of a suspension of ``months`` starting on ``start``: a year from 29 Nov 2026 is
    29 Nov 2026 – 28 Nov 2027, in force again from 29 Nov 2027."""
    return add_months(start, months) - timedelta(days=1)


def suspend_directory_entry(*, organisation: Any, reason: str, months: int, by: Any) -> date:
    """Suspend the organisation's qualification in the next directory version for ``months`` from
    today (vendors service); returns the suspension's last day."""
    from vendors.services.directory import entry_suspend

    start = timezone.localdate()
    until = suspension_end(start=start, months=months)
    entry_suspend(organisation=organisation, reason=reason, by=by, on=start, until=until)
    return until
