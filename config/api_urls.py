"""The REST API, mounted at /api/ by config/urls.py: versioned endpoints under v1/, the OpenAPI 3
schema and its documentation page. Each app contributes its ``<app>/api/urls.py``."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.api import views as account_api
from accounts.api.errors import api_not_found

v1 = [
    path("", include("accounts.api.urls")),
    path("", include("vendors.api.urls")),
    path("", include("procurement.api.urls")),
    path("", include("evaluation.api.urls")),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Interactive (Swagger UI from the sidecar package's static files, no CDN), and a plain list
    # of the operations rendered on the server for readers without JavaScript.
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("docs/reference/", account_api.api_docs, name="api-reference"),
    # Anything else under /api/ answers in the API's error format, not with the HTML 404 page.
    re_path(r"^(?!v1/ocds/).*$", api_not_found),
]
