from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    AuditEntry,
    Department,
    EvaluatorOrganisation,
    ExpertProfile,
    GeneratedDocument,
    Invitation,
    Notification,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "department", "is_department_admin", "is_active"]
    list_filter = ["role", "department", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "phone", "language")}),
        (_("Role"), {"fields": ("role", "department", "is_department_admin", "evaluator_organisation")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "role", "department", "password1", "password2")}),
    )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "region"]
    search_fields = ["code", "name"]


admin.site.register(EvaluatorOrganisation)
admin.site.register(ExpertProfile)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "department", "role", "created_at", "accepted_at"]
    readonly_fields = ["token", "accepted_at", "accepted_user"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is never edited, not even by the site administrator."""

    list_display = ["seq", "created_at", "actor_label", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_repr", "action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(_ReadOnlyAdmin):
    """Issued documents are never edited; a failed one is retried by asking for it again."""

    list_display = ["created_at", "kind", "title", "object_repr", "status", "attempts", "verify_code"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "reference", "verify_code", "sha256", "object_repr"]
    exclude = ["payload"]


@admin.register(Notification)
class NotificationAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "email_mode", "sent_at", "read_at"]
    list_filter = ["kind", "email_mode"]
    search_fields = ["recipient__email"]
    raw_id_fields = ["recipient"]
