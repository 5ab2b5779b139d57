"""Organisations, service categories and the qualification directory (``vendors``)."""

from vendors.models.applications import (
    CHECKLIST,
    REQUIRED_DOCUMENTS,
    ApplicationDocument,
    DirectoryApplication,
    DocumentKind,
)
from vendors.models.directory import (
    DirectoryEntry,
    DirectoryEntryCategory,
    DirectoryVersion,
    Rating,
)
from vendors.models.organisations import (
    Organisation,
    OrganisationKind,
    OrganisationMembership,
    OrganisationRelation,
    ServiceCategory,
    kind_from_credit_code,
    normalise_credit_code,
    validate_credit_code,
)
from vendors.models.performance import PerformanceGrade

__all__ = [
    "CHECKLIST",
    "REQUIRED_DOCUMENTS",
    "ApplicationDocument",
    "DirectoryApplication",
    "DirectoryEntry",
    "DirectoryEntryCategory",
    "DirectoryVersion",
    "DocumentKind",
    "Organisation",
    "OrganisationKind",
    "OrganisationMembership",
    "OrganisationRelation",
    "PerformanceGrade",
    "Rating",
    "ServiceCategory",
    "kind_from_credit_code",
    "normalise_credit_code",
    "validate_credit_code",
]
