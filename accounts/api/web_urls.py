"""The account's "API tokens" page (under /accounts/, so a role that must set up two-factor
authentication first sees the page and is told to)."""

from django.urls import path

from accounts.api import views

urlpatterns = [
    path("", views.api_tokens, name="api_tokens"),
    path("<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
]
