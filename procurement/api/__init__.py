"""Procurement REST API: tenders, bids, awards, challenges, contracts (``/api/v1/``)."""
