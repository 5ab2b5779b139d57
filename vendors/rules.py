"""Ownership predicates for supplier organisations."""

from __future__ import annotations

from typing import Any

import rules

from accounts.rules import is_supplier


def _organisation_id(obj: Any) -> int | None:
    from vendors.models import Organisation

    if isinstance(obj, Organisation):
        return obj.pk
    return getattr(obj, "organisation_id", None)


@rules.predicate
def is_member_of_owner_organisation(user: Any, obj: Any) -> bool:
    """The user is approved staff of the organisation that owns ``obj`` (an organisation, a bid ...)."""
    org = _organisation_id(obj)
    if org is None or not getattr(user, "is_authenticated", False):
        return False
    return user.memberships.filter(organisation_id=org, status="approved").exists()


@rules.predicate
def is_admin_of_owner_organisation(user: Any, obj: Any) -> bool:
    org = _organisation_id(obj)
    if org is None or not getattr(user, "is_authenticated", False):
        return False
    return user.memberships.filter(organisation_id=org, status="approved", is_admin=True).exists()


rules.add_perm("vendors.act_for_organisation", is_supplier & is_member_of_owner_organisation)
rules.add_perm("vendors.manage_organisation_staff", is_supplier & is_admin_of_owner_organisation)
