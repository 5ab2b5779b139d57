"""allauth: open sign-up is for supplier staff only; department staff are invited."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from accounts.models import Role


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(getattr(settings, "GOVBUY_SIGNUP_OPEN", True))

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        user.role = Role.SUPPLIER
        user.language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
        if commit:
            user.save()
        return user
