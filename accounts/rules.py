"""Role and ownership predicates (``rules``). Every app's ``rules.py`` builds on these.

Predicates take ``(user, obj)``. Ownership is judged by the object's owner: an object with a
``department_id`` belongs to that department; a ``Department`` to itself.
"""

from __future__ import annotations

from typing import Any

import rules

from accounts.models import Role


def _has_role(role: str) -> Any:
    @rules.predicate(name=f"has_role_{role}")
    def predicate(user: Any) -> bool:
        return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == role)

    return predicate


is_purchaser = _has_role(Role.PURCHASER)
is_supplier = _has_role(Role.SUPPLIER)
is_directory_admin = _has_role(Role.DIRECTORY_ADMIN)
is_expert = _has_role(Role.EXPERT)
is_evaluator = _has_role(Role.EVALUATOR)
is_supervisor = _has_role(Role.SUPERVISOR)


@rules.predicate
def is_site_admin(user: Any) -> bool:
    # rules.is_superuser alone would let a deactivated administrator keep reading the audit trail.
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


@rules.predicate
def is_department_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_department_admin)


def owner_department_id(obj: Any) -> int | None:
    from accounts.models import Department

    if isinstance(obj, Department):
        return obj.pk
    return getattr(obj, "department_id", None)


@rules.predicate
def is_in_owner_department(user: Any, obj: Any) -> bool:
    """The user is staff of the department that owns ``obj``."""
    if obj is None or not getattr(user, "is_authenticated", False):
        return False
    dept = owner_department_id(obj)
    return dept is not None and user.department_id == dept


@rules.predicate
def is_in_owner_evaluator_organisation(user: Any, obj: Any) -> bool:
    if obj is None or not getattr(user, "is_authenticated", False):
        return False
    org = getattr(obj, "evaluator_organisation_id", None)
    return org is not None and user.evaluator_organisation_id == org


# Department staff management: a department administrator, for their own department only.
rules.add_perm("accounts.invite_staff", is_department_admin & is_in_owner_department)
rules.add_perm(
    "accounts.view_department", (is_purchaser | is_directory_admin | is_supervisor) & is_in_owner_department
)
# The audit trail is read by supervisors (财政局, 审计) and the site administrator.
rules.add_perm("accounts.view_audit", is_supervisor | is_site_admin)
# The bid-evaluation expert pool is kept by supervisors (财政局) and the site administrator.
rules.add_perm("accounts.manage_experts", is_supervisor | is_site_admin)
