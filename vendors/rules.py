"""Ownership predicates for supplier organisations."""

from __future__ import annotations

from typing import Any

import rules

from accounts.rules import is_directory_admin, is_purchaser, is_supplier


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


@rules.predicate
def organisation_has_no_admin(user: Any, obj: Any) -> bool:
    """The organisation owning ``obj`` has no approved administrator yet (a first claim)."""
    from vendors.models import OrganisationMembership

    org = _organisation_id(obj)
    if org is None:
        return False
    return not OrganisationMembership.objects.filter(
        organisation_id=org, status=OrganisationMembership.Status.APPROVED, is_admin=True
    ).exists()


# The directory: maintained, published and reviewed by the civil-affairs directory administrators only.
rules.add_perm("vendors.manage_directory", is_directory_admin)
# The commissioning purchaser's final performance evaluation enters the organisation's record.
rules.add_perm("vendors.record_performance", is_purchaser)
rules.add_perm("vendors.publish_directory_version", is_directory_admin)
rules.add_perm("vendors.manage_categories", is_directory_admin)
rules.add_perm("vendors.record_relation", is_directory_admin)
rules.add_perm("vendors.review_application", is_directory_admin)
rules.add_perm("vendors.export_directory", rules.always_allow)  # published versions are public
# Applications: staff of a social organisation apply for it; they and the reviewers may read them.
rules.add_perm("vendors.submit_application", is_supplier & is_member_of_owner_organisation)
rules.add_perm("vendors.withdraw_application", is_supplier & is_member_of_owner_organisation)
rules.add_perm(
    "vendors.view_application", is_directory_admin | (is_supplier & is_member_of_owner_organisation)
)
# Organisations and claims: supplier staff register an organisation and claim it; the claim is
# decided by its administrator or, for the first claim, by a directory administrator.
rules.add_perm("vendors.create_organisation", is_supplier | is_directory_admin)
rules.add_perm("vendors.claim_organisation", is_supplier)
rules.add_perm(
    "vendors.decide_claim",
    (is_supplier & is_admin_of_owner_organisation) | (is_directory_admin & organisation_has_no_admin),
)
rules.add_perm("vendors.view_claim", is_directory_admin | (is_supplier & is_admin_of_owner_organisation))
