"""Who may do what in procurement (``rules``). Predicates take ``(user, obj)``.

Tender side: the purchaser staff of the department that owns the tender manage it; suppliers ask
questions; everyone reads published tenders. Bid-side permissions are added below by the bids work.
"""

from __future__ import annotations

from typing import Any

import rules

from accounts.rules import is_in_owner_department, is_purchaser, is_supervisor, is_supplier


@rules.predicate
def is_tender_public(user: Any, tender: Any) -> bool:
    """Published tenders (and every state after publication) are public notices."""
    return tender is not None and tender.published_at is not None and tender.status != "draft"


# A purchaser of the tender's own department (购买主体).
is_tender_purchaser = is_purchaser & is_in_owner_department

# --- Tenders ---------------------------------------------------------------------------------------
rules.add_perm("procurement.add_tender", is_purchaser)
rules.add_perm("procurement.view_tender", is_tender_public | is_tender_purchaser | is_supervisor)
rules.add_perm("procurement.manage_tender", is_tender_purchaser)
rules.add_perm("procurement.change_tender", is_tender_purchaser)
rules.add_perm("procurement.publish_tender", is_tender_purchaser)
rules.add_perm("procurement.cancel_tender", is_tender_purchaser)
rules.add_perm("procurement.retender_tender", is_tender_purchaser)
rules.add_perm("procurement.amend_tender", is_tender_purchaser)
rules.add_perm("procurement.answer_clarification", is_tender_purchaser)
rules.add_perm("procurement.ask_clarification", is_supplier & is_tender_public)
rules.add_perm("procurement.view_clarification_asker", is_tender_purchaser)
