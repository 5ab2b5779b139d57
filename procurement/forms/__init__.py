"""Procurement forms, split by concern."""
