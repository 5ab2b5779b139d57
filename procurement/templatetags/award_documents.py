"""``{% award_documents award %}``: the award's PDF buttons for whoever is looking: the announcement
(中标公告), and the award or result notice and the challenge replies of the bids and challenges the
user may see. Two queries; nothing is shown that ``can_view`` of the kind would refuse."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.rules import is_supplier
from procurement.documents.award import can_view_award_announcement
from procurement.models import Award, Bid, Challenge

register = template.Library()


@register.inclusion_tag("procurement/includes/award_documents.html", takes_context=True)
def award_documents(context: Any, award: Award) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    shown: dict[str, Any] = {"award": award, "csrf_token": context.get("csrf_token"), "request": request}
    if user is None or not user.is_authenticated:
        # A visitor may have the public announcement (a public kind), nothing addressed to a bidder.
        public = user is not None and can_view_award_announcement(user, award)
        return {**shown, "announcement": public, "bids": [], "challenges": []}
    if award.announced_at is None:
        return {
            **shown,
            "announcement": can_view_award_announcement(user, award),
            "bids": [],
            "challenges": [],
        }
    # The same answers as the kinds' can_view, decided once for the page rather than per row.
    sees_all = bool(
        user.has_perm("procurement.award_tender", award.tender) or user.has_perm("accounts.view_audit")
    )
    bids = Bid.objects.filter(tender_id=award.tender_id, opened_at__isnull=False)
    challenges = Challenge.objects.filter(award=award, replied_at__isnull=False)
    if not sees_all:
        if not is_supplier(user):
            return {**shown, "announcement": True, "bids": [], "challenges": []}
        org_ids = user.memberships.filter(status="approved").values("organisation_id")
        bids = bids.filter(organisation_id__in=org_ids)
        challenges = challenges.filter(organisation_id__in=org_ids)
    return {
        **shown,
        "announcement": can_view_award_announcement(user, award),
        "bids": list(bids.select_related("organisation").order_by("id")),
        "challenges": list(challenges.select_related("organisation").order_by("id")),
    }
