"""Signing in: the failed-login rate limit, MFA for the roles that need it, supplier self-sign-up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts.models import Role, User
from tests.accounts.totp import totp_code
from tests.factories import PASSWORD, DepartmentFactory, EvaluatorOrganisationFactory, UserFactory
from tests.i18n import in_english

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
MFA_AUTHENTICATE = "/accounts/2fa/authenticate/"
TOTP_ACTIVATE = "/accounts/2fa/totp/activate/"
MFA_ROLES = [Role.DIRECTORY_ADMIN, Role.EXPERT, Role.EVALUATOR]
OTHER_ROLES = [Role.PURCHASER, Role.SUPPLIER, Role.SUPERVISOR]


def make_user(role: str, **extra: Any) -> User:
    fields: dict[str, Any] = {"role": role, **extra}
    if role in (Role.PURCHASER, Role.DIRECTORY_ADMIN, Role.SUPERVISOR):
        fields.setdefault("department", DepartmentFactory(code="JMMZ", name="江门市民政局"))
    if role == Role.EVALUATOR:
        fields.setdefault("evaluator_organisation", EvaluatorOrganisationFactory())
    user = UserFactory(**fields)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def english_client() -> Client:
    return in_english()


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- Failed-login rate limit ---------------------------------------------------------------------


def test_after_five_failures_even_the_right_password_is_refused() -> None:
    user = make_user(Role.SUPPLIER)
    client = english_client()
    for _ in range(5):
        response = client.post(LOGIN, {"login": user.email, "password": "wrong-password"})
        assert response.status_code == 200
        assert "The email address and/or password you specified are not correct." in response.content.decode()
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert not signed_in(client)


def test_rate_limit_message_is_translated() -> None:
    user = make_user(Role.SUPPLIER)
    client = Client()  # zh-hans, the default language
    for _ in range(6):
        response = client.post(LOGIN, {"login": user.email, "password": "wrong-password"})
    html = response.content.decode()
    assert "登录失败次数过多，请稍后重试。" in html


def test_four_failures_then_the_right_password_signs_in() -> None:
    user = make_user(Role.SUPPLIER)
    client = english_client()
    for _ in range(4):
        client.post(LOGIN, {"login": user.email, "password": "wrong-password"})
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in(client)


def test_a_locked_account_does_not_lock_out_colleagues_behind_the_same_address() -> None:
    """Government offices reach us from one NAT address: the lock is per account."""
    victim, colleague = make_user(Role.SUPPLIER), make_user(Role.SUPPLIER)
    client = english_client()
    for _ in range(6):
        client.post(LOGIN, {"login": victim.email, "password": "wrong-password"})
    response = in_english().post(LOGIN, {"login": colleague.email, "password": PASSWORD})
    assert response.status_code == 302


def test_the_lock_is_lifted_when_the_window_has_passed() -> None:
    user = make_user(Role.SUPPLIER)
    client = english_client()
    for _ in range(6):
        client.post(LOGIN, {"login": user.email, "password": "wrong-password"})
    cache.clear()  # the counters live in the cache and expire with the 5-minute window
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


# --- MFA for directory administrators, experts and evaluators -----------------------------------


@pytest.mark.parametrize("role", MFA_ROLES)
def test_mfa_roles_are_sent_to_totp_setup_until_they_have_one(role: str) -> None:
    user = make_user(role)
    client = english_client()
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in(client)
    for path in ("/dashboard/", "/", "/staff/audit/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(TOTP_ACTIVATE)
    follow = client.get("/dashboard/", follow=True)
    assert "Your role requires two-factor authentication" in follow.content.decode()
    # Where they were going is kept intact, query string and all.
    response = client.get("/dashboard/?page=2&sort=date")
    assert response["Location"] == TOTP_ACTIVATE + "?next=%2Fdashboard%2F%3Fpage%3D2%26sort%3Ddate"


@pytest.mark.parametrize("role", MFA_ROLES)
def test_mfa_roles_set_up_totp_and_then_may_act(role: str) -> None:
    user = make_user(role)
    client = english_client()
    client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    # Adding an authenticator is sensitive (a stolen session must not bind its own phone): allauth
    # asks for the password again first, then returns to the set-up page.
    response = client.get(TOTP_ACTIVATE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == TOTP_ACTIVATE
    page = client.get(TOTP_ACTIVATE)
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert secret in page.content.decode()  # shown for typing into an app, besides the QR code

    wrong = client.post(TOTP_ACTIVATE, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    response = client.post(TOTP_ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize("role", MFA_ROLES)
def test_with_totp_login_asks_for_a_code(role: str) -> None:
    user = make_user(role)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    client = english_client()

    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == MFA_AUTHENTICATE
    assert not signed_in(client)
    assert client.get("/dashboard/").status_code == 302  # the password alone is not enough

    bad = client.post(MFA_AUTHENTICATE, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert bad.status_code == 200
    assert "Incorrect code." in bad.content.decode()
    assert not signed_in(client)

    good = client.post(MFA_AUTHENTICATE, {"code": totp_code(secret)})
    assert good.status_code == 302
    assert signed_in(client)
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_not_forced_to_use_mfa(role: str) -> None:
    user = make_user(role)
    client = english_client()
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_site_administrators_must_set_up_totp_before_the_admin_site() -> None:
    """A superuser holds every permission, so a stolen password must not be enough."""
    admin = User.objects.create_superuser("root@example.test", PASSWORD, role="")
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    client = english_client()
    client.post(LOGIN, {"login": admin.email, "password": PASSWORD})
    assert signed_in(client)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(TOTP_ACTIVATE)
    TOTP.activate(admin, generate_totp_secret())
    assert client.get("/admin/").status_code == 200


def test_api_calls_of_an_mfa_role_without_totp_get_403() -> None:
    client = english_client()
    client.force_login(make_user(Role.EXPERT))
    response = client.get("/api/anything")
    assert response.status_code == 403
    assert "two-factor" in response.json()["error"]["message"]


# --- Supplier self-sign-up ----------------------------------------------------------------------


def test_supplier_signs_up_and_must_verify_the_email_address() -> None:
    client = english_client()
    response = client.post(
        "/accounts/signup/",
        {
            "email": "New.Supplier@Example.ORG",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
            "full_name": "林新",
            "phone": "0750-1234567",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email__iexact="new.supplier@example.org")
    assert user.email == "new.supplier@example.org"  # stored lower-case: one account per address
    assert user.role == Role.SUPPLIER
    assert user.full_name == "林新"
    assert user.department is None
    assert not EmailAddress.objects.get(user=user).verified
    assert not signed_in(client)

    # Signing in before verifying only re-sends the verification.
    client.post(LOGIN, {"login": "new.supplier@example.org", "password": "a-long-passphrase-42"})
    assert not signed_in(client)
    assert len(mail.outbox) >= 1

    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    path = "/" + link.group(0).split("/", 3)[3]
    assert client.get(path).status_code == 200
    client.post(path)
    assert EmailAddress.objects.get(user=user).verified

    fresh = english_client()
    response = fresh.post(LOGIN, {"login": "new.supplier@example.org", "password": "a-long-passphrase-42"})
    assert response.status_code == 302
    assert signed_in(fresh)
    assert fresh.get("/dashboard/").status_code == 200


def test_signup_cannot_choose_a_role() -> None:
    """Open sign-up is for suppliers only: a posted role is ignored."""
    client = english_client()
    client.post(
        "/accounts/signup/",
        {
            "email": "sneaky@example.org",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
            "full_name": "某人",
            "role": Role.DIRECTORY_ADMIN,
            "is_staff": "on",
        },
    )
    user = User.objects.get(email="sneaky@example.org")
    assert user.role == Role.SUPPLIER
    assert not user.is_staff
