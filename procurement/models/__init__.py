"""Procurement models, split by concern. Each module re-exported here."""

from procurement.models.bids import Bid, BidDocument, BidReceipt, BidStatus, OpeningRecord, TenderKey
from procurement.models.calendar import CalendarYear, HolidayOverride
from procurement.models.tenders import (
    Amendment,
    CategorySubscription,
    Clarification,
    ProcurementMethod,
    ScoringCriterion,
    Tender,
    TenderDocument,
    TenderReferenceCounter,
    TenderStatus,
)

__all__ = [
    "Bid",
    "BidDocument",
    "BidReceipt",
    "BidStatus",
    "OpeningRecord",
    "TenderKey",
    "Amendment",
    "CalendarYear",
    "CategorySubscription",
    "Clarification",
    "HolidayOverride",
    "ProcurementMethod",
    "ScoringCriterion",
    "Tender",
    "TenderDocument",
    "TenderReferenceCounter",
    "TenderStatus",
]
