"""Users, the organisations people belong to, and the audit trail."""

from accounts.models.audit import AuditEntry
from accounts.models.users import (
    DEPARTMENT_ROLES,
    Department,
    EvaluatorOrganisation,
    ExpertProfile,
    Invitation,
    Role,
    User,
)

__all__ = [
    "DEPARTMENT_ROLES",
    "AuditEntry",
    "Department",
    "EvaluatorOrganisation",
    "ExpertProfile",
    "Invitation",
    "Role",
    "User",
]
