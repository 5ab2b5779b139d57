"""Public portal URLs (mounted at the site root by config/urls.py)."""

from django.urls import path

app_name = "portal"

from portal.views import search as search_views  # noqa: E402

urlpatterns: list = [
    path("search/", search_views.search_page, name="search"),
]
