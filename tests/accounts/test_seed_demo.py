"""seed_demo: idempotent, refuses on a live site, prints accounts that really sign in."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import Department, Role, User
from tests.accounts.totp import totp_code

pytestmark = pytest.mark.django_db

DEMO_EMAILS = {
    "purchaser@example.org": Role.PURCHASER,
    "supplier@example.org": Role.SUPPLIER,
    "directory@example.org": Role.DIRECTORY_ADMIN,
    "expert@example.org": Role.EXPERT,
    "evaluator@example.org": Role.EVALUATOR,
    "supervisor@example.org": Role.SUPERVISOR,
    "admin@example.org": "",
}
ACCOUNT_LINE = re.compile(r"^\s+(?P<email>\S+@example\.org)\s+(?P<rest>.*)$", re.M)
SECRET = re.compile(r"TOTP secret (?P<secret>[A-Z2-7]{16,})")


def _seed(**options: Any) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


def _printed_accounts(output: str) -> dict[str, str]:
    """e-mail -> TOTP secret ('' when the role needs none), as the operator reads them."""
    accounts = {}
    for match in ACCOUNT_LINE.finditer(output):
        secret = SECRET.search(match.group("rest"))
        accounts[match.group("email")] = secret.group("secret") if secret else ""
    return accounts


def test_refuses_with_debug_off_unless_forced(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        _seed()
    assert not User.objects.exists()
    # --force with DEBUG off: test_is_idempotent seeds that way (each seed costs ~25 s).


def test_is_idempotent(settings: Any) -> None:
    settings.DEBUG = False
    first_output = _seed(force=True)
    assert User.objects.filter(email="purchaser@example.org").exists()
    first = _counts()
    second_output = _seed(force=True)
    assert _counts() == first
    # The same secrets twice: authenticator apps set up after the first run keep working.
    assert _printed_accounts(second_output) == _printed_accounts(first_output)


def test_in_debug_seeds_departments_one_user_per_role_and_prints_them(settings: Any) -> None:
    settings.DEBUG = True
    output = _seed()  # no --force needed in DEBUG (the embedded default)
    names = set(Department.objects.values_list("name", flat=True))
    assert {"江门市民政局", "蓬江区民政局", "江海区民政局"} <= names
    for email, role in DEMO_EMAILS.items():
        user = User.objects.get(email=email)
        assert user.role == role, email
    admin = User.objects.get(email="admin@example.org")
    assert admin.is_superuser
    assert admin.is_staff
    purchaser = User.objects.get(email="purchaser@example.org")
    assert purchaser.department is not None
    assert purchaser.department.name == "江门市民政局"
    assert purchaser.is_department_admin

    assert "govbuy-demo" in output
    accounts = _printed_accounts(output)
    assert set(DEMO_EMAILS) <= set(accounts)
    for email, role in DEMO_EMAILS.items():
        # The site administrator holds every permission, so it needs MFA too.
        needs_mfa = (
            role in (Role.DIRECTORY_ADMIN, Role.EXPERT, Role.EVALUATOR) or email == "admin@example.org"
        )
        assert bool(accounts[email]) is needs_mfa, email


def test_every_printed_account_can_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-password")
    accounts = _printed_accounts(_seed(force=True))
    for email, secret in accounts.items():
        client = Client()
        response = client.post("/accounts/login/", {"login": email, "password": "another-demo-password"})
        assert response.status_code == 302, email
        if secret:
            assert response["Location"] == "/accounts/2fa/authenticate/", email
            response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
            assert response.status_code == 302, email
        assert "_auth_user_id" in client.session, email
        assert client.get("/dashboard/").status_code == 200, email
