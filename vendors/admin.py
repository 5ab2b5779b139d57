"""The site administrator's view of vendors. Directory work is done in the directory pages (through
the services); here a published version and its entries are read-only, like the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from vendors.models import (
    ApplicationDocument,
    DirectoryApplication,
    DirectoryEntry,
    DirectoryVersion,
    Organisation,
    OrganisationMembership,
    OrganisationRelation,
    ServiceCategory,
)


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "parent", "is_active", "sort_order"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "name_en"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # categories qualify entries of published versions: deactivate instead


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["credit_code", "name", "legal_representative", "registering_authority"]
    search_fields = ["credit_code", "name", "legal_representative"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["credit_code"] if obj is not None else []


@admin.register(OrganisationMembership)
class OrganisationMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "status", "is_admin", "created_at", "decided_at"]
    list_filter = ["status", "is_admin"]
    search_fields = ["user__email", "organisation__name", "organisation__credit_code"]
    readonly_fields = ["status", "decided_at", "decided_by", "decision_reason"]
    raw_id_fields = ["user", "organisation"]


@admin.register(OrganisationRelation)
class OrganisationRelationAdmin(admin.ModelAdmin):
    list_display = ["organisation", "related", "kind", "recorded_at"]
    raw_id_fields = ["organisation", "related"]


class _NeverChangePublished:
    """A published version (and its entries) is read-only here as everywhere."""

    def _published(self, obj: Any) -> bool:
        raise NotImplementedError

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and self._published(obj):
            return False
        return super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and self._published(obj):
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc]


@admin.register(DirectoryVersion)
class DirectoryVersionAdmin(_NeverChangePublished, admin.ModelAdmin):
    list_display = ["number", "status", "published_at", "published_by", "note"]
    list_filter = ["status"]
    readonly_fields = ["number", "status", "based_on", "created_by", "published_at", "published_by"]
    actions: list[Any] = []  # no bulk delete

    def _published(self, obj: Any) -> bool:
        return bool(obj.is_published)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # drafts are made by the services (copying the latest published version)


@admin.register(DirectoryEntry)
class DirectoryEntryAdmin(_NeverChangePublished, admin.ModelAdmin):
    list_display = ["organisation_name", "version", "rating", "valid_from", "valid_to", "status"]
    list_filter = ["version", "status", "rating", "categories"]
    search_fields = ["organisation_name", "organisation__credit_code"]
    list_select_related = ["version", "organisation"]
    readonly_fields = ["version", "organisation", "status", "status_reason", "status_date"]
    actions: list[Any] = []

    def _published(self, obj: Any) -> bool:
        return bool(obj.version.is_published)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # entries are added through the services (entry_add, import, applications)


class ApplicationDocumentInline(admin.TabularInline):
    model = ApplicationDocument
    extra = 0
    fields = ["kind", "original_name", "size", "sha256", "uploaded_at"]
    readonly_fields = ["kind", "original_name", "size", "sha256", "uploaded_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DirectoryApplication)
class DirectoryApplicationAdmin(admin.ModelAdmin):
    list_display = ["organisation", "status", "submitted_at", "reviewed_at"]
    list_filter = ["status"]
    readonly_fields = [
        "status",
        "organisation",
        "submitted_by",
        "reviewed_by",
        "reviewed_at",
        "version",
        "entry",
    ]
    inlines = [ApplicationDocumentInline]
