"""Evidence: files on an action, checked by content, reviewed by the programme manager.

Upload is all or nothing (upload); evidence is never deleted by a user: withdrawing hides it
from the action and keeps the record, and only an administrator purges the stored bytes
(review). File names are only shown, never used for storage (names); lists and counts are in
queries.
"""

from improvement_tracker.services.evidence.names import ascii_filename, clean_filename, shown_name
from improvement_tracker.services.evidence.queries import (
    REVIEW_LABELS,
    EvidenceCounts,
    awaiting_review,
    awaiting_review_count,
    counts_for_action,
    counts_for_actions,
    no_evidence_reason,
    trail,
)
from improvement_tracker.services.evidence.review import check_sign_off, purge, review, withdraw
from improvement_tracker.services.evidence.upload import (
    MAX_DESCRIPTION_LENGTH,
    IncomingFile,
    UploadRefused,
    forget_files,
    record_scan_refusals,
    upload,
)

__all__ = [
    "MAX_DESCRIPTION_LENGTH",
    "REVIEW_LABELS",
    "EvidenceCounts",
    "IncomingFile",
    "UploadRefused",
    "ascii_filename",
    "awaiting_review",
    "awaiting_review_count",
    "check_sign_off",
    "clean_filename",
    "counts_for_action",
    "counts_for_actions",
    "forget_files",
    "no_evidence_reason",
    "purge",
    "record_scan_refusals",
    "review",
    "shown_name",
    "trail",
    "upload",
    "withdraw",
]
