"""Reads for accounts, with their joins applied."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import AuditEntry, Department, Invitation


def invitations_for_department(department: Department) -> QuerySet[Invitation]:
    return Invitation.objects.filter(department=department).select_related("invited_by", "accepted_user")


def invitations_all() -> QuerySet[Invitation]:
    return Invitation.objects.select_related("invited_by", "accepted_user", "department").order_by(
        "-created_at"
    )


def audit_entries() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor").order_by("-seq")
