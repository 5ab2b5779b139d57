"""Directory URLs, included at ``directory/``: public pages first, then supplier and administrator pages."""

from django.urls import path

from vendors.views import administration, public, supplier

app_name = "vendors"

urlpatterns = [
    # Public (no sign-in).
    path("", public.directory, name="directory"),
    path("versions/", public.version_list, name="version_list"),
    path("versions/<int:number>/", public.version_detail, name="version_detail"),
    path("versions/<int:number>/diff/", public.version_diff, name="version_diff"),
    path("versions/<int:number>/export.<str:fmt>", public.version_export, name="version_export"),
    path("organisations/<str:credit_code>/", public.organisation_profile, name="organisation_profile"),
    # Supplier staff.
    path("my/", supplier.my_organisation, name="my_organisation"),
    path("my/claim/", supplier.claim, name="claim"),
    path("my/organisations/<int:pk>/edit/", supplier.organisation_edit, name="organisation_edit"),
    path("my/organisations/<int:pk>/apply/", supplier.application_create, name="application_create"),
    # Shared by supplier staff and directory administrators (each object checks its permission).
    path("applications/<int:pk>/", supplier.application_detail, name="application_detail"),
    path("applications/<int:pk>/review/", supplier.application_review, name="application_review"),
    path("applications/<int:pk>/withdraw/", supplier.application_withdraw_view, name="application_withdraw"),
    path(
        "applications/<int:pk>/documents/<int:document_pk>/",
        supplier.application_document,
        name="application_document",
    ),
    path("claims/<int:pk>/<str:decision>/", supplier.claim_decide, name="claim_decide"),
    path("claims/<int:pk>/certificate", supplier.claim_certificate, name="claim_certificate"),
    # Directory administrators.
    path("admin/", administration.draft, name="draft"),
    path("admin/start/", administration.draft_start, name="draft_start"),
    path("admin/entries/add/", administration.entry_create, name="entry_create"),
    path("admin/entries/<int:pk>/edit/", administration.entry_edit, name="entry_edit"),
    path("admin/entries/<int:pk>/<str:action>/", administration.entry_status, name="entry_status"),
    path("admin/versions/<int:number>/publish/", administration.publish, name="publish"),
    path("admin/import/", administration.directory_import_upload, name="import"),
    path("admin/applications/", administration.application_queue, name="application_queue"),
    path("admin/claims/", administration.claim_queue, name="claim_queue"),
    path("admin/categories/", administration.category_list, name="category_list"),
    path("admin/categories/new/", administration.category_edit, name="category_create"),
    path("admin/categories/<int:pk>/", administration.category_edit, name="category_edit"),
]
