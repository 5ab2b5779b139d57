"""Upload checks live in ``accounts.uploads`` (every app's forms use them); re-exported here for
the procurement services and tests that import them from this module."""

from accounts.uploads import (
    MB,
    MIME_TYPES,
    OOXML_TYPES,
    CheckedUpload,
    check_upload,
    detect_kind,
    max_file_bytes,
    max_total_bytes,
    safe_name,
)

__all__ = [
    "MB",
    "MIME_TYPES",
    "OOXML_TYPES",
    "CheckedUpload",
    "check_upload",
    "detect_kind",
    "max_file_bytes",
    "max_total_bytes",
    "safe_name",
]
