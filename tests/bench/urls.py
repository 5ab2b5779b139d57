"""The site's URLs plus the bare baseline views under ``/bench-bare/`` (bench settings only)."""

from django.urls import include, path

from config.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("bench-bare/", include("tests.bench.bare.urls")), *site_urlpatterns]
