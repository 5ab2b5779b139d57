"""Role × permission matrix for the accounts permissions (rules predicates).

Every role, as plain staff and as department administrator, in the object's department and in
another one, plus the anonymous visitor, the site administrator and deactivated accounts.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import DEPARTMENT_ROLES, Role, User
from tests.factories import DepartmentFactory, EvaluatorOrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

OWN, OTHER = "own", "other"


def _make(role: str, *, where: str | None = None, admin: bool = False, **extra: Any) -> User:
    fields: dict[str, Any] = {"role": role, **extra}
    if role in DEPARTMENT_ROLES:
        fields["department"] = (
            DepartmentFactory(code="JMMZ") if where == OWN else DepartmentFactory(code="PJMZ")
        )
        fields["is_department_admin"] = admin
    if role == Role.EVALUATOR:
        fields["evaluator_organisation"] = EvaluatorOrganisationFactory()
    return UserFactory(**fields)


# (description, builder, invite_staff, view_department, view_audit) for the department JMMZ ("own").
MATRIX = [
    ("purchaser admin, own dept", {"role": Role.PURCHASER, "where": OWN, "admin": True}, True, True, False),
    (
        "purchaser admin, other dept",
        {"role": Role.PURCHASER, "where": OTHER, "admin": True},
        False,
        False,
        False,
    ),
    ("purchaser, own dept", {"role": Role.PURCHASER, "where": OWN}, False, True, False),
    ("purchaser, other dept", {"role": Role.PURCHASER, "where": OTHER}, False, False, False),
    ("directory admin, own dept", {"role": Role.DIRECTORY_ADMIN, "where": OWN}, False, True, False),
    (
        "directory admin + dept admin, own",
        {"role": Role.DIRECTORY_ADMIN, "where": OWN, "admin": True},
        True,
        True,
        False,
    ),
    ("directory admin, other dept", {"role": Role.DIRECTORY_ADMIN, "where": OTHER}, False, False, False),
    ("supervisor, own dept", {"role": Role.SUPERVISOR, "where": OWN}, False, True, True),
    ("supervisor, other dept", {"role": Role.SUPERVISOR, "where": OTHER}, False, False, True),
    (
        "supervisor + dept admin, other",
        {"role": Role.SUPERVISOR, "where": OTHER, "admin": True},
        False,
        False,
        True,
    ),
    ("supplier", {"role": Role.SUPPLIER}, False, False, False),
    ("expert", {"role": Role.EXPERT}, False, False, False),
    ("evaluator", {"role": Role.EVALUATOR}, False, False, False),
    # Django's convention: an active superuser holds every permission (has_perm short-circuits).
    ("site administrator", {"role": "", "is_superuser": True, "is_staff": True}, True, True, True),
    # Deactivated accounts keep their role and department but may do nothing.
    (
        "inactive purchaser admin",
        {"role": Role.PURCHASER, "where": OWN, "admin": True, "is_active": False},
        False,
        False,
        False,
    ),
    ("inactive supervisor", {"role": Role.SUPERVISOR, "where": OWN, "is_active": False}, False, False, False),
    (
        "inactive site administrator",
        {"role": "", "is_superuser": True, "is_active": False},
        False,
        False,
        False,
    ),
]


@pytest.mark.parametrize(
    ("who", "spec", "invite", "view_dept", "view_audit"), MATRIX, ids=[row[0] for row in MATRIX]
)
def test_accounts_permission_matrix(
    who: str, spec: dict[str, Any], invite: bool, view_dept: bool, view_audit: bool
) -> None:
    own = DepartmentFactory(code="JMMZ", name="江门市民政局")
    user = _make(**spec)
    assert user.has_perm("accounts.invite_staff", own) is invite
    assert user.has_perm("accounts.view_department", own) is view_dept
    assert user.has_perm("accounts.view_audit") is view_audit


def test_anonymous_visitor_has_no_accounts_permission() -> None:
    own = DepartmentFactory(code="JMMZ")
    anon = AnonymousUser()
    assert not anon.has_perm("accounts.invite_staff", own)
    assert not anon.has_perm("accounts.view_department", own)
    assert not anon.has_perm("accounts.view_audit")


def test_department_permissions_need_an_object() -> None:
    """Without the object there is no owner to compare with: never granted."""
    admin = _make(Role.PURCHASER, where=OWN, admin=True)
    assert not admin.has_perm("accounts.invite_staff")
    assert not admin.has_perm("accounts.invite_staff", None)


def test_ownership_follows_the_objects_department_id() -> None:
    """Other apps' objects with a ``department_id`` (tenders, contracts) are judged the same way."""
    from accounts.rules import is_in_owner_department

    own, other = DepartmentFactory(code="JMMZ"), DepartmentFactory(code="PJMZ")
    purchaser = _make(Role.PURCHASER, where=OWN)

    class Owned:
        def __init__(self, department_id: int) -> None:
            self.department_id = department_id

    assert is_in_owner_department(purchaser, Owned(own.pk))
    assert not is_in_owner_department(purchaser, Owned(other.pk))
    assert not is_in_owner_department(_make(Role.SUPPLIER), Owned(own.pk))
