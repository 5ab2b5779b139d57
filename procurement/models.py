"""Tenders, bids, opening, bid evaluation, award, contracts and payments (issues to come)."""
