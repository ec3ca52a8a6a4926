"""Reviewing, withdrawing and purging evidence, and the evidence rule for signing an action off.

Who may do each is decided in improvement_tracker.security (one place for the page's buttons
and for these functions); the functions refuse what the rules refuse and record the change.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from improvement_tracker import security
from improvement_tracker.models import Action, Evidence, User
from improvement_tracker.models._types import utcnow
from improvement_tracker.services import audit
from improvement_tracker.services.audit import ServiceError
from improvement_tracker.services.evidence.queries import EvidenceCounts, counts_for_action

DECISIONS = ("accepted", "rejected")
MAX_REASON_LENGTH = 2000


def _reason(text: str | None, missing: str | None) -> str:
    """A reason as given, trimmed; ``missing`` is the message when one is required and blank."""
    reason = (text or "").strip()
    if missing and not reason:
        raise ServiceError(missing, "reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise ServiceError(f"Reason must be {MAX_REASON_LENGTH} characters or fewer", "reason")
    return reason


def review(session: Session, evidence: Evidence, decision: str, reason: str, *, actor: User) -> bool:
    """Accept or reject; returns whether anything changed."""
    action = evidence.action
    audit.enforce(security.review_refusal(actor, evidence, action), "decision")
    if decision not in DECISIONS:
        raise ServiceError("Select whether you accept or reject the evidence", "decision")
    reason = _reason(reason, "Enter why the evidence is rejected" if decision == "rejected" else None)
    changes = audit.apply_changes(evidence, {"review_state": decision, "review_reason": reason or None})
    if not changes:
        return False
    evidence.reviewed_by_id = actor.id
    evidence.reviewed_at = utcnow()
    changes["file"] = [evidence.original_filename, evidence.original_filename]
    audit.record(session, actor, f"evidence.{decision}", "evidence", evidence.id, changes=changes,
                 force_id=evidence.force_id, action_id=evidence.action_id,
                 summary=f"{'Accepted' if decision == 'accepted' else 'Rejected'} evidence "
                         f"{evidence.original_filename} on {action.reference}")
    return True


def withdraw(session: Session, evidence: Evidence, reason: str, *, actor: User) -> None:
    audit.enforce(security.withdraw_refusal(actor, evidence, evidence.action), "reason")
    reason = _reason(reason, "Enter why you are withdrawing this evidence")
    evidence.withdrawn_at = utcnow()
    evidence.withdrawn_by_id = actor.id
    evidence.withdrawal_reason = reason
    audit.record(session, actor, "evidence.withdrawn", "evidence", evidence.id,
                 changes={"file": [evidence.original_filename, None], "sha256": [evidence.sha256, evidence.sha256],
                          "review_state": [evidence.review_state, evidence.review_state],
                          "withdrawal_reason": [None, reason]},
                 force_id=evidence.force_id, action_id=evidence.action_id,
                 summary=f"Withdrew evidence {evidence.original_filename} from {evidence.action.reference}")


def purge(session: Session, evidence: Evidence, reason: str, *, actor: User) -> str:
    """Mark the stored bytes as deleted; returns the key, to delete once this is committed."""
    audit.enforce(security.purge_refusal(actor, evidence), "reason")
    reason = _reason(reason, "Enter why the file is being deleted")
    evidence.purged_at = utcnow()
    evidence.purged_by_id = actor.id
    evidence.purge_reason = reason
    audit.record(session, actor, "evidence.purged", "evidence", evidence.id,
                 changes={"stored_file": [evidence.original_filename, None],
                          "sha256": [evidence.sha256, evidence.sha256], "purge_reason": [None, reason]},
                 force_id=evidence.force_id, action_id=evidence.action_id,
                 summary=f"Deleted the stored file of {evidence.original_filename} "
                         f"({evidence.action.reference})")
    return evidence.storage_key


# --- the sign-off rule ------------------------------------------------------------------

def check_sign_off(session: Session, action: Action, no_evidence_reason: str | None) -> EvidenceCounts:
    """Signing off needs no evidence awaiting review, and some accepted evidence or a reason why not."""
    counts = counts_for_action(session, action)
    if counts.submitted:
        raise ServiceError(
            f"Review the evidence awaiting review before signing off: {counts.submitted} "
            f"{'file is' if counts.submitted == 1 else 'files are'} still to be accepted or rejected",
            "evidence",
        )
    if not counts.accepted and not (no_evidence_reason or "").strip():
        raise ServiceError("This action has no accepted evidence: accept some evidence, or enter why "
                           "none is needed", "no_evidence_reason")
    return counts


