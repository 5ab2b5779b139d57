from django.urls import path

from accounts import document_views as views

app_name = "documents"

urlpatterns = [
    path("documents/request/", views.request_document, name="request"),
    path("documents/<int:pk>/", views.document_status, name="status"),
    path("documents/<int:pk>/download/", views.document_download, name="download"),
    # Public. The printed link is SITE_URL/verify/<code>, without a trailing slash.
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>", views.verify_code, name="verify_code"),
]
