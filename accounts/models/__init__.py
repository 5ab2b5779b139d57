"""Users, the organisations people belong to, and the audit trail."""

from accounts.models.api_tokens import ApiToken
from accounts.models.audit import AuditEntry
from accounts.models.documents import GeneratedDocument
from accounts.models.notifications import EmailMode, Notification, NotificationPreference
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
    "ApiToken",
    "AuditEntry",
    "Department",
    "EmailMode",
    "EvaluatorOrganisation",
    "ExpertProfile",
    "GeneratedDocument",
    "Invitation",
    "Notification",
    "NotificationPreference",
    "Role",
    "User",
]
