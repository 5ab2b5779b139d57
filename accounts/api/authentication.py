"""``Authorization: Bearer gb_…`` (or ``Token gb_…``): the API token of a person."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import check_for_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.api.tokens import api_token_user, may_hold_token


class ApiTokenAuthentication(BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            raw = header[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        user = api_token_user(raw)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        if not may_hold_token(user):
            raise exceptions.PermissionDenied(_("Set up two-factor authentication before using this role."))
        # The locale middleware ran before the user was known: answer in the person's language
        # unless the request chose one with the language cookie.
        if not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) and check_for_language(user.language):
            translation.activate(user.language)
            request._request.LANGUAGE_CODE = user.language
        return user, None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token created on the account's “API tokens” page (gb_…).",
        }
