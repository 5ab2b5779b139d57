"""MFA before acting: directory administrators, experts and evaluators must set up TOTP first.

Until they have, every page but the MFA set-up pages, logout, language switching and static files
sends them to the TOTP set-up page (API calls get 403). Once an authenticator exists, allauth asks
for a code at every login.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _

_ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz", "/verify/", "/survey/")


def user_has_totp(user: object) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "role_requires_mfa", False)
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not user_has_totp(user)
        ):
            if request.path.startswith("/api/"):
                from accounts.api.errors import error_body

                message = _("Set up two-factor authentication before using this role.")
                return JsonResponse(error_body("mfa_required", message), status=403)
            messages.warning(
                request, _("Your role requires two-factor authentication. Set up an authenticator app first.")
            )
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """The interface speaks zh-hans unless the person chose otherwise.

    The language is, in order: the one chosen with the language switch (cookie), the signed-in
    user's saved language, else ``LANGUAGE_CODE`` (zh-hans). The browser's Accept-Language header
    is not consulted: a government platform in China answers in Chinese, and a visitor whose
    browser happens to be set to English switches with one click.
    """

    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if not (language and check_for_language(language)):
            user = getattr(request, "user", None)
            saved = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
            language = saved if saved and check_for_language(saved) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
