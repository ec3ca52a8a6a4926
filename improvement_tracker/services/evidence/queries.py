"""Reading evidence: counts by review state, an action's files, the force's review list, a file's trail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from improvement_tracker.models import Action, AuditEvent, Evidence, Force

REVIEW_LABELS = {"submitted": "Awaiting review", "accepted": "Accepted", "rejected": "Rejected"}


@dataclass
class EvidenceCounts:
    submitted: int = 0
    accepted: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.submitted + self.accepted + self.rejected


def live():
    """Not withdrawn."""
    return Evidence.withdrawn_at.is_(None)


def counts_for_actions(session: Session, action_ids: Iterable[int]) -> dict[int, EvidenceCounts]:
    """Live evidence per action and review state, in one grouped query."""
    ids = list(action_ids)
    counts: dict[int, EvidenceCounts] = {i: EvidenceCounts() for i in ids}
    if not ids:
        return counts
    rows = session.execute(
        select(Evidence.action_id, Evidence.review_state, func.count(Evidence.id))
        .where(Evidence.action_id.in_(ids), live())
        .group_by(Evidence.action_id, Evidence.review_state)
    )
    for action_id, state, n in rows:
        setattr(counts[action_id], state, n)
    return counts


def counts_for_action(session: Session, action: Action) -> EvidenceCounts:
    return counts_for_actions(session, [action.id])[action.id]


def awaiting_review(session: Session, force: Force) -> list[Evidence]:
    """The force's evidence still to be reviewed, oldest first (they have waited longest)."""
    return list(session.scalars(
        select(Evidence).join(Action, Action.id == Evidence.action_id)
        .where(Evidence.force_id == force.id, Evidence.review_state == "submitted", live())
        .options(contains_eager(Evidence.action))  # the list names each file's action
        .order_by(Evidence.uploaded_at, Evidence.id)
    ))


def awaiting_review_count(session: Session, force: Force) -> int:
    return session.scalar(
        select(func.count(Evidence.id)).where(
            Evidence.force_id == force.id, Evidence.review_state == "submitted", live())
    ) or 0


def trail(session: Session, evidence: Evidence) -> list[AuditEvent]:
    """Everything that happened to one piece of evidence, oldest first."""
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "evidence", AuditEvent.object_id == evidence.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ))




def no_evidence_reason(session: Session, action: Action) -> str | None:
    """Why the action was signed off with no accepted evidence, from its newest sign-off."""
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action_id == action.id, AuditEvent.event == "action.sign_off")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)
    )
    if event is None:
        return None
    pair = (event.changes or {}).get("no_evidence_reason")
    return pair[1] if pair else None
