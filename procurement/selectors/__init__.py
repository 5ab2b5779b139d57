"""Procurement reads, split by concern. ``latest_public_notices`` feeds the home page."""

from procurement.selectors.tenders import latest_public_notices

__all__ = ["latest_public_notices"]
