"""Reads of organisations and the directory, with the joins pages and other apps need."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from vendors.models import (
    DirectoryApplication,
    DirectoryEntry,
    DirectoryVersion,
    Organisation,
    OrganisationMembership,
    OrganisationRelation,
    ServiceCategory,
)


def related_organisation_ids(organisation: Organisation) -> set[int]:
    """Organisations that may not bid in the same lot as ``organisation`` (实施条例 Art. 18): the same
    legal representative, or a recorded control/management relation in either direction."""
    related: set[int] = set()
    rep = (organisation.legal_representative or "").strip()
    if rep:
        related.update(
            Organisation.objects.filter(legal_representative=rep)
            .exclude(pk=organisation.pk)
            .values_list("pk", flat=True)
        )
    for a, b in OrganisationRelation.objects.filter(
        Q(organisation=organisation) | Q(related=organisation)
    ).values_list("organisation_id", "related_id"):
        related.add(b if a == organisation.pk else a)
    related.discard(organisation.pk)
    return related


def active_categories() -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.filter(is_active=True).select_related("parent")


def category_lookup() -> dict[str, ServiceCategory]:
    """Every active category by name and by upper-case code (what an import or a command accepts)."""
    lookup: dict[str, ServiceCategory] = {}
    for category in ServiceCategory.objects.filter(is_active=True):
        lookup[category.name] = category
        lookup[category.code.upper()] = category
    return lookup


def category_by_name_or_code(value: str) -> ServiceCategory | None:
    import unicodedata

    text = unicodedata.normalize("NFKC", value or "").strip()
    return ServiceCategory.objects.filter(Q(name=text) | Q(code__iexact=text)).first()


def published_versions() -> QuerySet[DirectoryVersion]:
    return DirectoryVersion.objects.published().select_related("published_by").order_by("-number")


def current_version() -> DirectoryVersion | None:
    return DirectoryVersion.objects.published().order_by("-published_at", "-number").first()


def draft_version() -> DirectoryVersion | None:
    return DirectoryVersion.objects.drafts().first()


def version_entries(
    version: DirectoryVersion,
    *,
    search: str = "",
    category: ServiceCategory | None = None,
    rating: str = "",
    status: str = "",
) -> QuerySet[DirectoryEntry]:
    """A version's entries for the directory page: search by name or code, filter by category,
    rating and status; categories and organisation fetched with them."""
    qs = (
        DirectoryEntry.objects.filter(version=version)
        .select_related("organisation")
        .prefetch_related("categories")
        .order_by("organisation_name", "pk")
    )
    if search:
        search = search.strip()
        qs = qs.filter(
            Q(organisation_name__icontains=search) | Q(organisation__credit_code__iexact=search.upper())
        )
    if category is not None:
        qs = qs.filter(categories=category)
    if rating:
        qs = qs.filter(rating=rating)
    if status:
        qs = qs.filter(status=status)
    return qs


def organisation_history(organisation: Organisation) -> QuerySet[DirectoryEntry]:
    """The organisation's entry in every published version, newest first (its public profile)."""
    return (
        DirectoryEntry.objects.in_published()
        .filter(organisation=organisation)
        .select_related("version")
        .prefetch_related("categories")
        .order_by("-version__number")
    )


def pending_applications() -> QuerySet[DirectoryApplication]:
    return (
        DirectoryApplication.objects.filter(status=DirectoryApplication.Status.SUBMITTED)
        .select_related("organisation", "submitted_by")
        .prefetch_related("categories", "documents")
        .order_by("submitted_at")
    )


def pending_claims_for(user: Any) -> QuerySet[OrganisationMembership]:
    """Claims ``user`` may decide: for their organisations as its admin, or first claims for a
    directory administrator."""
    from accounts.models import Role

    qs = OrganisationMembership.objects.filter(status=OrganisationMembership.Status.PENDING).select_related(
        "user", "organisation"
    )
    if getattr(user, "role", "") == Role.DIRECTORY_ADMIN:
        with_admin = OrganisationMembership.objects.filter(
            status=OrganisationMembership.Status.APPROVED, is_admin=True
        ).values("organisation_id")
        return qs.exclude(organisation_id__in=with_admin)
    admin_of = user.memberships.filter(status=OrganisationMembership.Status.APPROVED, is_admin=True).values(
        "organisation_id"
    )
    return qs.filter(organisation_id__in=admin_of)


def organisation_staff(organisation: Organisation) -> list[Any]:
    """Approved staff of an organisation (who is told about its directory entry)."""
    return [
        m.user
        for m in OrganisationMembership.objects.filter(
            organisation=organisation, status=OrganisationMembership.Status.APPROVED
        ).select_related("user")
    ]


# --- Version diff ----------------------------------------------------------------------------------
DIFF_FIELDS = ("organisation_name", "registering_authority", "rating", "valid_from", "valid_to", "status")


@dataclass
class EntryChange:
    organisation_id: int
    credit_code: str
    name: str
    old: DirectoryEntry | None
    new: DirectoryEntry | None
    # field name: (old value, new value); "categories" holds sorted lists of category codes
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class VersionDiff:
    old: DirectoryVersion | None
    new: DirectoryVersion
    added: list[EntryChange] = field(default_factory=list)
    removed: list[EntryChange] = field(default_factory=list)
    changed: list[EntryChange] = field(default_factory=list)
    unchanged_count: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _entries_by_org(version: DirectoryVersion | None) -> dict[int, DirectoryEntry]:
    if version is None:
        return {}
    qs = (
        DirectoryEntry.objects.filter(version=version)
        .select_related("organisation")
        .prefetch_related(Prefetch("categories", queryset=ServiceCategory.objects.order_by("code")))
    )
    return {e.organisation_id: e for e in qs}


def entry_signature(entry: DirectoryEntry) -> dict[str, Any]:
    values = {name: getattr(entry, name) for name in DIFF_FIELDS}
    values["categories"] = sorted(c.code for c in entry.categories.all())
    return values


def version_diff(old: DirectoryVersion | None, new: DirectoryVersion) -> VersionDiff:
    """What changed from ``old`` to ``new`` (old None: everything in ``new`` is added). Four queries."""
    before, after = _entries_by_org(old), _entries_by_org(new)
    diff = VersionDiff(old=old, new=new)
    for org_id, entry in after.items():
        previous = before.get(org_id)
        change = EntryChange(org_id, entry.organisation.credit_code, entry.organisation_name, previous, entry)
        if previous is None:
            diff.added.append(change)
            continue
        a, b = entry_signature(previous), entry_signature(entry)
        change.fields = {k: (a[k], b[k]) for k in b if a[k] != b[k]}
        if change.fields:
            diff.changed.append(change)
        else:
            diff.unchanged_count += 1
    for org_id, entry in before.items():
        if org_id not in after:
            diff.removed.append(
                EntryChange(org_id, entry.organisation.credit_code, entry.organisation_name, entry, None)
            )
    for bucket in (diff.added, diff.removed, diff.changed):
        bucket.sort(key=lambda c: c.name)
    return diff


def previous_published(version: DirectoryVersion) -> DirectoryVersion | None:
    return DirectoryVersion.objects.published().filter(number__lt=version.number).order_by("-number").first()
