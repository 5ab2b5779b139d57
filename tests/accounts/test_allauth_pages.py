"""allauth's pages (sign-in, sign-up, MFA) render inside GovBuy's layout, in both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from accounts.models import Role
from tests.factories import PASSWORD, UserFactory
from tests.i18n import in_english

pytestmark = pytest.mark.django_db


def _in_layout(html: str, language: str) -> None:
    assert f'<html lang="{language}">' in html
    assert 'class="skip-link"' in html
    assert 'class="site-header"' in html
    assert 'id="language-select"' in html
    assert '<main id="main"' in html
    assert "Menu:" not in html  # allauth's bare fallback layout is not used


@pytest.mark.parametrize(
    ("path", "english", "chinese"),
    [
        ("/accounts/login/", "Sign In", "登录"),
        ("/accounts/signup/", "Signup", "注册"),
        ("/accounts/password/reset/", "Password Reset", "密码重置"),
    ],
)
def test_public_account_pages_use_the_site_layout(path: str, english: str, chinese: str) -> None:
    en = in_english().get(path)
    assert en.status_code == 200
    _in_layout(en.content.decode(), "en")
    title = re.search(r"<title>(.*?)</title>", en.content.decode(), re.S)
    assert title
    assert " ".join(title.group(1).split()) == f"{english} · Government Purchase of Services Platform"
    zh = Client().get(path)
    html = zh.content.decode()
    _in_layout(html, "zh-hans")
    assert chinese in html


def test_signup_page_asks_for_the_supplier_fields() -> None:
    html = in_english().get("/accounts/signup/").content.decode()
    for name in ("email", "password1", "password2", "full_name", "phone"):
        assert f'name="{name}"' in html
    assert 'for="id_full_name"' in html  # labelled, not placeholder-only


def test_mfa_pages_use_the_site_layout() -> None:
    user = UserFactory(role=Role.EXPERT)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client = in_english()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    reauth = client.get("/accounts/reauthenticate/")
    _in_layout(reauth.content.decode(), "en")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    activate = client.get("/accounts/2fa/totp/activate/")
    assert activate.status_code == 200
    _in_layout(activate.content.decode(), "en")
    assert "Activate Authenticator App" in activate.content.decode()


def test_code_page_at_login_uses_the_site_layout() -> None:
    user = UserFactory(role=Role.EXPERT)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    page = client.get("/accounts/2fa/authenticate/")
    assert page.status_code == 200
    _in_layout(page.content.decode(), "zh-hans")
    assert 'autocomplete="one-time-code"' in page.content.decode()


def test_allauth_page_scripts_reach_the_page(rf: Any) -> None:
    """allauth puts page scripts (passkeys, QR helpers) in ``extra_body``: they must not be dropped."""
    from django.template import engines

    template = engines["django"].from_string(
        '{% extends "allauth/layouts/base.html" %}'
        "{% block content %}<p>body</p>{% endblock %}"
        '{% block extra_body %}<script id="allauth-script"></script>{% endblock %}'
    )
    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = template.render({}, request)
    assert '<script id="allauth-script"></script>' in html
    assert html.index("allauth-script") > html.index("</footer>")
