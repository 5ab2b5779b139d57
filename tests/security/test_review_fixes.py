"""Review findings (low): state changes on GET, and roles a department administrator may give.

- Opening a notification marks it read: a POST with the CSRF token, never a GET (a prefetcher or
  an <img> on any page could otherwise mark someone's inbox read).
- A department administrator invites purchasers only: directory administrators and supervisors
  oversee other departments' work (departments carry no kind that would say which of them may
  have those roles), so only the site administrator invites them, into a department it chooses.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.exceptions import DomainError
from accounts.models import Invitation, Notification, Role
from accounts.notifications import notify
from tests.conftest import _verified
from tests.factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def note() -> Notification:
    user = _verified(UserFactory(role=Role.PURCHASER, department=DepartmentFactory()))
    notify(
        recipients=[user], kind="document.failed", message="x %(title)s", params={"title": "t"}, url="/inbox/"
    )
    return Notification.objects.get(recipient=user)


def test_get_does_not_open_a_notification(note: Notification) -> None:
    client = Client()
    client.force_login(note.recipient)
    assert client.get(reverse("notifications:open", args=[note.pk])).status_code == 405
    note.refresh_from_db()
    assert note.read_at is None


def test_opening_is_a_post_with_the_csrf_token(note: Notification) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(note.recipient)
    url = reverse("notifications:open", args=[note.pk])
    assert client.post(url).status_code == 403
    note.refresh_from_db()
    assert note.read_at is None
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert f'action="{url}"' in inbox  # the item is a form button now
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None


@pytest.mark.parametrize("role", [Role.DIRECTORY_ADMIN, Role.SUPERVISOR])
def test_a_department_admin_may_not_invite_oversight_roles(role: str) -> None:
    department = DepartmentFactory()
    admin = UserFactory(role=Role.PURCHASER, department=department, is_department_admin=True)
    with pytest.raises(DomainError):
        services.invitation_create(department=department, email="o@x.test", role=role, by=admin)
    client = Client()
    client.force_login(admin)
    response = client.post(reverse("accounts:invitations"), {"email": "o@x.test", "role": role})
    assert response.status_code == 200  # the form shows the error
    assert not Invitation.objects.exists()
    # Purchasers it may invite, into its own department.
    services.invitation_create(department=department, email="p@x.test", role=Role.PURCHASER, by=admin)
    assert Invitation.objects.get().role == Role.PURCHASER


@pytest.mark.parametrize("role", [Role.DIRECTORY_ADMIN, Role.SUPERVISOR, Role.PURCHASER])
def test_the_site_administrator_invites_any_staff_role_into_a_chosen_department(role: str) -> None:
    department = DepartmentFactory()
    site_admin = _verified(UserFactory(role="", is_superuser=True, is_staff=True))
    client = Client()
    client.force_login(site_admin)
    response = client.post(
        reverse("accounts:invitations"), {"email": "s@x.test", "role": role, "department": department.pk}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.department) == (role, department)
