"""Procurement views, split by concern."""
