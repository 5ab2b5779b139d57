"""The menu shows each role what it may open, and nothing that would answer 403."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role
from tests.factories import DepartmentFactory, UserFactory
from tests.i18n import in_english

pytestmark = pytest.mark.django_db


def _menu(client: Client) -> str:
    html = in_english(client).get("/").content.decode()
    return html.split('class="main-nav"', 1)[1].split("</nav>", 1)[0]


def test_department_admin_sees_invitations_and_plain_staff_do_not() -> None:
    dept = DepartmentFactory(code="JMMZ")
    admin_client, staff_client = Client(), Client()
    admin_client.force_login(UserFactory(role=Role.PURCHASER, department=dept, is_department_admin=True))
    staff_client.force_login(UserFactory(role=Role.PURCHASER, department=dept))
    assert 'href="/staff/invitations/"' in _menu(admin_client)
    assert 'href="/staff/invitations/"' not in _menu(staff_client)
    assert staff_client.get("/staff/invitations/").status_code == 403


def test_supervisor_sees_the_audit_trail_and_a_supplier_does_not() -> None:
    supervisor, supplier = Client(), Client()
    supervisor.force_login(UserFactory(role=Role.SUPERVISOR, department=DepartmentFactory(code="JMCZ")))
    supplier.force_login(UserFactory(role=Role.SUPPLIER))
    assert 'href="/staff/audit/"' in _menu(supervisor)
    assert supervisor.get("/staff/audit/").status_code == 200
    assert 'href="/staff/audit/"' not in _menu(supplier)
    assert supplier.get("/staff/audit/").status_code == 403


def test_anonymous_visitors_see_no_workspace_entries() -> None:
    menu = _menu(Client())
    assert 'href="/"' in menu
    assert 'href="/dashboard/"' not in menu
    assert 'href="/staff/' not in menu
