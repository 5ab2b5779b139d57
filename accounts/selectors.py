"""Reads for accounts, with their joins applied."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
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


def audit_rows(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """The entries of an audit page, each with ``revealed_actor`` (the actor of a sealed entry once
    the opening has revealed it, else "") and ``extract_sealed`` (its object's trail is sealed for
    now, so no extract is offered: a bid before the opening)."""
    from accounts.audit import revealed_actors
    from accounts.documents import audit_sealed

    rows = list(entries)
    revealed = revealed_actors(rows)
    ids: dict[str, set[str]] = {}
    for e in rows:
        if e.object_type:
            ids.setdefault(e.object_type, set()).add(e.object_id)
    sealed: set[tuple[str, str]] = set()
    for label, pks in ids.items():
        try:
            model: Any = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        if not hasattr(model, "is_audit_sealed"):
            continue
        for obj in model._default_manager.filter(pk__in=pks):
            if audit_sealed(obj):
                sealed.add((label, str(obj.pk)))
    for e in rows:
        e.revealed_actor = revealed.get(e.seq, "")  # type: ignore[attr-defined]
        e.extract_sealed = (e.object_type, e.object_id) in sealed  # type: ignore[attr-defined]
    return rows
