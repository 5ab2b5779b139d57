"""Public portal URLs (mounted at the site root by config/urls.py)."""

from django.urls import path  # noqa: F401  (parts append below)

app_name = "portal"

urlpatterns: list = []
