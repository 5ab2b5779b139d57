"""Vendors REST API: organisations' public profiles and the published qualification directory."""
