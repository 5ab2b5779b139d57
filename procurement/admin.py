"""Admin site for procurement. Bids are read-only here and never show sealed material: the admin
has no column that holds a plaintext price or document before the opening (the ciphertext is not
shown either), and sealed documents are downloadable only through the audited bid pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from procurement.models import (
    Bid,
    BidDocument,
    CalendarYear,
    ExpertRelation,
    ExpertSpeciality,
    HolidayOverride,
    OpeningRecord,
    Tender,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BidDocumentInline(admin.TabularInline):
    model = BidDocument
    fields = readonly_fields = ("name", "kind", "size", "sha256", "uploaded_at", "hash_ok")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    """Only opened bids (开标后): before the opening a bid's very existence, its bidder, timing,
    hash and documents are sealed, so the admin lists none of them (a change page of a sealed bid
    is a 404, since the queryset does not hold it). No sealed field (ciphertext, salt) is shown."""

    list_display = ["tender", "organisation", "status", "opened_at", "opened_price", "hash_ok"]
    list_filter = ["status"]
    search_fields = ["tender__reference", "organisation__name", "organisation__credit_code"]
    fields = readonly_fields = (
        "tender",
        "organisation",
        "status",
        "created_by",
        "submitted_by",
        "submitted_at",
        "bid_hash",
        "eligibility_version",
        "replaces",
        "withdrawn_at",
        "opened_at",
        "opened_price",
        "hash_ok",
        "documents_ok",
        "opening_problem",
        "qualification_reason",
    )
    inlines = [BidDocumentInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .filter(opened_at__isnull=False)
            .defer("price_ciphertext")
            .select_related("tender", "organisation")
        )


@admin.register(OpeningRecord)
class OpeningRecordAdmin(ReadOnlyAdmin):
    list_display = ["tender", "opened_at", "opened_by", "all_hashes_ok"]


# --- Tender side ------------------------------------------------------------------------------------
# Tenders change only through their services (the status is protected); the admin shows them
# read-only. The working-day calendar's override table is the one thing administrators maintain here.


@admin.register(Tender)
class TenderAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "title",
        "department",
        "category",
        "method",
        "status",
        "published_at",
        "bid_deadline",
    )
    list_filter = ("status", "method", "department")
    search_fields = ("reference", "title")
    list_select_related = ("department", "category")


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "created_at")


# The expert pool's specialities and declared relations (read by the committee draw).
@admin.register(ExpertSpeciality)
class ExpertSpecialityAdmin(admin.ModelAdmin):
    list_display = ("expert", "category")
    list_filter = ("category",)
    list_select_related = ("expert__user", "category")


@admin.register(ExpertRelation)
class ExpertRelationAdmin(admin.ModelAdmin):
    list_display = ("expert", "kind", "organisation", "person_name", "ended_on")
    list_filter = ("kind",)
    search_fields = ("person_name", "organisation__name", "expert__user__full_name")
    list_select_related = ("expert__user", "organisation")
    raw_id_fields = ("organisation",)
