"""Calls into the lower apps' services for an evaluation's consequences.

The evaluation app tells ``procurement`` and ``vendors`` about a result by calling their services
(they never import this app). Each call runs inside the caller's transaction, so the consequence
record and the other app's change commit or roll back together.
"""

from __future__ import annotations

from typing import Any

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


def suspend_directory_entry(*, organisation: Any, reason: str, by: Any) -> bool:
    """Suspend the organisation's qualification in the next directory version (vendors service)."""
    from vendors.services.directory import entry_suspend

    entry_suspend(organisation=organisation, reason=reason, by=by)
    return True
