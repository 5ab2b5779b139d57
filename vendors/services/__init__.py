"""Writes of the vendors app (organisations, claims, the directory) and the eligibility check.

Other apps import from here: ``from vendors.services import eligibility_check, EligibilityResult``.
"""

from vendors.services.applications import (
    application_approve,
    application_reject,
    application_submit,
    application_withdraw,
)
from vendors.services.directory import (
    entry_add,
    entry_reinstate,
    entry_revoke,
    entry_suspend,
    entry_update,
    version_discard,
    version_draft,
    version_publish,
)
from vendors.services.eligibility import EligibilityResult, eligibility_check, version_in_force_on
from vendors.services.organisations import (
    claim_approve,
    claim_reject,
    organisation_claim,
    organisation_create,
    organisation_update,
    relation_delete,
    relation_record,
)
from vendors.services.performance import organisation_record_performance, performance_grades_for
from vendors.services.transfer import (
    DirectoryImportError,
    ImportSummary,
    RowError,
    directory_export,
    directory_import,
    export_filename,
)

__all__ = [
    "DirectoryImportError",
    "EligibilityResult",
    "ImportSummary",
    "RowError",
    "application_approve",
    "application_reject",
    "application_submit",
    "application_withdraw",
    "claim_approve",
    "claim_reject",
    "directory_export",
    "directory_import",
    "eligibility_check",
    "entry_add",
    "entry_reinstate",
    "entry_revoke",
    "entry_suspend",
    "entry_update",
    "export_filename",
    "organisation_claim",
    "organisation_create",
    "organisation_record_performance",
    "organisation_update",
    "performance_grades_for",
    "relation_delete",
    "relation_record",
    "version_discard",
    "version_draft",
    "version_in_force_on",
    "version_publish",
]
