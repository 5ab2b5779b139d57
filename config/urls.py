from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from accounts import views as account_views
from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("api/v1/ocds/", include("portal.ocds.urls")),  # before any other api/ include
    path("api/", include("config.api_urls")),  # REST API v1, schema, docs (after ocds)
    path("healthz", views.healthz, name="healthz"),
    path("dashboard/", account_views.dashboard, name="dashboard"),
    path("accounts/api-tokens/", include("accounts.api.web_urls")),
    path("accounts/", include("allauth.urls")),
    path("staff/", include("accounts.urls")),
    path("evaluations/", include("evaluation.urls")),
    path("survey/", include("evaluation.survey_urls")),
    path("procurement/", include("procurement.urls")),
    path("directory/", include("vendors.urls")),
    path("", include("portal.urls")),
    path("", include("accounts.urls_notifications")),
    path("", include("accounts.urls_documents")),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("i18n/switch/", account_views.language_switch, name="language_switch"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]
# Media is never served directly: every file download goes through a view that checks permission.
