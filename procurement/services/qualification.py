"""Qualification review (资格审查) after the opening.

The directory check runs again for every opened bid (DOMAIN.md: at submission, again at
qualification review); the purchaser then marks each bid qualified or disqualified, with a reason
the bidder sees. Completing the review moves the tender on to evaluation, or fails it (废标) when
fewer than ``GOVBUY_MIN_QUALIFIED_BIDS`` (default 3) bids qualify in a public tender
(政府采购法 Art. 36); in other methods at least one qualified bid is needed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, audit_record_many
from accounts.exceptions import DomainError, NotAllowed
from accounts.notifications import notify
from procurement.models import Bid, BidStatus, Tender, TenderStatus
from procurement.models.bids import REVIEW_STATES
from procurement.services.bids import (
    _bidder_recipients,
    _lock_bid,
    _lock_tender,
    bid_eligibility_refusal,
    can,
    today_in_shanghai,
)


def min_qualified_bids() -> int:
    return int(getattr(settings, "GOVBUY_MIN_QUALIFIED_BIDS", 3))


@transaction.atomic
def tender_check_directory(*, tender: Tender, by: Any) -> int:
    """Re-run the directory check and the admitted kinds for every opened bid, on today's date.
    Returns the number of bids that no longer pass."""
    if not can(by, "procurement.review_qualification", tender):
        raise NotAllowed()
    tender = _lock_tender(tender.pk)
    today = today_in_shanghai()
    bids = list(Bid.objects.filter(tender=tender, status__in=REVIEW_STATES).select_related("organisation"))
    results: dict[tuple[bool, str], list[int]] = defaultdict(list)
    entries = []
    for bid in bids:
        refusal, version = bid_eligibility_refusal(tender=tender, organisation=bid.organisation, on=today)
        results[(refusal is None, str(refusal.message) if refusal else "")].append(bid.pk)
        entries.append(
            (
                "bid.directory_check",
                bid,
                {
                    "eligible": refusal is None,
                    "reason_code": refusal.code if refusal else "",
                    "version": version,
                },
            )
        )
    # One update per distinct answer and one audit append for all the bids (200 bids at an opening
    # were ~1,400 round trips one by one).
    for (eligible, reason), ids in results.items():
        Bid.objects.filter(pk__in=ids).update(review_eligible=eligible, review_eligibility_reason=reason)
    audit_record_many(actor=by, items=entries)
    return sum(len(ids) for (eligible, _reason), ids in results.items() if not eligible)


def _review(bid: Bid, by: Any) -> tuple[Tender, Bid]:
    tender = _lock_tender(bid.tender_id)
    if not can(by, "procurement.review_qualification", tender):
        raise NotAllowed()
    if tender.status != TenderStatus.OPENED:
        raise DomainError(
            _("Qualification review is possible only after opening and before it is completed.")
        )
    return tender, _lock_bid(bid.pk)


@transaction.atomic
def bid_qualify(*, bid: Bid, by: Any, reason: str = "") -> Bid:
    """The purchaser finds the bid qualified. A bid that fails the directory check cannot be."""
    tender, bid = _review(bid, by)
    if bid.review_eligible is False:
        raise DomainError(
            _("This bidder fails the directory check (%(reason)s) and must be disqualified.")
            % {"reason": bid.review_eligibility_reason},
            code="not_eligible",
        )
    bid.qualify(by=by, reason=reason.strip())
    bid.save()
    audit_record(actor=by, action="bid.qualify", obj=bid, summary={"tender": tender.reference})
    return bid


@transaction.atomic
def bid_disqualify(*, bid: Bid, by: Any, reason: str) -> Bid:
    """The purchaser disqualifies the bid, with a reason the bidder sees."""
    tender, bid = _review(bid, by)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for disqualification; the bidder will see it."), field="reason")
    bid.disqualify(by=by, reason=reason)
    bid.save()
    audit_record(
        actor=by, action="bid.disqualify", obj=bid, summary={"tender": tender.reference, "reason": reason}
    )
    return bid


@transaction.atomic
def tender_complete_qualification(*, tender: Tender, by: Any) -> Tender:
    """Close the review: on to evaluation, or the tender fails (废标) with a failure notice."""
    tender = _lock_tender(tender.pk)
    if not can(by, "procurement.review_qualification", tender):
        raise NotAllowed()
    if tender.status != TenderStatus.OPENED:
        raise DomainError(
            _("Qualification review is possible only after opening and before it is completed.")
        )
    bids = list(Bid.objects.filter(tender=tender, status__in=REVIEW_STATES))
    if any(b.status == BidStatus.OPENED for b in bids):
        raise DomainError(_("Decide every bid (qualified or disqualified) before completing the review."))
    qualified = sum(b.status == BidStatus.QUALIFIED for b in bids)
    needed = min_qualified_bids() if tender.is_public_tender else 1
    if qualified < needed:
        reason = str(
            _("Only %(qualified)d bid(s) qualified; at least %(needed)d are required (政府采购法 Art. 36).")
            % {"qualified": qualified, "needed": needed}
        )
        tender.fail(reason=reason)
        action, message = (
            "tender.fail",
            gettext_noop("Tender %(ref)s failed (废标): too few bids qualified. See the failure notice."),
        )
    else:
        tender.complete_qualification()
        action, message = (
            "tender.complete_qualification",
            gettext_noop("The qualification review of tender %(ref)s is complete; see your bid's result."),
        )
    tender.save()
    audit_record(
        actor=by, action=action, obj=tender, summary={"tender": tender.reference, "qualified": qualified}
    )
    notify(
        recipients=_bidder_recipients([b.organisation_id for b in bids]),
        kind="tender.qualification_result",
        message=message,
        params={"ref": tender.reference},
        url=tender.get_absolute_url(),
        obj=tender,
    )
    return tender
