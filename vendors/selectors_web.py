"""Reads for the directory's web pages (the core reads are in ``vendors.selectors``).

Every function returns what one page shows, with its joins applied, so that a page makes a fixed
number of queries whatever the number of rows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from vendors.models import (
    ApplicationDocument,
    DirectoryApplication,
    DirectoryEntry,
    DirectoryVersion,
    Organisation,
    OrganisationMembership,
    ServiceCategory,
)


def published_versions_with_counts() -> QuerySet[DirectoryVersion]:
    """Published versions, newest first, each with its number of entries (one query)."""
    return (
        DirectoryVersion.objects.published()
        .select_related("published_by")
        .annotate(entry_count=Count("entries"))
        .order_by("-number")
    )


def published_version(number: int) -> DirectoryVersion | None:
    return DirectoryVersion.objects.published().filter(number=number).first()


def version_for_export(number: int, user: Any) -> DirectoryVersion | None:
    """A published version for anyone; the draft only for those who edit it."""
    version = DirectoryVersion.objects.filter(number=number).first()
    if version is None:
        return None
    if version.is_published or user.has_perm("vendors.manage_directory"):
        return version
    return None


def draft_entry(pk: int) -> DirectoryEntry | None:
    return DirectoryEntry.objects.select_related("version", "organisation").filter(pk=pk).first()


def all_categories() -> QuerySet[ServiceCategory]:
    """Every category, active or not, for the taxonomy page."""
    return ServiceCategory.objects.select_related("parent").annotate(
        entry_count=Count("directory_entries", distinct=True)
    )


def organisation_by_code(credit_code: str) -> Organisation | None:
    return Organisation.objects.filter(credit_code=credit_code.upper()).first()


def memberships_of(user: Any) -> QuerySet[OrganisationMembership]:
    """The user's claims and memberships, with their organisations."""
    return (
        OrganisationMembership.objects.filter(user=user)
        .select_related("organisation", "decided_by")
        .order_by("-created_at")
    )


def organisation_members(organisation: Organisation) -> QuerySet[OrganisationMembership]:
    """Every membership of an organisation (approved, pending, rejected), for its admin's page."""
    return (
        OrganisationMembership.objects.filter(organisation=organisation)
        .select_related("user", "decided_by")
        .order_by("status", "-is_admin", "user__email")
    )


def organisation_applications(organisation: Organisation) -> QuerySet[DirectoryApplication]:
    return (
        DirectoryApplication.objects.filter(organisation=organisation)
        .select_related("version")
        .prefetch_related("categories")
        .order_by("-submitted_at")
    )


def application_for_page(pk: int) -> DirectoryApplication | None:
    return (
        DirectoryApplication.objects.select_related(
            "organisation", "submitted_by", "reviewed_by", "version", "entry"
        )
        .prefetch_related("categories", "documents")
        .filter(pk=pk)
        .first()
    )


def application_document(application: DirectoryApplication, pk: int) -> ApplicationDocument | None:
    return ApplicationDocument.objects.filter(application=application, pk=pk).first()


def recent_decisions(limit: int = 20) -> QuerySet[DirectoryApplication]:
    """Applications decided lately, for the review queue's second table."""
    return (
        DirectoryApplication.objects.exclude(status=DirectoryApplication.Status.SUBMITTED)
        .select_related("organisation", "reviewed_by")
        .order_by("-reviewed_at", "-submitted_at")[:limit]
    )


def current_entry_of(organisation: Organisation, version: DirectoryVersion | None) -> DirectoryEntry | None:
    if version is None:
        return None
    return (
        DirectoryEntry.objects.filter(version=version, organisation=organisation)
        .prefetch_related("categories")
        .first()
    )
