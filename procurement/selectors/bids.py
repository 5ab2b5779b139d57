"""Reads of bids. Nothing here decrypts; sealed fields are never selected for pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from procurement.models import Bid, BidStatus
from procurement.models.bids import REVIEW_STATES
from vendors.models import Organisation

# Columns a page may load: never the ciphertext.
PAGE_FIELDS_DEFER = ("price_ciphertext",)


def organisations_acting_for(user: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user, memberships__status="approved").order_by(
        "name"
    )


def bids_of_user(user: Any) -> QuerySet[Bid]:
    """Every bid of the organisations the supplier acts for, newest first."""
    return (
        Bid.objects.filter(organisation__in=organisations_acting_for(user))
        .defer(*PAGE_FIELDS_DEFER)
        .select_related("tender", "organisation", "receipt")
        .order_by("-created_at", "-pk")
    )


def bids_owned_by(user: Any) -> QuerySet[Bid]:
    """The bids the user acts on as their owner, with their documents: ``procurement.change_bid``
    (``is_supplier & is_member_of_owner_organisation``) decided once for the whole list in SQL, so
    a list page makes the same queries whatever its size. Every row is the user's own bid: its
    documents are theirs to see, its opened price once it is opened (``read_bid_documents``)."""
    from accounts.rules import is_supplier

    if not is_supplier(user):
        return Bid.objects.none()
    return bids_of_user(user).prefetch_related("documents")


def bid_for_page(pk: int) -> Bid | None:
    return (
        Bid.objects.defer(*PAGE_FIELDS_DEFER)
        .select_related("tender", "tender__department", "organisation", "replaces")
        .prefetch_related("documents")
        .filter(pk=pk)
        .first()
    )


def bid_for_action(pk: int) -> Bid | None:
    """Just enough to check permission before a service call."""
    return Bid.objects.only("pk", "tender_id", "organisation_id", "status", "opened_at").filter(pk=pk).first()


def bids_for_review(tender: Any) -> QuerySet[Bid]:
    return (
        Bid.objects.filter(tender=tender, status__in=REVIEW_STATES)
        .defer(*PAGE_FIELDS_DEFER)
        .select_related("organisation")
        .prefetch_related("documents")
        .order_by("submitted_at", "pk")
    )


def live_bid(tender: Any, organisations: Any) -> Bid | None:
    return (
        Bid.objects.filter(tender=tender, organisation__in=organisations)
        .exclude(status__in=[BidStatus.WITHDRAWN, BidStatus.REPLACED])
        .defer(*PAGE_FIELDS_DEFER)
        .order_by("-pk")
        .first()
    )
