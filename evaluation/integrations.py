"""Calls into the lower apps' services for an evaluation's consequences.

The evaluation app tells ``procurement`` and ``vendors`` about a result by calling their services
(they never import this app). Each call runs inside the caller's transaction, so the consequence
record and the other app's change commit or roll back together.
"""

from __future__ import annotations

import importlib
from typing import Any


def release_final_instalment(*, contract: Any, release: bool, reason: str, by: Any) -> bool:
    """Release or hold the contract's final instalment. Returns whether procurement carried it out.

    TODO(contracts): import ``procurement.services.contracts.contract_release_final_instalment``
    directly once issue 5 has landed it; until then, and for an evaluation without a contract,
    the decision is recorded in ``ConsequenceRecord`` only (``delivered`` false)."""
    if contract is None:
        return False
    try:
        module = importlib.import_module("procurement.services.contracts")
    except ImportError:
        return False
    service = getattr(module, "contract_release_final_instalment", None)
    if service is None:
        return False
    service(contract=contract, by=by, release=release, reason=reason)
    return True


def suspend_directory_entry(*, organisation: Any, reason: str, by: Any) -> bool:
    """Suspend the organisation's qualification in the next directory version (vendors service)."""
    from vendors.services.directory import entry_suspend

    entry_suspend(organisation=organisation, reason=reason, by=by)
    return True
