"""Procurement writes, split by concern: ``tenders`` (tender side), ``bids`` (bid side)."""
