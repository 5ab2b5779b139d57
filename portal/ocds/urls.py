"""Open data (OCDS 1.1), mounted at /api/v1/ocds/ by config/urls.py. Public and read-only."""

from django.urls import path

from portal.ocds import views

app_name = "ocds"

urlpatterns = [
    path("releases", views.releases, name="releases"),
    path("records", views.records, name="records"),
    path("bulk", views.bulk, name="bulk"),
    path("extensions/<slug:name>/<path:filename>", views.extension_file, name="extension_file"),
]
