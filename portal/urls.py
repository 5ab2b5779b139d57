"""Public portal URLs (mounted at the site root by config/urls.py)."""

from django.urls import path

app_name = "portal"

from portal.views import search as search_views  # noqa: E402
from portal.views import stats as stats_views  # noqa: E402

urlpatterns: list = [
    path("statistics/", stats_views.statistics_page, name="statistics"),
    path("exports/<slug:dataset>.<slug:fmt>", stats_views.export, name="export"),
    path("search/", search_views.search_page, name="search"),
]
