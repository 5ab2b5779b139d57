"""The service-category taxonomy, editable by directory administrators.

A category is never deleted (published versions link to it): it is deactivated instead, and a
deactivated category is offered to nobody new while the versions that list it keep showing it.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_record
from accounts.exceptions import DomainError
from vendors.models import DirectoryEntry, ServiceCategory
from vendors.services.common import require

CATEGORY_FIELDS = ("code", "name", "name_en", "parent", "is_active", "sort_order")


def _clean(fields: dict[str, Any], instance: ServiceCategory | None) -> dict[str, Any]:
    unknown = set(fields) - set(CATEGORY_FIELDS)
    if unknown:
        raise TypeError(f"unknown category fields: {sorted(unknown)}")
    cleaned = dict(fields)
    if "code" in cleaned:
        cleaned["code"] = unicodedata.normalize("NFKC", cleaned["code"] or "").strip().upper()
        if not cleaned["code"]:
            raise DomainError(_("The code is required."), field="code")
    if "name" in cleaned:
        cleaned["name"] = unicodedata.normalize("NFKC", cleaned["name"] or "").strip()
        if not cleaned["name"]:
            raise DomainError(_("The name is required."), field="name")
    others = ServiceCategory.objects.exclude(pk=instance.pk) if instance else ServiceCategory.objects.all()
    if "code" in cleaned and others.filter(code__iexact=cleaned["code"]).exists():
        raise DomainError(_("Another category has this code."), field="code")
    if "name" in cleaned and others.filter(name=cleaned["name"]).exists():
        raise DomainError(_("Another category has this name."), field="name")
    if (
        instance is not None
        and "code" in cleaned
        and cleaned["code"] != instance.code
        and DirectoryEntry.objects.in_published().filter(categories=instance).exists()
    ):
        # Published versions, their exports and the eligibility decisions made on them name the code.
        raise DomainError(
            _("This category is listed in a published version; its code can no longer change."), field="code"
        )
    parent = cleaned.get("parent")
    if parent is not None and instance is not None:
        node: ServiceCategory | None = parent
        while node is not None:
            if node.pk == instance.pk:
                raise DomainError(_("A category cannot be placed under itself."), field="parent")
            node = node.parent
    return cleaned


@transaction.atomic
def category_create(*, by: Any, code: str, name: str, **fields: Any) -> ServiceCategory:
    """Add a service category to the taxonomy (directory administrators)."""
    require(by, "vendors.manage_categories")
    cleaned = _clean({"code": code, "name": name, **fields}, None)
    category = ServiceCategory.objects.create(**cleaned)
    audit_record(
        actor=by,
        action="directory.category_create",
        obj=category,
        summary={"code": category.code, "name": category.name},
    )
    return category


@transaction.atomic
def category_update(*, category: ServiceCategory, by: Any, **fields: Any) -> ServiceCategory:
    """Rename, re-code, re-parent, reorder or (de)activate a category (directory administrators)."""
    require(by, "vendors.manage_categories")
    category = ServiceCategory.objects.select_for_update().get(pk=category.pk)
    cleaned = _clean(fields, category)
    before = {k: str(getattr(category, k)) for k in cleaned}
    for key, value in cleaned.items():
        setattr(category, key, value)
    category.save()
    after = {k: str(getattr(category, k)) for k in cleaned}
    changed = {k: [before[k], after[k]] for k in cleaned if before[k] != after[k]}
    if changed:
        audit_record(actor=by, action="directory.category_update", obj=category, summary={"changed": changed})
    return category
