"""A department administrator invites staff; the invited person accepts by the e-mailed link."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.exceptions import NotAllowed
from accounts.models import AuditEntry, Invitation, Role, User
from tests.factories import DepartmentFactory, EvaluatorOrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

INVITATIONS = "/staff/invitations/"


@pytest.fixture
def jmmz() -> Any:
    return DepartmentFactory(code="JMMZ", name="江门市民政局")


@pytest.fixture
def dept_admin(jmmz: Any) -> User:
    return UserFactory(role=Role.PURCHASER, department=jmmz, is_department_admin=True, email="boss@jmmz.test")


def _link_path(body: str) -> str:
    match = re.search(r"https?://\S+?(/staff/invitations/[\w-]+/)", body)
    assert match, body
    return match.group(1)


def test_invitation_end_to_end(
    client: Client, dept_admin: User, jmmz: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(dept_admin)
    assert client.get(INVITATIONS).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(INVITATIONS, {"email": "New.Colleague@JMMZ.test", "role": Role.PURCHASER})
    assert response.status_code == 302

    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.department, invitation.role) == (
        "new.colleague@jmmz.test",
        jmmz,
        Role.PURCHASER,
    )
    assert AuditEntry.objects.filter(action="invitation.create", object_id=str(invitation.pk)).exists()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.colleague@jmmz.test"]
    assert "江门市民政局" in message.subject
    path = _link_path(message.body)
    assert path == f"/staff/invitations/{invitation.token}/"

    invited = Client()
    page = invited.get(path)
    assert page.status_code == 200
    assert "new.colleague@jmmz.test" in page.content.decode()
    response = invited.post(
        path,
        {"full_name": "何新同事", "password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"

    user = User.objects.get(email="new.colleague@jmmz.test")
    assert (user.role, user.department, user.full_name) == (Role.PURCHASER, jmmz, "何新同事")
    assert not user.is_department_admin
    assert user.emailaddress_set.get().verified  # the link proved the address
    assert invited.get("/dashboard/").status_code == 200
    invitation.refresh_from_db()
    assert invitation.accepted_user == user
    assert AuditEntry.objects.filter(action="invitation.accept", actor=user).exists()

    # The link works once.
    again = Client().get(path)
    assert again.status_code == 410
    assert (
        Client().post(path, {"full_name": "x", "password1": "p" * 12, "password2": "p" * 12}).status_code
        == 410
    )
    assert User.objects.filter(email="new.colleague@jmmz.test").count() == 1

    # The new colleague signs in with the password they chose.
    fresh = Client()
    response = fresh.post(
        "/accounts/login/", {"login": "new.colleague@jmmz.test", "password": "a-long-passphrase-42"}
    )
    assert response.status_code == 302


def test_invited_directory_administrator_must_set_up_mfa_next(
    jmmz: Any, django_capture_on_commit_callbacks: Any
) -> None:
    site_admin = UserFactory(role="", is_superuser=True, is_staff=True)  # only it invites this role
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            department=jmmz, email="dir@jmmz.test", role=Role.DIRECTORY_ADMIN, by=site_admin
        )
    client = Client()
    client.post(
        f"/staff/invitations/{invitation.token}/",
        {"full_name": "目录管理员", "password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42"},
    )
    assert User.objects.get(email="dir@jmmz.test").role == Role.DIRECTORY_ADMIN
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_expired_invitation_is_refused(dept_admin: User, jmmz: Any) -> None:
    invitation = services.invitation_create(
        department=jmmz, email="late@jmmz.test", role=Role.PURCHASER, by=dept_admin
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client = Client()
    path = f"/staff/invitations/{invitation.token}/"
    assert client.get(path).status_code == 410
    response = client.post(
        path, {"full_name": "迟到", "password1": "a-long-passphrase-42", "password2": "a-long-passphrase-42"}
    )
    assert response.status_code == 410
    assert not User.objects.filter(email="late@jmmz.test").exists()


def test_unknown_token_is_refused(db: Any) -> None:
    assert Client().get("/staff/invitations/not-a-real-token/").status_code == 410


def test_expired_invitation_email_is_not_sent(
    dept_admin: User, jmmz: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The task runs later: by then the invitation may have expired (idempotent, thin task)."""
    from accounts.tasks import send_invitation_email

    invitation = services.invitation_create(
        department=jmmz, email="x@jmmz.test", role=Role.PURCHASER, by=dept_admin
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    send_invitation_email(invitation.pk)
    assert mail.outbox == []


def _someone(role: str, jmmz: Any, **extra: Any) -> User:
    fields: dict[str, Any] = {"role": role, **extra}
    if role in (Role.PURCHASER, Role.DIRECTORY_ADMIN, Role.SUPERVISOR):
        fields.setdefault("department", jmmz)
    if role == Role.EVALUATOR:
        fields["evaluator_organisation"] = EvaluatorOrganisationFactory()
    return UserFactory(**fields)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_non_admins_get_403_and_invite_nobody(client: Client, jmmz: Any, role: str) -> None:
    user = _someone(role, jmmz)
    client.force_login(user)
    # MFA roles would be sent to set up TOTP first; give them one so the permission itself is tested.
    if user.role_requires_mfa:
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        TOTP.activate(user, generate_totp_secret())
    assert client.get(INVITATIONS).status_code == 403
    assert client.post(INVITATIONS, {"email": "x@jmmz.test", "role": Role.PURCHASER}).status_code == 403
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_anonymous_visitor_is_sent_to_login(client: Client, db: Any) -> None:
    response = client.get(INVITATIONS)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_another_departments_admin_may_not_invite_into_yours(jmmz: Any) -> None:
    other_admin = UserFactory(
        role=Role.PURCHASER, department=DepartmentFactory(code="PJMZ"), is_department_admin=True
    )
    with pytest.raises(NotAllowed):
        services.invitation_create(department=jmmz, email="x@jmmz.test", role=Role.PURCHASER, by=other_admin)
    assert not Invitation.objects.exists()
    assert not AuditEntry.objects.exists()


def test_the_invitation_page_invites_into_the_admins_own_department_only(
    client: Client, jmmz: Any, django_capture_on_commit_callbacks: Any
) -> None:
    pjmz = DepartmentFactory(code="PJMZ", name="蓬江区民政局")
    other_admin = UserFactory(role=Role.PURCHASER, department=pjmz, is_department_admin=True)
    client.force_login(other_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(INVITATIONS, {"email": "y@test.test", "role": Role.PURCHASER, "department": jmmz.pk})
    assert Invitation.objects.get().department == pjmz


@pytest.mark.parametrize("role", [Role.SUPPLIER, Role.EXPERT, Role.EVALUATOR, "site_admin"])
def test_invitations_are_for_department_roles_only(dept_admin: User, jmmz: Any, role: str) -> None:
    from accounts.exceptions import DomainError

    with pytest.raises(DomainError):
        services.invitation_create(department=jmmz, email="z@jmmz.test", role=role, by=dept_admin)
    assert not Invitation.objects.exists()


def test_existing_user_cannot_be_invited(client: Client, dept_admin: User) -> None:
    UserFactory(email="taken@jmmz.test")
    client.force_login(dept_admin)
    response = client.post(INVITATIONS, {"email": "Taken@JMMZ.test", "role": Role.PURCHASER})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not Invitation.objects.exists()


def test_weak_or_mismatched_passwords_are_refused(dept_admin: User, jmmz: Any) -> None:
    invitation = services.invitation_create(
        department=jmmz, email="w@jmmz.test", role=Role.PURCHASER, by=dept_admin
    )
    path = f"/staff/invitations/{invitation.token}/"
    client = Client()
    for p1, p2 in [("12345678", "12345678"), ("a-long-passphrase-42", "a-long-passphrase-43")]:
        response = client.post(path, {"full_name": "弱密码", "password1": p1, "password2": p2})
        assert response.status_code == 200
    assert not User.objects.filter(email="w@jmmz.test").exists()
    assert Invitation.objects.get().accepted_at is None
