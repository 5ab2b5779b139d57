"""Who may do what in procurement (``rules``). Predicates take ``(user, obj)``.

Tender side: the purchaser staff of the department that owns the tender manage it; suppliers ask
questions; everyone reads published tenders. Bid-side permissions are added below by the bids work.
"""

from __future__ import annotations

from typing import Any

import rules

from accounts.rules import is_evaluator, is_in_owner_department, is_purchaser, is_supervisor, is_supplier
from vendors.rules import is_member_of_owner_organisation


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

# --- Bids (sealed until the opening) ---------------------------------------------------------------


@rules.predicate
def is_bid_purchaser(user: Any, bid: Any) -> bool:
    """Purchaser staff of the department that owns the bid's tender."""
    return bid is not None and bool(is_tender_purchaser(user, bid.tender))


@rules.predicate
def is_bid_opened(user: Any, bid: Any) -> bool:
    return bid is not None and bid.opened_at is not None


@rules.predicate
def is_bidder_on_tender(user: Any, tender: Any) -> bool:
    """Approved supplier staff of an organisation with a bid on the tender that reached the opening."""
    if tender is None or not getattr(user, "is_authenticated", False):
        return False
    org_ids = user.memberships.filter(status="approved").values("organisation_id")
    return tender.bids.filter(organisation_id__in=org_ids, opened_at__isnull=False).exists()


# The bidder's own staff act on the bid (draft, upload, submit, withdraw, replace, see the receipt).
is_bid_owner = is_supplier & is_member_of_owner_organisation
rules.add_perm("procurement.bid_for_organisation", is_bid_owner)  # obj: the organisation
rules.add_perm("procurement.change_bid", is_bid_owner)
rules.add_perm("procurement.view_bid", is_bid_owner | (is_bid_purchaser & is_bid_opened))
# Sealed material (prices, documents) is readable only after the opening, and every read is audited.
rules.add_perm("procurement.read_bid_documents", is_bid_opened & (is_bid_purchaser | is_bid_owner))
rules.add_perm("procurement.open_bids", is_tender_purchaser)
rules.add_perm("procurement.review_qualification", is_tender_purchaser)
rules.add_perm("procurement.view_opening_record", is_tender_purchaser | is_supervisor | is_bidder_on_tender)

# --- Evaluation, award, challenges, contracts (issue 5) --------------------------------------------


@rules.predicate
def is_owner_purchaser(user: Any, obj: Any) -> bool:
    """Purchaser staff of the department that owns ``obj`` (a contract, challenge, award ...)."""
    tender = getattr(obj, "tender", None)
    return obj is not None and tender is not None and bool(is_tender_purchaser(user, tender))


@rules.predicate
def is_committee_member_of(user: Any, tender: Any) -> bool:
    if tender is None or not getattr(user, "is_authenticated", False):
        return False
    return user.committee_seats.filter(committee__tender=tender).exclude(status="declined").exists()


@rules.predicate
def is_contract_party_supplier(user: Any, contract: Any) -> bool:
    return contract is not None and bool(is_member_of_owner_organisation(user, contract))


rules.add_perm("procurement.form_committee", is_tender_purchaser)
rules.add_perm("procurement.view_evaluation", is_tender_purchaser | is_supervisor | is_committee_member_of)
rules.add_perm("procurement.award_tender", is_tender_purchaser)
rules.add_perm("procurement.reply_challenge", is_owner_purchaser)
rules.add_perm(
    "procurement.view_challenge",
    is_owner_purchaser | is_supervisor | (is_supplier & is_member_of_owner_organisation),
)


@rules.predicate
def is_complaint_purchaser(user: Any, complaint: Any) -> bool:
    """Purchaser staff of the department whose tender the complaint (via its challenge) concerns."""
    return complaint is not None and bool(is_owner_purchaser(user, complaint.challenge))


# 投诉: the challenger's own supplier staff file (record) the complaint they lodged with the finance
# department; the department's decision is recorded by a supervisor (财政局 staff) or by the purchaser
# it was notified to. The platform records the proceedings, it does not run them.
# obj: the challenge (its organisation is the challenger)
rules.add_perm("procurement.record_complaint", is_supplier & is_member_of_owner_organisation)
rules.add_perm("procurement.decide_complaint", is_supervisor | is_complaint_purchaser)
rules.add_perm("procurement.manage_contract", is_tender_purchaser)  # obj: the tender
rules.add_perm(
    "procurement.view_contract",
    is_owner_purchaser | is_supervisor | (is_supplier & is_contract_party_supplier),
)
# The performance evaluation decides the final instalment: the commissioning purchaser or an evaluator
# (the evaluation app checks the evaluator's commission before it calls the service).
rules.add_perm("procurement.decide_final_instalment", is_owner_purchaser | is_evaluator)
rules.add_perm("procurement.view_deadlines", is_purchaser)
